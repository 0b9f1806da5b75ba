"""Multinomial (softmax) model: derivatives, K = 2, stability, fits, validation."""

import warnings

import mpmath
import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine
from sklearn.linear_model import LogisticRegression

import logreg
from logreg import SeparableDataWarning, complex_step_grad
from logreg import multinomial as mn

U = np.finfo(float).eps / 2  # unit round-off


def sample(rng, n=200, d=4, K=3, scale=1.0):
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, K)) * scale
    P = mn.softmax(X @ W)
    y = (P.cumsum(axis=1) < rng.random(n)[:, None]).sum(axis=1)
    return X, np.minimum(y, K - 1), W


def complex_loss(X, y, l2):
    """The objective built from log_softmax, analytic in W (for the complex step)."""
    n = X.shape[0]

    def f(w):
        W = w.reshape(X.shape[1], -1)
        return -np.mean(mn.log_softmax(X @ W)[np.arange(n), y]) + 0.5 * l2 * np.sum(W * W)

    return f


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


# --- derivatives ---------------------------------------------------------------------------


@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_gradient_matches_complex_step(rng, l2):
    X, y, W = sample(rng)
    _, G = mn.loss_and_grad(X, y, W, l2=l2)
    G_cs = complex_step_grad(complex_loss(X, y, l2), W.ravel()).reshape(W.shape)
    # complex step has no cancellation: agreement to a few ulp of the entries
    np.testing.assert_allclose(G, G_cs, rtol=0, atol=1e-14)


def test_loss_matches_complex_reference_and_naive_formula(rng):
    X, y, W = sample(rng)
    loss, _ = mn.loss_and_grad(X, y, W, l2=0.1)
    assert loss == pytest.approx(complex_loss(X, y, 0.1)(W.ravel()).real, rel=1e-14)
    Z = X @ W
    naive = np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y])
    assert loss == pytest.approx(naive + 0.05 * np.sum(W * W), rel=1e-13)


def test_gradient_matches_central_differences(rng):
    X, y, W = sample(rng)
    f = complex_loss(X, y, 0.0)
    g_fd = logreg.numerical_grad(lambda w: f(w).real, W.ravel())
    _, G = mn.loss_and_grad(X, y, W)
    # central differences: truncation h^2 + round-off u/h at h ~ u^(1/3): about 1e-10
    np.testing.assert_allclose(G.ravel(), g_fd, rtol=0, atol=1e-9)


@pytest.mark.parametrize("l2", [0.0, 0.2])
def test_hvp_matches_hessian_and_gradient_differences(rng, l2):
    X, y, W = sample(rng, K=4)
    V = rng.standard_normal(W.shape)
    Hv = mn.hvp(X, y, W, V, l2=l2)
    H = mn.hessian(X, y, W, l2=l2)
    assert H.shape == (W.size, W.size)
    assert np.array_equal(H, H.T)
    # the same sums in another order
    np.testing.assert_allclose(H @ V.ravel(), Hv.ravel(), rtol=0, atol=1e-14)
    h = np.cbrt(U)  # balances h^2 truncation against u/h round-off
    g_p = mn.loss_and_grad(X, y, W + h * V, l2=l2)[1]
    g_m = mn.loss_and_grad(X, y, W - h * V, l2=l2)[1]
    np.testing.assert_allclose((g_p - g_m) / (2 * h), Hv, rtol=0, atol=1e-9)


def test_hvp_matches_complex_step_of_the_gradient(rng):
    """d/dt grad(W + t V) at t = 0 by the complex step, the gradient written analytically."""
    X, y, W = sample(rng, K=4)
    V = rng.standard_normal(W.shape)
    Y = np.eye(W.shape[1])[y]
    h = 1e-20
    Pc = mn.softmax(X @ (W + 1j * h * V))
    G_c = X.T @ (Pc - Y) / X.shape[0]
    np.testing.assert_allclose(G_c.imag / h, mn.hvp(X, y, W, V), rtol=0, atol=1e-14)


def test_hessian_kronecker_structure_and_ordering(rng):
    """H = mean of (x x^T) kron (diag p - p p^T) on vec(W) = W.ravel()."""
    X, y, W = sample(rng, n=30, d=3, K=3)
    P = mn.softmax(X @ W)
    H_ref = sum(np.kron(np.outer(x, x), np.diag(p) - np.outer(p, p)) for x, p in zip(X, P))
    np.testing.assert_allclose(mn.hessian(X, y, W), H_ref / 30, rtol=0, atol=1e-15)


