"""Solvers: reach scikit-learn's optimum, behave on separable data, keep their promises."""

import warnings

import numpy as np

import logreg
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression

from logreg import (
    SeparableDataWarning,
    fit,
    gd_step,
    logreg_loss_and_grad,
    make_data,
    smoothness_constant,
)

METHODS = ["gd", "newton", "newton-cg"]


def sklearn_optimum(X, y, l2):
    """scikit-learn's solution of the same objective: C = 1 / (l2 n), no intercept."""
    clf = LogisticRegression(
        C=1.0 / (l2 * X.shape[0]), fit_intercept=False, solver="newton-cholesky",
        tol=1e-14, max_iter=1000,
    )
    return clf.fit(X, y).coef_.ravel()


@pytest.fixture(scope="module")
def breast_cancer():
    X, y = load_breast_cancer(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y


@pytest.mark.parametrize("method", METHODS)
def test_reaches_sklearn_optimum_on_breast_cancer(breast_cancer, method):
    X, y = breast_cancer
    l2 = 1e-2  # well conditioned enough for plain GD to reach 1e-8 within its budget
    res = fit(X, y, method=method, l2=l2, tol=1e-8)
    assert res.converged, res.message
    w_ref = sklearn_optimum(X, y, l2)
    assert np.linalg.norm(res.w - w_ref) <= 1e-6 * np.linalg.norm(w_ref)


@pytest.mark.parametrize("method", ["newton", "newton-cg"])
def test_newton_methods_reach_sklearn_optimum_with_weak_regularization(breast_cancer, method):
    X, y = breast_cancer
    res = fit(X, y, method=method, l2=1e-4, tol=1e-10)
    assert res.converged and res.n_iter < 40
    w_ref = sklearn_optimum(X, y, 1e-4)
    assert np.linalg.norm(res.w - w_ref) <= 1e-6 * np.linalg.norm(w_ref)


@pytest.mark.parametrize("method", METHODS)
def test_reaches_sklearn_optimum_on_synthetic_data(method):
    X, y, _ = make_data(n=2000, d=8, rng=3)
    res = fit(X, y, method=method, l2=1e-3)
    assert res.converged and res.grad_norm <= 1e-8
    w_ref = sklearn_optimum(X, y, 1e-3)
    assert np.linalg.norm(res.w - w_ref) <= 1e-6 * np.linalg.norm(w_ref)


@pytest.mark.parametrize("method", METHODS)
def test_separable_data_without_l2_warns_and_never_converges(method):
    X, y, _ = make_data(n=300, d=4, separable=True, rng=1)
    with pytest.warns(SeparableDataWarning, match="linearly separable.*l2 > 0"):
        res = fit(X, y, method=method)
    assert res.converged is False
    assert np.all(np.isfinite(res.w)) and "separable" in res.message
    # the certificate: the returned w classifies every example correctly
    assert np.all((X @ res.w > 0) == (y == 1))


@pytest.mark.parametrize("method", METHODS)
def test_separable_data_with_l2_converges_to_finite_minimizer(method):
    X, y, _ = make_data(n=300, d=4, separable=True, rng=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit(X, y, method=method, l2=1e-2)
    assert res.converged


def test_history_records_every_iterate():
    X, y, _ = make_data(rng=0)
    res = fit(X, y, method="gd", l2=1e-3)
    for key in ("loss", "grad_norm", "time"):
        assert res.history[key].shape == (res.n_iter + 1,)
    assert np.all(np.diff(res.history["loss"]) <= 1e-15)  # step 1/L never increases the loss
    assert np.all(np.diff(res.history["time"]) >= 0)
    assert res.loss == res.history["loss"][-1] and res.grad_norm == res.history["grad_norm"][-1]


def test_max_iter_and_w0_are_honoured():
    X, y, _ = make_data(rng=0)
    res = fit(X, y, method="gd", max_iter=3)
    assert res.n_iter == 3 and not res.converged and "max_iter" in res.message
    w_star = fit(X, y, method="newton").w
    warm = fit(X, y, method="newton", w0=w_star)
    assert warm.n_iter <= 1 and warm.converged


def test_newton_converges_quadratically():
    X, y, _ = make_data(n=1000, d=6, rng=2)
    g = fit(X, y, method="newton", l2=1e-3, tol=1e-14).history["grad_norm"]
    tail = g[g > 1e-13]
    ratios = tail[1:] / tail[:-1] ** 2  # bounded for quadratic convergence
    assert tail.size >= 3 and np.all(ratios[-2:] < 10)


def test_gd_step_with_one_over_L_decreases_the_loss_by_the_descent_lemma():
    X, y, _ = make_data(rng=5)
    L = smoothness_constant(X)
    w = np.random.default_rng(0).standard_normal(X.shape[1])
    for _ in range(5):
        loss, g = logreg_loss_and_grad(X, y, w)
        w_next = gd_step(X, y, w, 1.0 / L)
        assert logreg_loss_and_grad(X, y, w_next)[0] <= loss - (g @ g) / (2 * L) + 1e-15
        w = w_next


def test_smoothness_constant_bounds_the_hessian():
    from logreg import hessian

    X, y, _ = make_data(n=200, d=5, rng=7)
    L = smoothness_constant(X, l2=0.1)
    for scale in (0.0, 0.5, 3.0):
        w = scale * np.ones(5)
        assert np.linalg.eigvalsh(hessian(X, y, w, l2=0.1)).max() <= L * (1 + 1e-12)


def quasi_separated():
    """The first feature separates four examples; two identical examples on the boundary
    (x_1 = 0) carry both labels, so the separation is quasi-complete."""
    X = np.array([[1.0, 0.3], [2.0, -1.0], [-1.0, 0.5], [-2.0, 1.0], [0.0, 1.0], [0.0, 1.0],
                  [0.0, -0.5], [0.0, -0.5]])
    y = np.array([1, 1, 0, 0, 0, 1, 1, 0])
    return X, y


def test_separation_classifies_the_three_cases():
    from logreg import separation

    X, y, _ = make_data(n=200, d=3, separable=True, rng=4)
    sep = separation(X, y)
    assert sep.kind == "complete" and np.all(((X @ sep.direction) > 0) == (y == 1))
    Xq, yq = quasi_separated()
    sep = separation(Xq, yq)
    assert sep.kind == "quasi-complete" and sep.n_on_boundary == 4
    assert sep.direction[0] > 0 and abs(sep.direction[1]) < 1e-9
    X, y, _ = make_data(n=400, d=3, rng=0)
    assert separation(X, y).kind == "overlap" and separation(X, y).has_minimizer


def test_separation_does_not_depend_on_the_units_of_the_features():
    """Rescaling a column changes no margin's sign (w_j absorbs the factor), so the answer
    and the signs of the margins along the direction must not change either; with columns
    in units 1e6 apart, an LP over an unscaled box once called complete separation
    quasi-complete."""
    from logreg import separation

    units = np.array([1e-4, 1.0, 1e2, 1e6])
    X, y, _ = make_data(n=300, d=4, separable=True, rng=2)
    Xq, yq = quasi_separated()
    Xq = np.column_stack([Xq, np.linspace(-1.0, 1.0, 8)])  # a third, overlapping feature
    Xo, yo, _ = make_data(n=300, d=4, rng=1)  # overlapping classes
    for A, b in ((X, y), (Xq, yq), (Xo, yo)):
        ref = separation(A, b)
        for factors in (units[: A.shape[1]], units[: A.shape[1]][::-1]):
            got = separation(A * factors, b)
            assert got.kind == ref.kind and got.n_on_boundary == ref.n_on_boundary
            if got.direction is not None:
                m = (2 * b - 1) * ((A * factors) @ got.direction)
                assert m.min() >= -1e-9 * np.abs(m).max() and m.max() > 0


def test_separation_direction_with_a_subnormal_and_a_zero_column():
    """Mapping the LP's weights back to the units of X must not overflow when a column's
    scale is subnormal, and a column of zeros gets weight 0."""
    from logreg import separation

    X, y, _ = make_data(n=100, d=3, separable=True, rng=4)
    A = np.column_stack([X * np.array([1e-310, 1.0, 1.0]), np.zeros(100)])
    sep = separation(A, y)
    assert sep.kind == "complete" and np.all(np.isfinite(sep.direction))
    assert sep.direction[-1] == 0.0
    assert np.all((2 * y - 1) * (A @ sep.direction) > 0)


@pytest.mark.parametrize("method", METHODS)
def test_quasi_separated_data_never_reported_as_converged(method):
    X, y = quasi_separated()
    with pytest.warns(SeparableDataWarning, match="quasi-complete"):
        res = fit(X, y, method=method)
    assert res.converged is False and "quasi-complete" in res.message
    # with a penalty the minimizer exists and is found
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fit(X, y, method=method, l2=1e-2).converged


def test_overlapping_data_without_penalty_converge_without_warning():
    X, y, _ = make_data(n=400, d=5, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in METHODS:
            assert fit(X, y, method=method).converged


@pytest.mark.parametrize("method", METHODS)
def test_unpenalized_intercept_matches_sklearn(breast_cancer, method):
    X, y = breast_cancer
    X = X[:, :8] + 0.5  # shifted features: the intercept matters
    l2 = 1e-2
    res = fit(X, y, method=method, l2=l2, fit_intercept=True)
    assert res.converged and res.w.shape == (8,)
    clf = LogisticRegression(C=1.0 / (l2 * X.shape[0]), solver="newton-cholesky", tol=1e-14,
                             max_iter=1000).fit(X, y)
    ref = np.r_[clf.coef_.ravel(), clf.intercept_]
    got = np.r_[res.w, res.intercept]
    assert np.linalg.norm(got - ref) <= 1e-6 * np.linalg.norm(ref)


def test_intercept_restores_the_base_rate_and_single_class_is_refused():
    X, y, _ = make_data(n=500, d=3, rng=6)
    y = (y | (np.arange(500) % 3 == 0)).astype(int)  # raise the base rate
    res = fit(X, y, l2=0.5, fit_intercept=True)
    p = 1 / (1 + np.exp(-(X @ res.w + res.intercept)))
    # stationarity in the unpenalized intercept: its gradient component is mean(p) - mean(y),
    # so at convergence (gradient norm <= tol = 1e-8) the mean prediction is the base rate
    assert abs(p.mean() - y.mean()) <= 1e-8
    assert fit(X, y, l2=0.5).intercept == 0.0
    with pytest.raises(ValueError, match="only the label 1"):
        fit(X, np.ones(500), fit_intercept=True)
    with pytest.raises(TypeError, match="fit_intercept must be True or False"):
        fit(X, y, fit_intercept="yes")


def test_loose_tolerance_never_reports_convergence_on_separated_data():
    Xs, ys, _ = make_data(n=60, d=3, separable=True, rng=2)
    Xq, yq = quasi_separated()
    for X, y in ((Xs, ys), (Xq, yq)):
        with pytest.warns(SeparableDataWarning):
            res = fit(X, y, tol=0.5)
        assert res.converged is False


def test_check_separation_switch(monkeypatch):
    from logreg import optimize

    Xq, yq = quasi_separated()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit(Xq, yq, check_separation=False)  # the caller opted out: plain gradient test
    assert res.converged
    monkeypatch.setattr(optimize, "_LP_AUTO_ENTRIES", 4)  # pretend X is large
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = fit(Xq, yq)
    assert "separation was not checked" in res.message
    with pytest.warns(SeparableDataWarning):
        assert fit(Xq, yq, check_separation=True).converged is False
    with pytest.raises(TypeError, match="check_separation must be None, True or False"):
        fit(Xq, yq, check_separation="auto")


# --- units of X: the stopping rule is scale-free (regression tests) -----------------


@pytest.mark.parametrize("method", ["newton", "newton-cg"])
@pytest.mark.parametrize("l2", [1e-3, 0.0])
@pytest.mark.parametrize("c", [1e-9, 1e-4, 1.0, 1e3, 1e6])
def test_fit_does_not_depend_on_the_units_of_X(method, l2, c):
    """The same problem in other units (X -> c X, l2 -> l2 c^2) gives the same
    predictions, converged: an absolute test on ||grad|| stopped at w = 0 for c = 1e-9."""
    X, y, _ = make_data(n=300, d=4, rng=3)
    ref = fit(X, y, method=method, l2=l2)
    res = fit(X * c, y, method=method, l2=l2 * c**2)
    assert ref.converged and res.converged, res.message
    np.testing.assert_allclose((X * c) @ res.w, X @ ref.w, rtol=1e-6, atol=1e-8)
    assert abs(res.decrement - ref.decrement) <= 1e-8 + 1e-6 * ref.decrement


@pytest.mark.parametrize("method", ["newton", "newton-cg"])
def test_stopping_rule_survives_one_column_in_other_units(method):
    X, y, _ = make_data(n=300, d=4, rng=4)
    ref = fit(X, y, method=method, l2=1e-3, fit_intercept=True)
    X2 = X.copy()
    X2[:, 0] *= 1e-7  # one feature in other units, penalty unchanged on the others
    res = fit(X2, y, method=method, l2=1e-3, fit_intercept=True)
    assert res.converged and res.n_iter > 0, res.message
    # the penalty now weighs column 0 differently, so compare optimality, not weights
    assert res.grad_norm <= 1e-8 * max(1.0, np.abs(X2).max()) or res.decrement <= 1e-8


def test_cg_curvature_test_is_relative():
    """With tiny features the Hessian is tiny but positive definite: CG must not stop."""
    from logreg._solver import _cg_direction

    X, y, _ = make_data(n=200, d=5, rng=5)
    for c in (1.0, 1e-9):
        Xc = X * c
        H = logreg.hessian(Xc, y, np.zeros(5), l2=0.0)
        g = logreg.logreg_loss_and_grad(Xc, y, np.zeros(5))[1]

        class Obj:
            def hess_vec(self, v):
                return H @ v

        # g0 huge: forcing term eta = sqrt(|g| / |g0|) = 1e-10, so CG solves to ~1e-10
        p = _cg_direction(Obj(), g, 50, 1e20 * float(np.linalg.norm(g)))
        np.testing.assert_allclose(p, np.linalg.solve(H, -g), rtol=1e-6)


def test_gd_decrement_is_scale_free():
    X, y, _ = make_data(n=200, d=3, rng=6)
    a = fit(X, y, method="gd", l2=1e-2, tol=1e-6)
    b = fit(X * 1e-6, y, method="gd", l2=1e-2 * 1e-12, tol=1e-6)
    assert a.converged and b.converged and a.n_iter == b.n_iter


@pytest.mark.parametrize("l2", [1e-10, 1e-12])
def test_newton_never_reports_a_decrement_below_the_true_one(l2):
    """The final check may reuse the last Hessian only through a certified bound: on
    nearly separable data the Hessian shrinks fast between steps, and an uncorrected
    estimate reported convergence with the true decrement above tol."""
    X, y, _ = make_data(n=20, d=5, separable=True, rng=3)
    res = fit(X, y, l2=l2, tol=1e-4)
    _, g = logreg_loss_and_grad(X, y, res.w, l2=l2)
    true = np.sqrt(g @ np.linalg.solve(logreg.hessian(X, y, res.w, l2=l2), g))
    assert res.decrement >= true * (1 - 1e-10)
    assert res.converged == (true <= 1e-4)


def test_newton_final_check_skips_the_hessian_when_certified():
    from logreg import optimize

    calls = {"hess": 0}
    orig = optimize._LocalProblem.sums

    def sums(self, w, *, hess, keep_weights):
        calls["hess"] += bool(hess)
        return orig(self, w, hess=hess, keep_weights=keep_weights)

    X, y, _ = make_data(n=2000, d=10, rng=1)
    optimize._LocalProblem.sums = sums
    try:
        res = fit(X, y, method="newton", l2=1e-3)
    finally:
        optimize._LocalProblem.sums = orig
    assert res.converged
    assert calls["hess"] == res.n_iter  # one Hessian per step taken, none at the end
