"""Sample weights: repeated rows, scikit-learn, finite differences, validation."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from logreg import (
    bce_with_logits,
    fit,
    hessian,
    hvp,
    l1_max,
    logreg_loss,
    logreg_loss_and_grad,
    numerical_grad,
    smoothness_constant,
)


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


@pytest.fixture
def weighted_problem(small_problem, rng):
    X, y, w = small_problem
    c = rng.integers(0, 4, size=X.shape[0]).astype(float)
    c[0] = 2.0
    return X, y, w, c


def repeat_rows(X, y, c):
    k = c.astype(int)
    return np.repeat(X, k, axis=0), np.repeat(y, k)


def test_integer_weights_equal_repeated_rows(weighted_problem):
    X, y, w, c = weighted_problem
    Xr, yr = repeat_rows(X, y, c)
    v = np.linspace(-1, 1, X.shape[1])
    loss_w, grad_w = logreg_loss_and_grad(X, y, w, l2=0.1, sample_weight=c)
    loss_r, grad_r = logreg_loss_and_grad(Xr, yr, w, l2=0.1)
    # the same sums in another order: agreement to a few units of round-off
    assert abs(loss_w - loss_r) <= 1e-14
    np.testing.assert_allclose(grad_w, grad_r, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(
        hvp(X, y, w, v, sample_weight=c), hvp(Xr, yr, w, v), rtol=1e-13, atol=1e-15
    )
    np.testing.assert_allclose(
        hessian(X, y, w, sample_weight=c), hessian(Xr, yr, w), rtol=1e-13, atol=1e-15
    )
    assert abs(logreg_loss(X, y, w, sample_weight=c) - loss_r + 0.05 * w @ w) <= 1e-14
    z = X @ w
    assert abs(bce_with_logits(y, z, sample_weight=c) - bce_with_logits(yr, Xr @ w)) < 1e-14
    lm_w = l1_max(X, y, fit_intercept=True, sample_weight=c)
    assert abs(lm_w - l1_max(Xr, yr, fit_intercept=True)) < 1e-14
    assert np.isclose(
        smoothness_constant(X, 0.1, sample_weight=c), smoothness_constant(Xr, 0.1)
    )


@pytest.mark.parametrize("method", ["newton", "newton-cg", "gd", "fista"])
def test_fit_with_integer_weights_equals_fit_on_repeated_rows(weighted_problem, method):
    X, y, _, c = weighted_problem
    Xr, yr = repeat_rows(X, y, c)
    a = fit(X, y, method=method, l2=0.05, sample_weight=c, fit_intercept=True, tol=1e-10)
    b = fit(Xr, yr, method=method, l2=0.05, fit_intercept=True, tol=1e-10)
    assert a.converged and b.converged
    assert a.n_iter == b.n_iter
    np.testing.assert_allclose(a.w, b.w, rtol=1e-9, atol=1e-11)
    assert abs(a.intercept - b.intercept) < 1e-10


def test_weighted_lasso_equals_repeated_rows(weighted_problem):
    X, y, _, c = weighted_problem
    Xr, yr = repeat_rows(X, y, c)
    l1 = 0.3 * l1_max(Xr, yr, fit_intercept=True)
    a = fit(X, y, l1=l1, sample_weight=c, fit_intercept=True, tol=1e-11)
    b = fit(Xr, yr, l1=l1, fit_intercept=True, tol=1e-11)
    np.testing.assert_array_equal(np.flatnonzero(a.w), np.flatnonzero(b.w))
    np.testing.assert_allclose(a.w, b.w, atol=1e-9)


def test_scaling_all_weights_changes_nothing(weighted_problem):
    X, y, w, c = weighted_problem
    a = logreg_loss_and_grad(X, y, w, sample_weight=c)
    b = logreg_loss_and_grad(X, y, w, sample_weight=1e6 * c)
    assert abs(a[0] - b[0]) < 1e-14
    np.testing.assert_allclose(a[1], b[1], rtol=1e-13, atol=1e-16)


def test_unit_weights_equal_no_weights(small_problem):
    X, y, w = small_problem
    a = logreg_loss_and_grad(X, y, w, l2=0.2)
    b = logreg_loss_and_grad(X, y, w, l2=0.2, sample_weight=np.ones(len(y)))
    assert abs(a[0] - b[0]) < 1e-15
    np.testing.assert_allclose(a[1], b[1], rtol=1e-14, atol=1e-16)


def test_weighted_gradient_and_hessian_against_finite_differences(rng):
    X = rng.standard_normal((80, 3))
    y = (rng.random(80) < 0.4).astype(float)
    c = rng.exponential(size=80)  # real-valued weights
    w = rng.standard_normal(3)

    def loss(v):
        return logreg_loss(X, y, v, l2=0.01, sample_weight=c)

    def grad(v):
        return logreg_loss_and_grad(X, y, v, l2=0.01, sample_weight=c)[1]

    # central differences, h ~ u^(1/3): truncation + round-off ~ 1e-10 at this scale
    np.testing.assert_allclose(grad(w), numerical_grad(loss, w), rtol=1e-7, atol=1e-9)
    h = 1e-5
    H_fd = np.column_stack(
        [(grad(w + h * e) - grad(w - h * e)) / (2 * h) for e in np.eye(3)]
    )
    np.testing.assert_allclose(
        hessian(X, y, w, l2=0.01, sample_weight=c), H_fd, rtol=1e-7, atol=1e-9
    )
    v = rng.standard_normal(3)
    np.testing.assert_allclose(
        hvp(X, y, w, v, l2=0.01, sample_weight=c),
        hessian(X, y, w, l2=0.01, sample_weight=c) @ v,
        rtol=1e-13,
        atol=1e-15,
    )


def test_weighted_fit_matches_sklearn(breast_cancer):
    X, y = breast_cancer
    c = np.where(y == 0, 3.0, 0.5) * (1 + 0.1 * np.arange(len(y)) % 3)
    l2 = 1e-3
    res = fit(X, y, l2=l2, sample_weight=c, fit_intercept=True, tol=1e-12)
    # sklearn minimizes C sum c_i loss_i + ||w||^2 / 2: divide by C sum(c)
    clf = LogisticRegression(
        C=1.0 / (l2 * c.sum()), solver="newton-cholesky", tol=1e-14, max_iter=1000
    ).fit(X, y, sample_weight=c)
    np.testing.assert_allclose(res.w, clf.coef_.ravel(), rtol=1e-7, atol=1e-8)
    assert abs(res.intercept - clf.intercept_[0]) < 1e-7


def test_weighted_lasso_matches_sklearn(breast_cancer):
    X, y = breast_cancer
    c = np.where(y == 0, 2.0, 1.0)
    l1 = 0.2 * l1_max(X, y, fit_intercept=True, sample_weight=c)
    res = fit(X, y, l1=l1, sample_weight=c, fit_intercept=True, tol=1e-10)
    clf = LogisticRegression(
        C=1.0 / (l1 * c.sum()), l1_ratio=1.0, solver="saga", tol=1e-12,
        max_iter=200_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y, sample_weight=c)
    np.testing.assert_array_equal(np.flatnonzero(res.w), np.flatnonzero(clf.coef_))
    np.testing.assert_allclose(res.w, clf.coef_.ravel(), atol=1e-6)


def test_class_weights_equal_per_class_sample_weights(breast_cancer):
    X, y = breast_cancer
    cw = {0: 4.0, 1: 1.0}
    clf = LogisticRegression(
        C=1.0 / (1e-3 * (cw[0] * (y == 0).sum() + cw[1] * (y == 1).sum())),
        class_weight=cw, solver="newton-cholesky", tol=1e-14, max_iter=1000,
    ).fit(X, y)
    res = fit(
        X, y, l2=1e-3, sample_weight=np.where(y == 0, cw[0], cw[1]),
        fit_intercept=True, tol=1e-12,
    )
    np.testing.assert_allclose(res.w, clf.coef_.ravel(), rtol=1e-7, atol=1e-8)


def test_zero_weight_rows_are_ignored(weighted_problem):
    X, y, _, c = weighted_problem
    keep = c > 0
    X2 = X.copy()
    X2[~keep] = 1e3  # whatever those rows hold, they have no say
    a = fit(X2, y, l2=0.05, sample_weight=c, tol=1e-11)
    b = fit(X[keep], y[keep], l2=0.05, sample_weight=c[keep], tol=1e-11)
    np.testing.assert_allclose(a.w, b.w, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize(
    "bad, match",
    [
        (-np.ones(120), "non-negative and finite"),
        (np.full(120, np.nan), "non-negative and finite"),
        (np.r_[np.inf, np.ones(119)], "non-negative and finite"),
        (np.zeros(120), "not be all zero"),
        (np.ones(119), r"shape \(120,\)"),
        (np.ones((120, 1)), r"shape \(120,\)"),
    ],
)
def test_sample_weight_validated(small_problem, bad, match):
    X, y, w = small_problem
    with pytest.raises(ValueError, match=match):
        logreg_loss_and_grad(X, y, w, sample_weight=bad)
    with pytest.raises(ValueError, match=match):
        fit(X, y, sample_weight=bad)


def test_sample_weight_type_validated(small_problem):
    X, y, w = small_problem
    with pytest.raises(TypeError, match="sample_weight must hold real numbers"):
        hvp(X, y, w, w, sample_weight=np.array(["a"] * 120))


def test_intercept_needs_both_classes_with_positive_weight(small_problem):
    X, y, _ = small_problem
    c = (y == 1).astype(float)
    with pytest.raises(ValueError, match="positive weight"):
        fit(X, y, sample_weight=c, fit_intercept=True)


def test_weighted_l1_fit_has_no_covariance(small_problem):
    X, y, _ = small_problem
    res = fit(X, y, l1=0.01)
    with pytest.raises(ValueError, match="no covariance"):
        res.standard_errors
