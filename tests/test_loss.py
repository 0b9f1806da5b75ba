"""Loss, gradient, HVP and Hessian: against finite differences, each other, SymPy and a
dense reference written here for the test only.

Tolerances: the analytic gradient against a central difference with the step chosen by
SciPy's rule has error ~ u^(2/3) ~ 1e-11 for these O(1) problems, so 1e-8 leaves margin
(the issue's bound). HVP against explicit H @ v and against the Hessian from SymPy differ only
by summation order: 1e-12 relative.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from logreg import (
    _kernel,
    bce_loss,
    bce_with_logits,
    check_grad,
    hessian,
    hvp,
    logreg_loss,
    logreg_loss_and_grad,
    numerical_grad,
)


def dense_reference(X, y, w, l2=0.0):
    """Textbook formulas in long double, for moderate logits only (no overflow there)."""
    Xl, yl, wl = (np.asarray(a, dtype=np.longdouble) for a in (X, y, w))
    z = Xl @ wl
    p = 1 / (1 + np.exp(-z))
    loss = np.mean(np.log1p(np.exp(z)) - yl * z) + l2 / 2 * (wl @ wl)
    grad = Xl.T @ (p - yl) / len(yl) + l2 * wl
    H = (Xl * (p * (1 - p))[:, None]).T @ Xl / len(yl) + l2 * np.eye(len(wl))
    return float(loss), grad.astype(float), H.astype(float)


@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_loss_and_grad_match_dense_reference(small_problem, l2):
    X, y, w = small_problem
    loss, grad = logreg_loss_and_grad(X, y, w, l2=l2)
    ref_loss, ref_grad, _ = dense_reference(X, y, w, l2)
    assert loss == pytest.approx(ref_loss, rel=1e-14)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-13, atol=1e-15)
    assert grad.shape == w.shape


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_finite_differences_to_1e_8(small_problem, l2):
    X, y, w = small_problem
    f = lambda v: logreg_loss(X, y, v, l2=l2)  # noqa: E731
    g = lambda v: logreg_loss_and_grad(X, y, v, l2=l2)[1]  # noqa: E731
    assert check_grad(f, g, w) < 1e-8
    np.testing.assert_allclose(numerical_grad(f, w), g(w), atol=1e-8)


def test_loss_is_computed_from_logits_not_clipped_probabilities():
    # One confidently wrong example: true loss 800, clipping would cap it at -log(1e-12).
    X = np.array([[1.0]])
    loss, grad = logreg_loss_and_grad(X, np.array([1]), np.array([-800.0]))
    assert loss == 800.0
    assert grad[0] == -1.0  # (p - y) x with p = sigma(-800) ~ 0: full-size gradient
    assert bce_loss([1], [0.0]) == pytest.approx(-np.log(1e-12))


def test_results_do_not_depend_on_block_boundaries(rng, monkeypatch):
    n, d = 5003, 7  # several blocks with a ragged last one
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 0.4).astype(float)
    w, v = rng.standard_normal(d), rng.standard_normal(d)
    baseline = (logreg_loss_and_grad(X, y, w), hvp(X, y, w, v), hessian(X, y, w))
    monkeypatch.setattr(_kernel, "BLOCK_BYTES", 8 * d * 97)  # 97 rows per block
    assert _kernel.block_rows(d) == 97
    small = (logreg_loss_and_grad(X, y, w), hvp(X, y, w, v), hessian(X, y, w))
    assert small[0][0] == pytest.approx(baseline[0][0], rel=1e-13)
    np.testing.assert_allclose(small[0][1], baseline[0][1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small[1], baseline[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(small[2], baseline[2], rtol=1e-12, atol=1e-15)


def test_hvp_equals_explicit_hessian_and_gradient_differences(small_problem, rng):
    X, y, w = small_problem
    for l2 in (0.0, 0.05):
        H = hessian(X, y, w, l2=l2)
        assert np.array_equal(H, H.T)
        _, _, H_ref = dense_reference(X, y, w, l2)
        np.testing.assert_allclose(H, H_ref, rtol=1e-12, atol=1e-15)
        for _ in range(5):
            v = rng.standard_normal(X.shape[1])
            Hv = hvp(X, y, w, v, l2=l2)
            np.testing.assert_allclose(Hv, H @ v, rtol=1e-12, atol=1e-14)
            eps = 1e-5  # central difference of gradients: error ~ eps^2 ~ 1e-10
            g_plus = logreg_loss_and_grad(X, y, w + eps * v, l2=l2)[1]
            g_minus = logreg_loss_and_grad(X, y, w - eps * v, l2=l2)[1]
            np.testing.assert_allclose(Hv, (g_plus - g_minus) / (2 * eps), atol=1e-8)


def test_hvp_agrees_with_the_sympy_hessian(small_problem):
    import sympy as sp

    from logreg.symbolic import derive

    X, y, w = small_problem
    der = derive(X.shape[1])
    h_fn = sp.lambdify((der.x, der.y, der.w), der.hessian, modules="numpy")
    H_sym = sum(np.array(h_fn(tuple(x), yi, tuple(w)), dtype=float) for x, yi in zip(X, y))
    H_sym /= X.shape[0]
    np.testing.assert_allclose(hessian(X, y, w), H_sym, rtol=1e-11, atol=1e-14)


def test_gradient_agrees_with_the_lambdified_sympy_gradient(small_problem):
    from logreg.symbolic import derive, lambdify_mean_gradient

    X, y, w = small_problem
    sym_grad = lambdify_mean_gradient(derive(X.shape[1]))
    np.testing.assert_allclose(
        logreg_loss_and_grad(X, y, w)[1], sym_grad(X, y, w), rtol=1e-12, atol=1e-15
    )


@given(
    hnp.arrays(np.float64, (30, 3), elements=st.floats(-10, 10)),
    hnp.arrays(np.float64, 3, elements=st.floats(-5, 5)),
    hnp.arrays(np.float64, 3, elements=st.floats(-5, 5)),
    st.lists(st.sampled_from([0, 1]), min_size=30, max_size=30),
)
def test_hessian_quadratic_form_is_nonnegative(X, w, v, labels):
    y = np.array(labels)
    assert float(v @ hvp(X, y, w, v)) >= -1e-12 * (1 + float(v @ v) * np.abs(X).max() ** 2)
    assert np.linalg.eigvalsh(hessian(X, y, w)).min() >= -1e-12 * (1 + np.abs(X).max() ** 2)


@given(
    hnp.arrays(np.float64, (12, 3), elements=st.floats(-3, 3)),
    hnp.arrays(np.float64, 3, elements=st.floats(-3, 3)),
    st.lists(st.sampled_from([0, 1]), min_size=12, max_size=12),
)
def test_gradient_equals_finite_difference_property(X, w, labels):
    y = np.array(labels)
    f = lambda v: logreg_loss(X, y, v)  # noqa: E731
    assert check_grad(f, lambda v: logreg_loss_and_grad(X, y, v)[1], w) < 1e-8


@given(
    hnp.arrays(np.float64, 20, elements=st.floats(-1e300, 1e300)),
    st.lists(st.sampled_from([0, 1]), min_size=20, max_size=20),
)
def test_bce_with_logits_is_finite_and_nonnegative_for_any_finite_logits(z, labels):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = bce_with_logits(np.array(labels), z)
    assert np.isfinite(value) and value >= 0


def test_extreme_logits_in_loss_and_grad_give_finite_results_without_warnings():
    X = np.array([[1.0], [1.0], [-1.0]])
    y = np.array([0, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, grad = logreg_loss_and_grad(X, y, np.array([1e308]))
    assert loss == pytest.approx(1e308, rel=1e-15)  # mean of three terms of 1e308
    np.testing.assert_array_equal(grad, [1.0])


def test_bce_loss_clipping_caps_the_loss_and_matches_logits_form_elsewhere():
    z = np.array([-3.0, 0.5, 2.0])
    y = np.array([1, 0, 1])
    p = 1 / (1 + np.exp(-z))
    assert bce_loss(y, p) == pytest.approx(bce_with_logits(y, z), rel=1e-14)
    assert bce_loss([1], [1e-30]) == pytest.approx(-np.log(1e-12), rel=1e-15)


def test_complex_loss_gives_the_exact_derivative(small_problem):
    from logreg import complex_step_grad

    X, y, w = small_problem
    g = logreg_loss_and_grad(X, y, w, l2=0.2)[1]
    g_cs = complex_step_grad(lambda v: logreg_loss(X, y, v, l2=0.2), w)
    np.testing.assert_allclose(g_cs, g, rtol=1e-13, atol=1e-16)


def test_lists_are_accepted():
    loss, grad = logreg_loss_and_grad([[1.0, 2.0], [0.5, -1.0]], [1, 0], [0.1, 0.2])
    assert np.isfinite(loss) and grad.shape == (2,)
