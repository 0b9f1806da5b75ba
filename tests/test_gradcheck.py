"""Finite differences and the complex step: accuracy as predicted, and bugs caught."""

import numpy as np
import pytest

from logreg import (
    central_difference_step,
    check_grad,
    complex_step_grad,
    fit,
    logreg_loss,
    logreg_loss_and_grad,
    make_data,
    numerical_grad,
)

EPS = np.finfo(float).eps


def test_central_difference_is_exact_on_quadratics_up_to_round_off():
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    f = lambda w: 0.5 * w @ A @ w  # noqa: E731  third derivative 0: no truncation error
    w = np.array([0.7, -1.3])
    np.testing.assert_allclose(numerical_grad(f, w, eps=1e-3), A @ w, rtol=1e-10)


def test_central_difference_error_is_second_order_in_eps():
    f, w = (lambda v: float(np.sum(np.sin(v)))), np.array([0.4, 1.1])
    err = [np.abs(numerical_grad(f, w, eps=h) - np.cos(w)).max() for h in (1e-2, 1e-3)]
    # halving... dividing eps by 10 divides the truncation error by ~100 (f''' = -cos)
    assert 80 < err[0] / err[1] < 120


def test_too_small_eps_makes_the_check_worse(small_problem):
    X, y, w = small_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    g = logreg_loss_and_grad(X, y, w)[1]
    good = np.abs(numerical_grad(f, w, eps=1e-5) - g).max()
    tiny = np.abs(numerical_grad(f, w, eps=1e-13) - g).max()
    assert good < 1e-9 and tiny > 100 * good  # round-off u|f|/eps dominates


def test_default_step_follows_scipy_rule_and_is_representable():
    w = np.array([0.0, 1e-3, 2.0, -1e4])
    h = central_difference_step(w)
    np.testing.assert_allclose(h, EPS ** (1 / 3) * np.maximum(1, np.abs(w)), rtol=1e-3)
    assert np.array_equal((w + h) - w, h)


def test_scale_replaces_the_one_in_scipys_rule():
    w = np.array([0.0, 1e-3, 2.0, -1e4])
    scale = np.array([1e-6, 1e6, 1.0, 1.0])
    h = central_difference_step(w, scale)
    expected = EPS ** (1 / 3) * np.maximum(scale, np.abs(w))
    np.testing.assert_allclose(h, expected, rtol=1e-3)


# Bug 3: for negative w_j at (or just above) a power of two, w_j + h lands in the binade
# below |w_j| and w_j - h in the one above, whose spacing is twice as large: w_j - h
# rounds, and the step actually taken is not 2h. The identity f(v) = v[0] has derivative
# exactly 1, and its central difference is exactly 1 when divided by the distance
# actually travelled; dividing by 2h was off by about 1e-11.
@pytest.mark.parametrize("w0", [-1.0, -2.0, -0.5, -1024.0, -(1.0 - 2.0**-40)])
def test_central_difference_divides_by_the_step_actually_taken(w0):
    w = np.array([w0])
    h = central_difference_step(w)
    assert (w + h) - (w - h) != 2 * h  # this point does exercise the rounding
    f = lambda v: v[0]  # noqa: E731
    assert numerical_grad(f, w, h=float(h[0]))[0] == 1.0
    assert check_grad(f, np.array([1.0]), w) == 0.0


def test_a_step_lost_in_rounding_is_refused():
    # 1 + 1e-17 == 1 - 1e-17 == 1: dividing by the step taken would divide by zero.
    with pytest.raises(ValueError, match=r"the step h = 1e-17 is lost in w\[0\] = 1.0"):
        numerical_grad(lambda v: float(v @ v), np.array([1.0]), h=1e-17)


def test_step_can_be_given_as_h_or_eps_but_not_both():
    f, w = (lambda v: float(v @ v)), np.array([0.3, -0.7])
    assert np.array_equal(numerical_grad(f, w, h=1e-4), numerical_grad(f, w, 1e-4))
    with pytest.raises(ValueError, match="not both"):
        check_grad(f, 2 * w, w, eps=1e-4, h=1e-4)


@pytest.mark.parametrize(
    "bug",
    [
        lambda X, y, w: X.T @ (1 / (1 + np.exp(-X @ w)) - y),  # missing 1/n
        lambda X, y, w: -logreg_loss_and_grad(X, y, w)[1],  # wrong sign
        # factor slip
        lambda X, y, w: X.T @ (y - 1 / (1 + np.exp(-X @ w))) / len(y) * -1 * 0.5,
    ],
)
def test_check_grad_catches_wrong_gradients(small_problem, bug):
    # The normwise relative error of a wrong factor c is |1 - c| / max(1, |c|): about
    # 1 for the missing 1/n, 2 for the sign, 1/2 for the factor slip. A correct gradient
    # at this generic point (||g|| ~ 0.1) is limited by round-off and truncation.
    X, y, w = small_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    assert check_grad(f, lambda v: logreg_loss_and_grad(X, y, v)[1], w) < 1e-8
    assert check_grad(f, lambda v: bug(X, y, v), w) > 0.4


