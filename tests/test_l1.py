"""The L1 penalty: soft threshold, l1_max, FISTA against scikit-learn and the KKT conditions."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

import logreg
from logreg import fit, kkt_residual, l1_max, soft_threshold


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def sklearn_elastic_net(X, y, l1, l2, *, fit_intercept):
    """scikit-learn's saga on C sum_i loss_i + r ||w||_1 + (1-r)/2 ||w||^2.

    Dividing by C n gives mean loss + (r / (C n)) ||w||_1 + ((1-r) / (C n)) / 2 ||w||^2,
    so C = 1 / ((l1 + l2) n) and r = l1 / (l1 + l2).
    """
    n = X.shape[0]
    clf = LogisticRegression(
        C=1.0 / ((l1 + l2) * n), l1_ratio=l1 / (l1 + l2), solver="saga",
        fit_intercept=fit_intercept, tol=1e-12, max_iter=200_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # saga's ConvergenceWarning/FutureWarning
        clf.fit(X, y)
    return clf.coef_.ravel(), float(clf.intercept_[0]) if fit_intercept else 0.0


def test_soft_threshold_values_and_prox_property():
    v = np.array([-3.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(soft_threshold(v, 1.0), [-2.0, 0.0, 0.0, 0.0, 1.0])
    # the prox: minimizes a|u| + (u - v)^2 / 2 over a fine grid of u
    grid = np.linspace(-5, 5, 200_001)
    for vi in v:
        best = grid[np.argmin(1.0 * np.abs(grid) + 0.5 * (grid - vi) ** 2)]
        assert abs(best - soft_threshold(vi, 1.0)) <= 1e-4  # grid spacing 5e-5
    with pytest.raises(ValueError, match="non-negative and finite"):
        soft_threshold(v, -1.0)


@pytest.mark.parametrize("fit_intercept", [False, True])
def test_l1_max_is_the_threshold_of_the_all_zero_solution(breast_cancer, fit_intercept):
    X, y = breast_cancer
    lm = l1_max(X, y, fit_intercept=fit_intercept)
    above = fit(X, y, l1=1.001 * lm, fit_intercept=fit_intercept, tol=1e-10)
    below = fit(X, y, l1=0.95 * lm, fit_intercept=fit_intercept, tol=1e-10)
    assert above.converged and below.converged
    assert np.count_nonzero(above.w) == 0
    assert np.count_nonzero(below.w) >= 1
    if fit_intercept:  # at w = 0 the intercept is the log-odds of the base rate
        ybar = y.mean()
        assert abs(above.intercept - np.log(ybar / (1 - ybar))) < 1e-8


def test_l1_max_does_not_depend_on_l2(breast_cancer):
    X, y = breast_cancer
    lm = l1_max(X, y)
    res = fit(X, y, l1=1.0001 * lm, l2=0.5, tol=1e-10)
    assert np.count_nonzero(res.w) == 0


@pytest.mark.parametrize("frac", [0.3, 0.05])
def test_lasso_matches_sklearn_saga(breast_cancer, frac):
    X, y = breast_cancer
    l1 = frac * l1_max(X, y, fit_intercept=True)
    res = fit(X, y, l1=l1, fit_intercept=True, tol=1e-10)
    assert res.converged, res.message
    w_ref, b_ref = sklearn_elastic_net(X, y, l1, 0.0, fit_intercept=True)
    # same support, and weights within 1e-6 (saga at tol 1e-12 agrees to ~1e-8)
    np.testing.assert_array_equal(np.flatnonzero(res.w), np.flatnonzero(w_ref))
    np.testing.assert_allclose(res.w, w_ref, atol=1e-6)
    assert abs(res.intercept - b_ref) < 1e-6


def test_elastic_net_matches_sklearn_saga(breast_cancer):
    X, y = breast_cancer
    l1, l2 = 0.02, 0.05
    res = fit(X, y, l1=l1, l2=l2, fit_intercept=True, tol=1e-10)
    assert res.converged
    w_ref, b_ref = sklearn_elastic_net(X, y, l1, l2, fit_intercept=True)
    np.testing.assert_array_equal(np.flatnonzero(res.w), np.flatnonzero(w_ref))
    np.testing.assert_allclose(res.w, w_ref, atol=1e-6)
    assert abs(res.intercept - b_ref) < 1e-6


def test_fista_solution_satisfies_kkt(breast_cancer):
    X, y = breast_cancer
    l1 = 0.1 * l1_max(X, y, fit_intercept=True)
    res = fit(X, y, l1=l1, l2=1e-3, fit_intercept=True, tol=1e-10)
    r = kkt_residual(X, y, res.w, l1=l1, l2=1e-3, intercept=res.intercept)
    assert r.shape == (X.shape[1] + 1,)
    assert np.max(np.abs(r)) < 1e-8
    # at the zeros the gradient lies strictly inside [-l1, l1] for most coordinates
    _, g = logreg.logreg_loss_and_grad(
        np.column_stack([X, np.ones(len(y))]), y, np.r_[res.w, res.intercept]
    )
    g = g[:-1] + 1e-3 * res.w
    zero = res.w == 0
    assert np.all(np.abs(g[zero]) <= l1 * (1 + 1e-8))
    nz = ~zero
    np.testing.assert_allclose(g[nz], -l1 * np.sign(res.w[nz]), atol=1e-8)


def test_kkt_residual_is_zero_only_at_the_minimizer(breast_cancer):
    X, y = breast_cancer
    l1 = 0.1 * l1_max(X, y)
    res = fit(X, y, l1=l1, tol=1e-11)
    assert np.max(np.abs(kkt_residual(X, y, res.w, l1=l1))) < 1e-9
    w_off = res.w.copy()
    w_off[np.flatnonzero(res.w)[0]] *= 1.1
    assert np.max(np.abs(kkt_residual(X, y, w_off, l1=l1))) > 1e-4


def test_fista_without_l1_reaches_the_newton_solution(breast_cancer):
    X, y = breast_cancer
    a = fit(X, y, method="fista", l2=1e-2, tol=1e-9)
    b = fit(X, y, method="newton", l2=1e-2, tol=1e-12)
    assert a.converged
    np.testing.assert_allclose(a.w, b.w, atol=1e-7)


def test_history_and_result_fields(breast_cancer):
    X, y = breast_cancer
    l1 = 0.2 * l1_max(X, y, fit_intercept=True)
    res = fit(X, y, l1=l1, fit_intercept=True)
    assert res.method == "fista"  # chosen by default when l1 > 0
    h = res.history
    assert len(h["loss"]) == len(h["decrement"]) == res.n_iter + 1
    assert res.decrement <= 1e-8 and res.decrement == h["decrement"][-1]
    # the reported loss includes the L1 term
    Xa = np.column_stack([X, np.ones(len(y))])
    smooth = logreg.logreg_loss(Xa, y, np.r_[res.w, res.intercept])
    assert abs(res.loss - (smooth + l1 * np.abs(res.w).sum())) < 1e-12
    # FISTA with backtracking is monotone up to the restarts: the loss ends at its minimum
    assert res.loss <= h["loss"].min() + 1e-12


def test_warm_start_path_is_faster(breast_cancer):
    X, y = breast_cancer
    lm = l1_max(X, y, fit_intercept=True)
    grid = lm * np.logspace(0, -2, 12)
    cold = sum(fit(X, y, l1=l, fit_intercept=True).n_iter for l in grid)
    warm, w = 0, np.zeros(X.shape[1])
    for l in grid:
        r = fit(X, y, l1=l, fit_intercept=True, w0=w)
        warm, w = warm + r.n_iter, r.w
    assert warm < cold


def test_unpenalized_separable_data_warns_with_fista():
    X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, -1.0]])
    y = np.array([1, 1, 0, 0])
    with pytest.warns(logreg.SeparableDataWarning):
        res = fit(X, y, method="fista")
    assert not res.converged


def test_l1_with_l1_separable_data_has_finite_solution():
    X = np.array([[1.0, 2.0], [2.0, 1.0], [-1.0, -2.0], [-2.0, -1.0]])
    y = np.array([1, 1, 0, 0])
    res = fit(X, y, l1=0.01, tol=1e-10)
    assert res.converged and np.all(np.isfinite(res.w))


@pytest.mark.parametrize("method", ["newton", "newton-cg", "gd"])
def test_methods_without_prox_refuse_l1(small_problem, method):
    X, y, _ = small_problem
    with pytest.raises(ValueError, match="cannot handle l1 > 0.*'fista'"):
        fit(X, y, method=method, l1=0.1)


@pytest.mark.parametrize("bad", [-0.1, np.inf, np.nan])
def test_l1_validated(small_problem, bad):
    X, y, _ = small_problem
    with pytest.raises(ValueError, match="l1 must be non-negative and finite"):
        fit(X, y, l1=bad)


def test_l1_type_validated(small_problem):
    X, y, _ = small_problem
    with pytest.raises(TypeError, match="l1 must be"):
        fit(X, y, l1="0.1")


def test_l1_max_needs_both_classes_with_intercept():
    X = np.eye(3)
    with pytest.raises(ValueError, match="both classes"):
        l1_max(X, np.ones(3), fit_intercept=True)
