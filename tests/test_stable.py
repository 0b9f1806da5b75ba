"""Stable primitives: accuracy against 50-digit mpmath, extremes, invariants.

Tolerances (in ulp of the exact value) are the issue's: 2 for sigmoid, log_sigmoid, the
per-example loss and the gradient weight, 4 for the Hessian weight. Each primitive is one
exp (<= 1 ulp in NumPy), then at most three correctly rounded operations whose condition
numbers are <= 1, so these bounds hold with margin.
"""

import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from logreg import grad_weight, hess_weight, log_sigmoid, per_example_loss, sigmoid, softplus

mpmath.mp.dps = 50

# A dense grid over [-800, 800], the subnormal range below -709 included, plus the
# thresholds where textbook formulas break (37: 1 - p rounds to 0; 709/745: exp limits).
GRID = np.unique(
    np.concatenate(
        [
            np.linspace(-800.0, 800.0, 3201),
            np.linspace(-40.0, 40.0, 801),
            [-745.2, -745.1, -744.5, -709.8, -709.7, -37.0, -36.7, -1e-10, 0.0, 1e-10,
             36.7, 37.0, 709.7, 709.8, 745.1, 745.2],
        ]
    )
)


def _ulp_error(computed, exact):
    """|computed - exact| in units of the spacing of float64 numbers at ``exact``."""
    exact_f = float(exact)
    spacing = np.spacing(abs(exact_f)) if exact_f != 0 else np.spacing(0.0)
    return float(abs(mpmath.mpf(float(computed)) - exact) / mpmath.mpf(spacing))


def _ref_sigmoid(z):
    return 1 / (1 + mpmath.exp(-mpmath.mpf(z)))


def _ref_softplus(z):
    # log1p(exp(z)) in 50 digits; 1 - sigma(z) is written sigma(-z) so that the reference
    # itself never cancels (at z = 200, 1 - sigma(z) ~ 1e-87 is below 50 digits of 1).
    return mpmath.log1p(mpmath.exp(mpmath.mpf(z)))


def _max_ulp(func, ref, zs):
    out = func(zs)
    return max(_ulp_error(c, ref(z)) for c, z in zip(out, zs))


def test_sigmoid_within_2_ulp_of_mpmath():
    assert _max_ulp(sigmoid, _ref_sigmoid, GRID) <= 2.0


def test_log_sigmoid_within_2_ulp_of_mpmath():
    assert _max_ulp(log_sigmoid, lambda z: -_ref_softplus(-z), GRID) <= 2.0


def test_softplus_within_2_ulp_of_mpmath():
    assert _max_ulp(softplus, _ref_softplus, GRID) <= 2.0


@pytest.mark.parametrize("label", [0, 1])
def test_per_example_loss_within_2_ulp_for_both_labels(label):
    def ref(z):  # -log p = softplus(-z), -log(1 - p) = softplus(z)
        return _ref_softplus(-z) if label == 1 else _ref_softplus(z)

    err = _max_ulp(lambda z: per_example_loss(np.full(z.shape, label), z), ref, GRID)
    assert err <= 2.0


@pytest.mark.parametrize("label", [0, 1])
def test_grad_weight_within_2_ulp_for_both_labels(label):
    err = _max_ulp(
        lambda z: grad_weight(np.full(z.shape, label), z),
        lambda z: -_ref_sigmoid(-z) if label else _ref_sigmoid(z),
        GRID,
    )
    assert err <= 2.0


def test_hess_weight_within_4_ulp():
    def ref(z):
        return _ref_sigmoid(z) * _ref_sigmoid(-z)

    assert _max_ulp(hess_weight, ref, GRID) <= 4.0


def test_sigmoid_is_accurate_in_the_subnormal_range_where_expit_returns_zero():
    from scipy.special import expit

    z = np.array([-710.0, -720.0, -740.0, -744.0])
    assert np.all(expit(z) == 0.0)  # the documented failure we improve on
    p = sigmoid(z)
    assert np.all(p > 0)
    assert max(_ulp_error(c, _ref_sigmoid(v)) for c, v in zip(p, z)) <= 2.0


def test_textbook_forms_fail_where_the_stable_ones_do_not():
    z = 40.0
    p = 1.0 / (1.0 + np.exp(-z))
    assert 1.0 - p == 0.0 and p * (1.0 - p) == 0.0  # what the chapters warn about
    assert hess_weight(z) > 0 and grad_weight(1, z) < 0
    assert _ulp_error(hess_weight(z), _ref_sigmoid(z) * _ref_sigmoid(-z)) <= 4