@pytest.fixture(scope="module")
def chapter_problem():
    """The gradient-check chapter's data (n = 400, d = 5) and its fitted weights."""
    X, y, _ = make_data(n=400, d=5, rng=0)
    return X, y, fit(X, y).w


# Bug 4: the old metric max_j |g_j - g_fd_j| / max(1, |g_fd_j|) is absolute whenever
# |g| < 1, so near an optimum the zero vector and -g scored |g| and 2|g|: "correct" once
# ||g|| < 1e-9. Normwise relative, they score 1 and 2 however small g is, as long as
# g_fd is above the round-off floor; the correct gradient's score is
# (noise + truncation) / ||g||, small when ||g|| is well above that floor.
@pytest.mark.parametrize("distance", [1e-8, 1e-6, 1e-4, 1e-2])
def test_zero_and_negated_gradient_fail_near_the_optimum(chapter_problem, distance):
    X, y, w_hat = chapter_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    w = w_hat + distance * np.random.default_rng(1).standard_normal(w_hat.size)
    g = logreg_loss_and_grad(X, y, w)[1]
    assert np.linalg.norm(g) < distance  # near the optimum: g is tiny
    old_metric = np.max(np.abs(-g - numerical_grad(f, w, h=6e-6)))  # as |g_fd| < 1
    assert distance > 1e-4 or old_metric < 1e-3  # the old check never called it a bug
    assert check_grad(f, np.zeros_like(w), w) == pytest.approx(1.0, abs=1e-12)
    assert check_grad(f, -g, w) == pytest.approx(2.0, abs=1e-2)
    assert check_grad(f, g, w) < 1e-2


def test_at_the_optimum_the_check_is_inconclusive_not_fooled(chapter_problem):
    # With ||g|| below the round-off floor, g_fd is noise: correct, zero and -g all
    # score well below 1 and well above a "correct" 1e-8. None passes as correct.
    X, y, w_hat = chapter_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    g = logreg_loss_and_grad(X, y, w_hat)[1]
    for candidate in (g, np.zeros_like(g), -g):
        assert 1e-4 < check_grad(f, candidate, w_hat) < 1


@pytest.mark.parametrize("c", [1e-6, 1e6])
def test_a_feature_in_other_units_does_not_make_a_correct_gradient_look_wrong(
    chapter_problem, c
):
    # The same problem with feature 0 in other units: X[:, 0] * c, w_0 / c. With
    # scale = 1 / max_i |x_ij|, the step and the weights follow the units, so the score
    # is unchanged up to round-off; without it, SciPy's step EPS**(1/3) max(1, |w_j|)
    # spans several length scales along the magnified feature.
    X, y, _ = chapter_problem
    w = np.random.default_rng(4).standard_normal(X.shape[1])
    Xc, wc = X.copy(), w.copy()
    Xc[:, 0] *= c
    wc[0] /= c
    fc = lambda v: logreg_loss(Xc, y, v)  # noqa: E731
    gc = lambda v: logreg_loss_and_grad(Xc, y, v)[1]  # noqa: E731
    scale = 1 / np.abs(Xc).max(axis=0)
    assert check_grad(fc, gc, wc, scale=scale) < 1e-9
    assert check_grad(fc, np.zeros_like(wc), wc, scale=scale) == pytest.approx(1.0)
    assert check_grad(fc, -gc(wc), wc, scale=scale) == pytest.approx(2.0, abs=1e-6)
    if c > 1:
        assert check_grad(fc, gc, wc) > 1e-2  # SciPy's unit length scale fails


def test_check_grad_is_invariant_to_scaling_f(small_problem):
    X, y, w = small_problem
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    g = logreg_loss_and_grad(X, y, w)[1]
    for bad in (np.zeros_like(g), -g, 3 * g):
        ratio = check_grad(lambda v: 1e7 * f(v), 1e7 * bad, w) / check_grad(f, bad, w)
        assert ratio == pytest.approx(1.0, rel=1e-6)


def test_complex_step_reaches_machine_precision_for_any_tiny_h(small_problem):
    X, y, w = small_problem
    g = logreg_loss_and_grad(X, y, w)[1]
    for h in (1e-8, 1e-20, 1e-100, 1e-300):
        g_cs = complex_step_grad(lambda v: logreg_loss(X, y, v), w, h=h)
        np.testing.assert_allclose(g_cs, g, rtol=1e-13, atol=1e-16)


def test_complex_step_needs_an_analytic_function():
    w = np.array([0.5, -0.25])
    # abs() is not analytic: its imaginary part carries no derivative information.
    wrong = complex_step_grad(lambda v: np.sum(np.abs(v) ** 2 + 0j), w)
    assert np.all(wrong == 0.0)
    right = complex_step_grad(lambda v: np.sum(v * v), w)
    np.testing.assert_allclose(right, 2 * w, rtol=1e-15)