def test_hessian_is_psd_with_the_null_directions(rng):
    X, y, W = sample(rng, d=4, K=3)
    H = mn.hessian(X, y, W)
    ev = np.linalg.eigvalsh(H)
    scale = ev[-1]
    assert ev[0] >= -1e-14 * scale
    # exactly d eigenvalues at round-off level: the null directions vec(a 1^T)
    assert np.sum(ev <= 1e-12 * scale) == X.shape[1]
    a = rng.standard_normal(X.shape[1])
    assert np.linalg.norm(H @ np.outer(a, np.ones(3)).ravel()) <= 1e-14 * scale
    # and the smoothness constant bounds the top eigenvalue
    assert scale <= mn.smoothness_constant(X)
    ev_l2 = np.linalg.eigvalsh(mn.hessian(X, y, W, l2=0.1))
    assert ev_l2[0] >= 0.1 * (1 - 1e-12)


def test_gradient_rows_sum_to_zero_and_invariance(rng):
    X, y, W = sample(rng)
    loss, G = mn.loss_and_grad(X, y, W)
    assert np.max(np.abs(G.sum(axis=1))) <= 1e-15
    a = rng.standard_normal(X.shape[1])
    loss2, G2 = mn.loss_and_grad(X, y, W + a[:, None])
    assert loss2 == pytest.approx(loss, rel=1e-13)
    np.testing.assert_allclose(G2, G, rtol=0, atol=1e-14)


def test_smoothness_constant_is_attained_in_the_limit():
    """lambda_max(diag p - p p^T) = 1/2 at p = (1/2, 1/2, 0): the constant 1/(2n) is tight."""
    p = np.array([0.5, 0.5, 0.0])
    assert np.linalg.eigvalsh(np.diag(p) - np.outer(p, p))[-1] == pytest.approx(0.5)
    X = np.ones((5, 1))
    W = np.array([[0.0, 0.0, -40.0]])
    top = np.linalg.eigvalsh(mn.hessian(X, np.zeros(5, int), W))[-1]
    assert top == pytest.approx(mn.smoothness_constant(X), rel=1e-12)


# --- K = 2 is the binary model ---------------------------------------------------------


def test_two_classes_reduce_to_the_binary_model(rng):
    X, _, W = sample(rng, K=2)
    y = rng.integers(0, 2, X.shape[0])
    w = W[:, 1] - W[:, 0]
    loss_m, G = mn.loss_and_grad(X, y, W)
    loss_b, g = logreg.logreg_loss_and_grad(X, y.astype(float), w)
    assert loss_m == pytest.approx(loss_b, rel=1e-14)
    np.testing.assert_allclose(G[:, 1], g, rtol=0, atol=1e-16)
    np.testing.assert_allclose(G[:, 0], -g, rtol=0, atol=1e-16)
    # Hessian: blocks +-H_binary on vec(W) = [w0_1, w1_1, w0_2, ...]
    H = mn.hessian(X, y, W)
    Hb = logreg.hessian(X, y.astype(float), w)
    np.testing.assert_allclose(H[1::2, 1::2], Hb, rtol=0, atol=1e-15)
    np.testing.assert_allclose(H[0::2, 1::2], -Hb, rtol=0, atol=1e-15)


def test_two_class_fit_equals_binary_fit_with_doubled_penalty(rng):
    """W = [-w/2, w/2] at the optimum; ||W||^2 = ||w||^2 / 2, so l2_m = 2 l2_b."""
    X, _, _ = sample(rng, K=2)
    y = rng.integers(0, 2, X.shape[0])
    res_m = mn.fit(X, y, l2=0.02, tol=1e-10)
    res_b = logreg.fit(X, y.astype(float), l2=0.01, tol=1e-10)
    np.testing.assert_allclose(res_m.w[:, 1] - res_m.w[:, 0], res_b.w, rtol=1e-8, atol=0)
    assert res_m.loss == pytest.approx(res_b.loss, rel=1e-12)


# --- stability --------------------------------------------------------------------------