EXTREMES = np.array(
    [-1e308, -1.7e308, -1e300, -1e20, -745.2, -745.0, -709.0, -40.0, -37.0, -1.0, -0.0, 0.0,
     1.0, 37.0, 40.0, 709.0, 745.0, 1e20, 1e300, 1.7e308, 1e308, np.finfo(float).max,
     -np.finfo(float).max, np.finfo(float).tiny, 5e-324]
)


@pytest.mark.parametrize(
    "func",
    [
        sigmoid,
        log_sigmoid,
        softplus,
        hess_weight,
        lambda z: per_example_loss(np.zeros(z.shape), z),
        lambda z: per_example_loss(np.ones(z.shape), z),
        lambda z: grad_weight(np.zeros(z.shape), z),
        lambda z: grad_weight(np.ones(z.shape), z),
    ],
)
def test_no_warning_and_finite_for_extreme_finite_input(func):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = func(EXTREMES)
    assert np.all(np.isfinite(out))


def test_known_values_at_the_extremes():
    assert sigmoid(1e308) == 1.0 and sigmoid(-1e308) == 0.0
    assert sigmoid(40.0) == 1.0 - 4.248354255291589e-18 or sigmoid(40.0) == 1.0
    assert log_sigmoid(-1e308) == -1e308
    assert softplus(1e308) == 1e308 and softplus(-1e308) == 0.0
    assert per_example_loss(1, -745.0) == 745.0
    assert log_sigmoid(-800.0) == -800.0
    assert float(hess_weight(0.0)) == 0.25


def test_scalars_in_scalars_out_and_shapes_kept():
    assert np.ndim(sigmoid(0.5)) == 0 and isinstance(sigmoid(0.5), np.floating)
    assert isinstance(softplus(3), np.floating)  # ints are promoted to float64
    z = np.linspace(-5, 5, 24).reshape(2, 3, 4)
    for f in (sigmoid, log_sigmoid, softplus, hess_weight):
        assert f(z).shape == (2, 3, 4)
    assert sigmoid([[0.0, 1.0]]).shape == (1, 2)


def test_integer_input_is_not_truncated():
    # A mask-and-fill implementation with np.zeros_like(z) returns ints for int input.
    assert sigmoid(np.array([0, 1, 2])).dtype == np.float64
    assert sigmoid(np.array([0]))[0] == 0.5


def test_complex_input_gives_the_analytic_continuation():
    h = 1e-20
    for z in (-50.0, -3.0, 0.3, 4.0, 60.0):
        d_sigmoid = sigmoid(z + 1j * h).imag / h
        assert d_sigmoid == pytest.approx(float(hess_weight(z)), rel=1e-14, abs=1e-300)
        assert softplus(z + 1j * h).imag / h == pytest.approx(float(sigmoid(z)), rel=1e-14)


finite = st.floats(min_value=-1e308, max_value=1e308, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-700, max_value=700, allow_nan=False)


@given(finite)
def test_sigmoid_symmetry(z):
    # sigma(-z) = 1 - sigma(z), to rounding (both sides are within an ulp of the truth).
    assert sigmoid(-z) == pytest.approx(1.0 - sigmoid(z), rel=4e-16, abs=2e-16)


@given(finite, finite)
def test_sigmoid_monotone(a, b):
    lo, hi = min(a, b), max(a, b)
    assert sigmoid(lo) <= sigmoid(hi)
    assert log_sigmoid(lo) <= log_sigmoid(hi)


@given(finite, st.sampled_from([0, 1]))
def test_loss_nonnegative_and_gradient_weight_bounded(z, label):
    assert per_example_loss(label, z) >= 0.0
    assert -1.0 <= grad_weight(label, z) <= 1.0
    assert 0.0 <= hess_weight(z) <= 0.25


@given(moderate)
def test_log_sigmoid_is_log_of_sigmoid_where_both_representable(z):
    assert log_sigmoid(z) == pytest.approx(np.log(sigmoid(z)), rel=1e-13)
    assert softplus(z) - softplus(-z) == pytest.approx(z, rel=1e-12, abs=1e-12)


def test_nan_and_non_numeric_input_are_refused():
    with pytest.raises(ValueError, match="NaN"):
        sigmoid([0.0, np.nan])
    with pytest.raises(TypeError, match="dtype"):
        sigmoid(["a"])
    with pytest.raises(ValueError, match="same shape"):
        per_example_loss(np.zeros((3, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="-1, \\+1"):
        grad_weight(np.array([-1, 1]), np.zeros(2))
