r"""Standard errors, confidence intervals and tests from the Hessian of the summed loss.

The log-likelihood of the logistic model is ``ell(w) = -sum_i loss_i`` (the *summed*
log-loss, not the mean). With ``x~_i = (x_i, 1)`` when an intercept ``b`` is fitted
(``x~_i = x_i`` otherwise), ``z_i = x_i^T w + b``, ``p_i = sigmoid(z_i)`` and
``s_i = p_i (1 - p_i)``::

    observed information  I(w) = -grad^2 ell = sum_i s_i x~_i x~_i^T = X~^T S X~
    covariance            C    = I(w_hat)^{-1}            shape (k, k), k = d (+ 1)
    standard errors       se_j = sqrt(C_jj)
    Wald interval         w_j +- z_{1 - alpha/2} se_j
    sandwich covariance   C_sw = C (sum_i r_i^2 x~_i x~_i^T) C,   r_i = p_i - y_i

The order of the coordinates is ``(w_1, ..., w_d, b)``: the intercept last. ``I`` does
not depend on ``y`` (the canonical link), so observed and expected information are the
same matrix.

With an L2 penalty ``l2 = lam`` on the mean loss, the summed objective is
``sum_i loss_i + (n lam / 2) ||w||^2`` and its Hessian is ``X~^T S X~ + n lam P`` (``P``
the identity with a 0 for the intercept). Its inverse is then *not* the sampling
covariance of an unbiased estimator (the penalized estimate is biased towards 0). It is
the covariance of the Laplace approximation to the posterior under the prior
``w ~ N(0, I / (n lam))``; the sampling covariance of the penalized estimator itself
(around its own, shrunken, limit) is estimated by the sandwich form.

A Hessian that is singular to working precision (duplicated columns, or separated data
where every ``s_i`` of the separated examples has underflowed) has no inverse: the
functions here warn with :class:`SingularHessianWarning` and report infinite standard
errors for the coordinates that move along the flat directions, never a finite number
computed from round-off.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np
from scipy import special  # ndtr, ndtri, chdtrc: scipy.stats takes 0.4 s to import

from . import _kernel
from ._validate import (
    _as_float,
    _asarray,
    as_labels,
    as_matrix,
    as_nonnegative_float,
    as_vector,
)
from .stable import grad_weight, hess_weight

__all__ = [
    "InferenceWarning",
    "SingularHessianWarning",
    "summed_hessian",
    "covariance",
    "sandwich_covariance",
    "Wald",
    "wald",
    "LikelihoodRatioTest",
    "likelihood_ratio_test",
]


class InferenceWarning(UserWarning):
    """Standard errors asked of a fit for which they do not mean what they usually do.
    """


class SingularHessianWarning(InferenceWarning):
    """The Hessian is singular to working precision: some standard errors are infinite.

    Typical causes: linearly dependent columns of ``X``, or (quasi-)separated data,
    where the fit drives some logits so far that their weights ``s_i = p_i (1 - p_i)``
    vanish.
    """


def _check(X, y, w, intercept, l2):
    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    w = as_vector(w, d, "w")
    if intercept is not None:
        b = _as_float(_asarray(intercept, "intercept"), "intercept")
        if b.ndim != 0 or not np.isfinite(b):
            raise ValueError(
                f"intercept must be a finite number or None; got {intercept!r}."
            )
        intercept = float(b)
    l2 = as_nonnegative_float(l2, "l2")
    return X, y, w, intercept, l2


def _sums(X, y, w, b, *, meat: bool):
    """``(X~^T diag(s) X~, X~^T diag(r^2) X~ or None)`` over row blocks, ``X~ = [X, 1]``
    when ``b`` is not None. One pass over ``X``; no n-by-d temporary."""
    n, d = X.shape
    k = d + (b is not None)
    H = np.zeros((k, k))
    M = np.zeros((k, k)) if meat else None
    for blk in _kernel.row_blocks(n, d):
        Xb = X[blk]
        z = Xb @ w
        if b is not None:
            z += b
            Xb = np.column_stack([Xb, np.ones(Xb.shape[0])])
        A = Xb * np.sqrt(hess_weight(z))[:, None]
        H += A.T @ A
        if meat:
            A = Xb * np.abs(grad_weight(y[blk], z))[:, None]
            M += A.T @ A
    return H, M


def summed_hessian(X, y, w, *, intercept=None, l2=0.0):
    """Hessian of the summed objective ``sum_i loss_i + (n l2 / 2) ||w||^2``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels 0 or 1 (validated; the Hessian does not depend on them).
    w : array_like of shape (n_features,)
    intercept : float or None, default None
        The intercept ``b`` if the model has one (then it is not penalized).
    l2 : float, default 0
        The penalty on the *mean* loss, as in :func:`logreg.fit`.

    Returns
    -------
    ndarray of shape (k, k), k = n_features (+ 1 with an intercept)
        ``X~^T S X~ + n l2 P``, coordinates ``(w..., b)``; exactly symmetric.
    """
    X, y, w, b, l2 = _check(X, y, w, intercept, l2)
    H, _ = _sums(X, y, w, b, meat=False)
    return _penalize(_symmetric(H), X.shape, l2)


def _symmetric(H):
    return 0.5 * (H + H.T)


def _penalize(H, shape, l2):
    n, d = shape
    H[np.arange(d), np.arange(d)] += n * l2
    return H


def _inverse(H, stacklevel):
    """Inverse of a symmetric positive semidefinite ``H``, with a warning if singular.

    Works on the equilibrated ``C = D^{-1} H D^{-1}``, ``D = sqrt(diag H)``, so that the
    units of the features do not decide what "singular" means. ``C`` is singular to
    working precision when ``lambda_min(C) <= k u_mach lambda_max(C)`` (``u_mach`` =
    machine epsilon). Then the coordinates with a component above ``sqrt(u_mach)`` along
    such a direction get an infinite variance (and NaN covariances); the rest of the
    matrix is the pseudo-inverse.
    """
    k = H.shape[0]
    eps = np.finfo(float).eps
    diag = np.diag(H).copy()
    dead = ~(diag > 0)  # no curvature at all along e_j
    diag[dead] = 1.0
    D = np.sqrt(diag)
    C = H / np.outer(D, D)
    lam, V = np.linalg.eigh(C)
    top = max(float(lam[-1]), np.finfo(float).tiny)
    flat = lam <= k * eps * top
    good = ~flat
    cov = (V[:, good] / lam[good]) @ V[:, good].T
    cov = cov / np.outer(D, D)
    involved = dead.copy()
    if flat.any():
        involved |= np.max(np.abs(V[:, flat]), axis=1) > np.sqrt(eps)
    if involved.any():
        cov[involved, :] = np.nan
        cov[:, involved] = np.nan
        cov[involved, involved] = np.inf
        warnings.warn(
            "The Hessian is singular to working precision (reciprocal condition "
            f"number {max(float(lam[0]), 0.0) / top:.1e} after scaling its diagonal to "
            "1): the log-likelihood is flat along some direction, so the coordinates "
            f"{np.flatnonzero(involved).tolist()} have infinite standard errors. Usual "
            "causes: linearly dependent columns of X, or (quasi-)separated data (see "
            "logreg.separation).",
            SingularHessianWarning,
            stacklevel=stacklevel,
        )
    return _symmetric(cov) if not involved.any() else cov


def covariance(X, y, w, *, intercept=None, l2=0.0):
    """Inverse of the Hessian of the summed objective: the Wald covariance.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    w : array_like of shape (n_features,)
        The fitted weights (the covariance means something only at the optimum).
    intercept : float or None, default None
        The fitted intercept, if the model has one.
    l2 : float, default 0
        The penalty the fit used (on the mean loss).

    Returns
    -------
    ndarray of shape (k, k), k = n_features (+ 1 with an intercept, last)
        With ``l2 = 0`` and ``w`` the maximum-likelihood estimate: the inverse observed
        (= expected) Fisher information, the usual asymptotic covariance. With ``l2 >
        0``: the Laplace-approximation posterior covariance under the Gaussian prior
        ``N(0, I / (n l2))`` (module docstring); see :func:`sandwich_covariance` for the
        sampling covariance of the penalized estimator.

    Warns
    -----
    SingularHessianWarning
        If the Hessian is singular to working precision; the affected variances are
        ``inf`` and their covariances NaN.
    """
    return _inverse(summed_hessian(X, y, w, intercept=intercept, l2=l2), stacklevel=3)


def sandwich_covariance(X, y, w, *, intercept=None, l2=0.0):
    """The robust ("sandwich", HC0) covariance ``H^{-1} M H^{-1}``.

    ``H`` is the Hessian of the summed objective (as in :func:`covariance`) and ``M =
    sum_i (p_i - y_i)^2 x~_i x~_i^T`` the empirical variance of the per-example scores.
    Without a penalty it is the covariance that stays valid when the model is
    misspecified (White's estimator); with one it estimates the sampling covariance of
    the penalized estimator around its own limit (not around the true weights: the
    shrinkage bias is not in it).

    Parameters and return shape as in :func:`covariance`.
    """
    X, y, w, b, l2 = _check(X, y, w, intercept, l2)
    H, M = _sums(X, y, w, b, meat=True)
    Hinv = _inverse(_penalize(_symmetric(H), X.shape, l2), stacklevel=3)
    if not np.all(np.isfinite(Hinv)):
        return Hinv
    return _symmetric(Hinv @ _symmetric(M) @ Hinv)


class Wald(NamedTuple):
    """Wald statistics per coefficient; every field has the shape of ``estimate``."""

    z: np.ndarray
    p_value: np.ndarray
    lower: np.ndarray
    upper: np.ndarray


def wald(estimate, standard_error, *, level=0.95):
    """Wald z statistics, two-sided p-values and ``level`` confidence intervals.

    ``z = estimate / se``, ``p = 2 (1 - Phi(|z|))``, interval ``estimate +- q se`` with
    ``q = Phi^{-1}((1 + level) / 2)`` (1.96 for 95 %).

    Parameters
    ----------
    estimate, standard_error : array_like of the same shape
        Standard errors positive (``inf`` allowed: then ``z = 0``, ``p = 1``).
    level : float in (0, 1), default 0.95
    """
    est = _as_float(_asarray(estimate, "estimate"), "estimate")
    se = _as_float(_asarray(standard_error, "standard_error"), "standard_error")
    if est.shape != se.shape:
        raise ValueError(
            f"standard_error must have the shape of estimate, {est.shape}; "
            f"got {se.shape}."
        )
    if np.any(np.isnan(se)) or np.any(se <= 0):
        raise ValueError(
            "standard_error must be positive (inf allowed); got NaN or <= 0."
        )
    if not (isinstance(level, (float, int)) and 0 < level < 1):
        raise ValueError(f"level must be a number in (0, 1); got {level!r}.")
    z = est / se
    q = special.ndtri(0.5 + level / 2)  # the standard normal quantile
    # two-sided p-value 2 P(N(0, 1) > |z|), from the lower tail (no 1 - Phi cancellation)
    return Wald(z, 2 * special.ndtr(-np.abs(z)), est - q * se, est + q * se)


class LikelihoodRatioTest(NamedTuple):
    """``statistic = 2 (loglik_full - loglik_reduced)``, chi-squared with ``df``."""

    statistic: float
    df: int
    p_value: float
    loglik_full: float
    loglik_reduced: float


def likelihood_ratio_test(X, y, drop, *, fit_intercept=False, tol=1e-10):
    """Test ``w_j = 0`` for the columns ``drop`` by refitting without them (``l2 = 0``).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    drop : int or sequence of int
        Columns of ``X`` whose coefficients the null hypothesis sets to 0.
    fit_intercept : bool, default False
        Whether both models have an (unpenalized) intercept.
    tol : float, default 1e-10
        Passed to :func:`logreg.fit`; the statistic is a difference of log-likelihoods,
        each within ``n tol^2 / 2`` of its maximum.

    Returns
    -------
    LikelihoodRatioTest
        Under the null, ``statistic`` is asymptotically chi-squared with ``df =
        len(drop)`` degrees of freedom; ``p_value`` is its upper tail.
    """
    from .optimize import fit  # optimize imports this module's users, not the reverse

    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    cols = np.atleast_1d(_asarray(drop, "drop"))
    if cols.dtype.kind not in "iu" or cols.ndim != 1 or cols.size == 0:
        raise TypeError(f"drop must be a column index or a list of them; got {drop!r}.")
    if len(set(cols.tolist())) != cols.size or cols.min() < -d or cols.max() >= d:
        raise ValueError(
            f"drop must hold distinct column indices in [0, {d}); got {cols.tolist()}."
        )
    keep = np.setdiff1d(np.arange(d), cols % d)

    def loglik(A):
        if A.shape[1] == 0:  # closed forms: nothing left to fit
            if not fit_intercept:
                return -n * np.log(2.0)
            k = float(y.sum())
            return sum(c * np.log(c / n) for c in (k, n - k) if c > 0)
        res = fit(A, y, tol=tol, fit_intercept=fit_intercept)
        if not res.converged:
            raise ValueError(
                f"the fit did not converge ({res.message}); the likelihood-ratio test "
                "needs both maximum-likelihood estimates to exist."
            )
        return -n * res.loss

    full, reduced = loglik(X), loglik(X[:, keep])
    stat = max(2.0 * (full - reduced), 0.0)
    p_value = float(special.chdtrc(cols.size, stat))  # chi-square upper tail
    return LikelihoodRatioTest(float(stat), int(cols.size), p_value, full, reduced)


def _fit_covariance(X, y, l2, fit_intercept, result):
    """The covariance of a :func:`logreg.fit` result (what ``FitResult.covariance``
    calls): warns first if the fit did not converge."""
    if not result.converged:
        warnings.warn(
            f"The fit did not converge ({result.message}): the inverse Hessian at its "
            "last iterate is not the covariance of a maximum-likelihood estimate.",
            InferenceWarning,
            stacklevel=2,
        )
    b = result.intercept if fit_intercept else None
    return _inverse(summed_hessian(X, y, result.w, intercept=b, l2=l2), stacklevel=2)