def test_log_softmax_against_mpmath():
    mpmath.mp.dps = 50
    rows = [
        [0.0, -40.0, -745.0],
        [1e308, 0.0, -1e308],
        [-3.5, 2.0, 2.0 + 1e-12],
        [30.0, 29.0, -100.0, 1e-300],
    ]
    for z in rows:
        got = mn.log_softmax(np.array(z))
        lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in z))
        for k, v in enumerate(z):
            ref = mpmath.mpf(v) - lse
            if abs(ref) > mpmath.mpf("1.7e308"):
                assert got[k] == -np.inf  # below -1.8e308: rounds to -inf
            else:
                assert abs(got[k] - float(ref)) <= 4 * U * max(abs(float(ref)), 1e-300)


def test_extreme_logits_give_no_nan_and_no_warning():
    X = np.eye(3)
    W = np.array([[1e308, 0.0, -1e308], [0.0, 5e307, 0.0], [-1e308, -1e308, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = mn.softmax(X @ W)
        loss, G = mn.loss_and_grad(X, np.array([0, 1, 2]), W)
    assert np.all(np.isfinite(P)) and np.all(P.sum(axis=1) == 1.0)
    assert loss == 0.0  # every example right with a margin of 1e308: p_y = 1 exactly
    assert np.all(G == 0)
    # one wrong example: loss 5e307 / 3 nats, computed without overflow
    loss_wrong, _ = mn.loss_and_grad(X, np.array([0, 0, 2]), W)
    assert loss_wrong == pytest.approx(5e307 / 3, rel=1e-15)


def test_no_zero_times_log_zero():
    """A probability that underflows to 0 in a class that is not the label costs nothing."""
    X = np.ones((1, 1))
    W = np.array([[0.0, -1000.0]])
    loss, G = mn.loss_and_grad(X, [0], W)
    assert loss == 0.0 and np.all(np.isfinite(G))
    # tiny probabilities survive in the loss through log1p
    loss, _ = mn.loss_and_grad(X, [0], np.array([[0.0, -40.0]]))
    assert loss == pytest.approx(np.exp(-40.0), rel=4 * U)


def test_softmax_sums_to_one_and_matches_exp_ratio(rng):
    Z = rng.standard_normal((50, 6)) * 5
    P = mn.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=4 * U * 6)
    E = np.exp(Z)
    np.testing.assert_allclose(P, E / E.sum(axis=1, keepdims=True), rtol=1e-14, atol=0)
    np.testing.assert_allclose(mn.softmax(Z, axis=0).sum(axis=0), 1.0, atol=1e-15)


# --- fits -------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["newton-cg", "newton", "gd"])
def test_fit_matches_sklearn_on_wine(wine, method):
    X, y = wine
    n = X.shape[0]
    # gradient descent needs ~kappa log(1/tol) steps: a better-conditioned problem for it
    # (distance to the optimum ~ decrement / sqrt(smallest curvature): a looser atol)
    l2, tol, atol = (1e-1, 1e-7, 1e-5) if method == "gd" else (1e-2, 1e-9, 1e-6)
    res = mn.fit(X, y, method=method, l2=l2, tol=tol, fit_intercept=True)
    assert res.converged, res.message
    clf = LogisticRegression(C=1.0 / (l2 * n), solver="newton-cholesky", tol=1e-12,
                             max_iter=1000).fit(X, y)
    assert res.w.shape == (X.shape[1], 3) and res.intercept.shape == (3,)
    np.testing.assert_allclose(res.w, clf.coef_.T, rtol=0, atol=atol)
    np.testing.assert_allclose(res.intercept, clf.intercept_, rtol=0, atol=atol)
    P = mn.predict_proba(X, res.w, res.intercept)
    np.testing.assert_allclose(P, clf.predict_proba(X), rtol=0, atol=atol / 10)


def test_unpenalized_fit_is_centred_and_matches_sklearn():
    X, y = load_iris(return_X_y=True)
    X = X[:, [1]]  # sepal width alone: the classes overlap, a minimizer exists
    for method in ["newton-cg", "newton"]:
        res = mn.fit(X, y, method=method, tol=1e-10, fit_intercept=True)
        assert res.converged, res.message
        assert np.max(np.abs(res.w.sum(axis=1))) <= 1e-12
        assert abs(res.intercept.sum()) <= 1e-12
        clf = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12,
                                 max_iter=1000).fit(X, y)
        np.testing.assert_allclose(res.w, clf.coef_.T, rtol=1e-6, atol=1e-6)


def test_newton_on_the_singular_hessian_converges_quadratically(rng):
    """l2 = 0: Cholesky fails on H, the solver's tiny ridge takes over; the gradient has
    no component along the null directions, so the steps are those of the pseudo-inverse."""
    X, y, _ = sample(rng, n=400, d=4, K=3)
    res = mn.fit(X, y, method="newton", tol=1e-12)
    assert res.converged and res.n_iter <= 10
    dec = res.history["decrement"]
    assert dec[-1] <= 1e-12 and dec[-2] <= 1e-3  # the last steps square the decrement


def test_separable_data_warn_with_no_penalty():
    X = np.array([[-2.0, 0.0], [-1.5, 0.1], [0.0, 2.0], [0.1, 1.5], [2.0, 0.0], [1.5, -0.1]])
    y = np.array([0, 0, 1, 1, 2, 2])
    with pytest.warns(SeparableDataWarning):
        res = mn.fit(X, y)
    assert not res.converged
    # with a penalty the minimizer exists and is found
    assert mn.fit(X, y, l2=0.1).converged


def test_w0_is_used(rng):
    X, y, _ = sample(rng)
    res = mn.fit(X, y, l2=0.1, tol=1e-10)
    again = mn.fit(X, y, l2=0.1, tol=1e-8, w0=res.w)
    assert again.n_iter == 0 and again.converged


# --- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "y, match",
    [
        ([0, 1, 3, 1], r"labels 0\.\.2 \(W has 3 columns"),
        ([0, -1, 2, 1], "negative label"),
        ([0, 1.5, 2, 1], "non-integer"),
        (["a", "b", "c", "a"], "integer class labels"),
        ([[0], [1], [2], [1]], r"shape \(n_samples,\)"),
        ([0, 1, 2], "has 3 labels but X has 4 rows"),
    ],
)
def test_bad_labels(y, match):
    X = np.ones((4, 2))
    with pytest.raises((ValueError, TypeError), match=match):
        mn.loss_and_grad(X, y, np.zeros((2, 3)))


