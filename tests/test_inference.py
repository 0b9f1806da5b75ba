"""Standard errors, intervals and tests (logreg.inference, FitResult.covariance).

The reference is statsmodels, an independent implementation (Newton on the
log-likelihood for ``Logit``, IRLS for ``GLM(Binomial)``). Both fits are driven to
round-off (decrement below 1e-10 here, gradient below 1e-14 there), so the weights agree
to about 1e-11 and the covariances, smooth functions of the weights with a moderately
conditioned Hessian, to 1e-8 relative: the tolerance asked of them.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose

sm = pytest.importorskip("statsmodels.api")
from sklearn.datasets import load_breast_cancer  # noqa: E402
from statsmodels.datasets import spector  # noqa: E402

import logreg  # noqa: E402
from logreg import (  # noqa: E402
    FitResult,
    InferenceWarning,
    SeparableDataWarning,
    SingularHessianWarning,
    covariance,
    fit,
    hessian,
    likelihood_ratio_test,
    logreg_loss_and_grad,
    make_data,
    sandwich_covariance,
    wald,
)
from logreg.inference import summed_hessian  # noqa: E402

RTOL = 1e-8


def _spector():
    data = spector.load()
    return np.asarray(data.exog, dtype=float), np.asarray(data.endog, dtype=float)


def _cancer():
    bc = load_breast_cancer()
    cols = [0, 1, 4, 7]  # mean radius, texture, smoothness, concave points
    X = bc.data[:, cols]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, 1.0 - bc.target  # 1 = malignant


def _synthetic():
    X, y, _ = make_data(n=300, d=4, rng=5)
    return X, y.astype(float)


DATASETS = {"spector": _spector, "cancer": _cancer, "synthetic": _synthetic}


def _design(X, fit_intercept):
    # statsmodels' column order matches ours: the intercept last
    return np.column_stack([X, np.ones(len(X))]) if fit_intercept else X


@pytest.fixture(
    scope="module", params=[(k, b) for k in DATASETS for b in (False, True)]
)
def case(request):
    name, fit_intercept = request.param
    X, y = DATASETS[name]()
    res = fit(X, y, tol=1e-10, fit_intercept=fit_intercept)
    assert res.converged
    ref = sm.Logit(y, _design(X, fit_intercept)).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100
    )
    return X, y, fit_intercept, res, ref


def test_weights_agree_first(case):
    _, _, fit_intercept, res, ref = case
    ours = np.r_[res.w, res.intercept] if fit_intercept else res.w
    assert_allclose(ours, ref.params, rtol=1e-9, atol=1e-12)


def test_covariance_and_standard_errors_match_statsmodels_logit(case):
    _, _, fit_intercept, res, ref = case
    assert_allclose(res.covariance, ref.cov_params(), rtol=RTOL, atol=0)
    d = res.w.size
    assert res.standard_errors.shape == res.w.shape
    assert_allclose(res.standard_errors, ref.bse[:d], rtol=RTOL)
    if fit_intercept:
        assert isinstance(res.intercept_standard_error, float)
        assert_allclose(res.intercept_standard_error, ref.bse[-1], rtol=RTOL)
    else:
        assert np.isnan(res.intercept_standard_error)


def test_standard_errors_match_statsmodels_glm_binomial(case):
    X, y, fit_intercept, res, _ = case
    glm = sm.GLM(y, _design(X, fit_intercept), family=sm.families.Binomial()).fit(
        tol=1e-14, maxiter=100
    )
    ours = np.r_[res.standard_errors, res.intercept_standard_error]
    assert_allclose(ours[: glm.bse.size], glm.bse, rtol=RTOL)


def test_wald_matches_statsmodels(case):
    _, _, fit_intercept, res, ref = case
    est = np.r_[res.w, res.intercept] if fit_intercept else res.w
    se = np.sqrt(np.diag(res.covariance))
    out = wald(est, se, level=0.95)
    assert_allclose(out.z, ref.tvalues, rtol=RTOL)
    assert_allclose(out.p_value, ref.pvalues, rtol=1e-6)  # tail areas: fewer digits
    ci = np.asarray(ref.conf_int(alpha=0.05))
    assert_allclose(out.lower, ci[:, 0], rtol=RTOL, atol=1e-12)
    assert_allclose(out.upper, ci[:, 1], rtol=RTOL, atol=1e-12)


def test_sandwich_matches_statsmodels_hc0(case):
    X, y, fit_intercept, res, _ = case
    ref = sm.Logit(y, _design(X, fit_intercept)).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100, cov_type="HC0"
    )
    b = res.intercept if fit_intercept else None
    assert_allclose(sandwich_covariance(X, y, res.w, intercept=b), ref.cov_params(),
                    rtol=RTOL, atol=0)


@pytest.mark.parametrize("name", list(DATASETS))
def test_likelihood_ratio_test_matches_statsmodels(name):
    X, y = DATASETS[name]()
    Xd = _design(X, True)
    full = sm.Logit(y, Xd).fit(disp=0, method="newton", tol=1e-14)
    for drop in ([0], [0, 2]):
        keep = [j for j in range(X.shape[1]) if j not in drop]
        reduced = sm.Logit(y, _design(X[:, keep], True)).fit(disp=0, method="newton",
                                                             tol=1e-14)
        lr = likelihood_ratio_test(X, y, drop, fit_intercept=True)
        assert lr.df == len(drop)
        assert_allclose(lr.loglik_full, full.llf, rtol=1e-12)
        assert_allclose(lr.statistic, 2 * (full.llf - reduced.llf), rtol=1e-8)
    # every column against the intercept-only model: statsmodels' own llr
    lr_all = likelihood_ratio_test(X, y, list(range(X.shape[1])), fit_intercept=True)
    assert_allclose(lr_all.statistic, full.llr, rtol=1e-9)
    assert_allclose(lr_all.p_value, full.llr_pvalue, rtol=1e-6, atol=1e-300)


def _summed_grad(X1, y, v, pen):
    """Gradient of sum_i loss_i + (n/2) v^T diag(pen) v, from the mean gradient."""
    n = X1.shape[0]
    return n * (logreg_loss_and_grad(X1, y, v)[1] + pen * v)


@pytest.mark.parametrize("l2", [0.0, 1e-2])
@pytest.mark.parametrize("fit_intercept", [False, True])
def test_summed_hessian_against_finite_differences(rng, l2, fit_intercept):
    X, y = _cancer()
    w = 0.3 * rng.standard_normal(X.shape[1])
    b = 0.4 if fit_intercept else None
    X1 = _design(X, fit_intercept)
    v = np.r_[w, b] if fit_intercept else w
    pen = np.full(X.shape[1], l2)
    if fit_intercept:
        pen = np.r_[pen, 0.0]
    H = summed_hessian(X, y, w, intercept=b, l2=l2)
    k = v.size
    H_fd = np.empty((k, k))
    for j in range(k):
        # central differences of the gradient: truncation h^2, round-off u / h
        h = np.cbrt(np.finfo(float).eps) * max(1.0, abs(v[j]))
        e = np.zeros(k)
        e[j] = h
        up, down = _summed_grad(X1, y, v + e, pen), _summed_grad(X1, y, v - e, pen)
        H_fd[:, j] = (up - down) / (2 * h)
    assert_allclose(H, H_fd, rtol=1e-7, atol=1e-7 * np.abs(H).max())
    assert np.array_equal(H, H.T)


def test_penalized_covariance_is_the_inverse_penalized_summed_hessian():
    X, y = _cancer()
    n = X.shape[0]
    res = fit(X, y, l2=1e-2, tol=1e-10)
    expected = np.linalg.inv(n * hessian(X, y, res.w, l2=1e-2))
    assert_allclose(res.covariance, expected, rtol=1e-10, atol=0)
    # the penalty adds information: every standard error shrinks
    unpen = fit(X, y, tol=1e-10)
    assert np.all(res.standard_errors < unpen.standard_errors)


def test_penalized_intercept_is_not_penalized():
    X, y = _spector()
    res = fit(X, y, l2=0.05, fit_intercept=True, tol=1e-10)
    H = summed_hessian(X, y, res.w, intercept=res.intercept, l2=0.05)
    H0 = summed_hessian(X, y, res.w, intercept=res.intercept)
    n, d = X.shape
    assert_allclose(np.diag(H - H0), np.r_[np.full(d, n * 0.05), 0.0], rtol=1e-12)
    assert_allclose(res.covariance, np.linalg.inv(H), rtol=1e-9)


@pytest.mark.parametrize("method", ["newton-cg", "gd"])
def test_every_method_attaches_the_covariance(method):
    X, y = _synthetic()
    ref = fit(X, y, tol=1e-10)
    res = fit(X, y, method=method, tol=1e-10, max_iter=200_000)
    assert res.converged
    assert_allclose(res.standard_errors, ref.standard_errors, rtol=1e-7)


def test_covariance_is_lazy_cached_and_a_copy():
    X, y = _synthetic()
    res = fit(X, y)
    assert res._covariance_cache is None  # fit itself computes nothing
    c1 = res.covariance
    assert res._covariance_cache is not None
    c1[:] = 0.0  # the caller's copy, not the cache
    assert np.all(np.diag(res.covariance) > 0)
    assert "covariance" not in repr(res)


def test_singular_hessian_warns_and_reports_infinite_errors():
    X, y = _synthetic()
    X_dup = np.column_stack([X, X[:, 0]])  # an exactly dependent column
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = fit(X_dup, y, tol=1e-10)
    with pytest.warns(SingularHessianWarning, match=r"coordinates \[0, 4\]"):
        se = res.standard_errors
    assert np.isinf(se[0]) and np.isinf(se[4])
    # the other coefficients are estimable: their errors are those of the model
    # without the duplicate
    assert_allclose(se[1:4], fit(X, y, tol=1e-10).standard_errors[1:], rtol=1e-6)
    with pytest.warns(SingularHessianWarning):  # again at the next access
        cov = res.covariance
    assert np.isnan(cov[0, 1]) and np.isfinite(cov[1, 2])


def test_separated_data_warn_at_fit_and_at_inference():
    X, y = _synthetic()
    y = y.copy()
    y[X[:, 0] > 1.0] = 1.0  # quasi-complete separation on one side of x_0 = 1
    X = np.column_stack([X, (X[:, 0] > 1.0).astype(float)])
    with pytest.warns(SeparableDataWarning):
        res = fit(X, y, fit_intercept=True)
    assert not res.converged
    with pytest.warns(InferenceWarning) as record:
        se = res.standard_errors
    categories = {r.category for r in record}
    assert InferenceWarning in categories
    # the tell-tale: the separating coefficient's error dwarfs the others
    assert se[-1] > 100 * np.median(se[:-1])


def test_result_without_covariance_says_why():
    res = FitResult(w=np.zeros(3), loss=0.0, grad_norm=0.0, n_iter=0, converged=True,
                    history={})
    with pytest.raises(ValueError, match="carries no covariance"):
        res.standard_errors


def test_multiclass_shapes_follow_w():
    # another model (w of shape (d, K)) attaches its own covariance function
    K, d = 3, 2
    cov = np.diag(np.arange(1.0, d * K + K + 1))
    res = FitResult(w=np.zeros((d, K)), loss=0.0, grad_norm=0.0, n_iter=0,
                    converged=True, history={}, _covariance_fn=lambda r: cov)
    assert res.standard_errors.shape == (d, K)
    assert_allclose(res.standard_errors.ravel(), np.sqrt(np.arange(1.0, d * K + 1)))
    assert_allclose(res.intercept_standard_error, np.sqrt([7.0, 8.0, 9.0]))


def test_bad_input_is_refused_in_the_packages_words():
    X, y = _synthetic()
    with pytest.raises(ValueError, match="shape of estimate"):
        wald(np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="positive"):
        wald(np.zeros(2), np.array([1.0, 0.0]))
    with pytest.raises(ValueError, match="level"):
        wald(np.zeros(2), np.ones(2), level=95)
    with pytest.raises(ValueError, match="distinct column indices"):
        likelihood_ratio_test(X, y, [7])
    with pytest.raises(TypeError, match="column index"):
        likelihood_ratio_test(X, y, 1.5)
    with pytest.raises(ValueError, match="intercept must be a finite number"):
        covariance(X, y, np.zeros(X.shape[1]), intercept=np.nan)
    with pytest.raises(ValueError, match="length"):
        covariance(X, y, np.zeros(2))


def test_package_does_not_import_statsmodels():
    import subprocess
    import sys

    code = "import sys, logreg; assert 'statsmodels' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert logreg.covariance is covariance