def test_bad_shapes_and_values():
    X = np.ones((4, 2))
    y = [0, 1, 2, 1]
    with pytest.raises(ValueError, match=r"shape \(n_features, n_classes\) = \(2, n_classes\)"):
        mn.loss_and_grad(X, y, np.zeros(2))
    with pytest.raises(ValueError, match="at least 2 columns"):
        mn.loss_and_grad(X, [0, 0, 0, 0], np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"W must be finite; W\[1, 2\] = nan"):
        mn.loss_and_grad(X, y, np.array([[0, 0, 0], [0, 0, np.nan]]))
    with pytest.raises(ValueError, match=r"V must have shape .* = \(2, 3\)"):
        mn.hvp(X, y, np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="X must be finite"):
        mn.loss_and_grad(np.array([[1.0, np.inf]] * 4), y, np.ones((2, 3)))
    with pytest.raises(ValueError, match="l2 must be non-negative"):
        mn.loss_and_grad(X, y, np.zeros((2, 3)), l2=-1)
    with pytest.raises(ValueError, match="NaN"):
        mn.softmax([0.0, np.nan])


def test_fit_rejects_empty_class_and_bad_arguments():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="class 1 has no examples"):
        mn.fit(X, [0, 2, 2, 0])
    with pytest.raises(ValueError, match="at least two classes"):
        mn.fit(X, [0, 0, 0, 0])
    with pytest.raises(ValueError, match="method must be one of"):
        mn.fit(X, [0, 1, 1, 0], method="fista")
    with pytest.raises(ValueError, match="max_iter"):
        mn.fit(X, [0, 1, 1, 0], max_iter=-1)
    with pytest.raises(ValueError, match=r"w0 must have shape .* = \(2, 2\)"):
        mn.fit(X, [0, 1, 1, 0], w0=np.zeros((2, 3)))
    with pytest.raises(TypeError, match="fit_intercept"):
        mn.fit(X, [0, 1, 1, 0], fit_intercept="yes")
    with pytest.raises(ValueError, match=r"intercept must have shape \(2,\)"):
        mn.predict_proba(X, np.zeros((2, 2)), np.zeros(3))
