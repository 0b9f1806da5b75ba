r"""Solvers for ``min_w L(w) = mean log-loss + (l2/2) ||w||^2``.

* ``"gd"``: ``w <- w - grad / L`` with ``L = lambda_max(X^T X) / (4n) + l2``, the bound
  on the Hessian from ``p (1 - p) <= 1/4``. Linear convergence; O(n d) per iteration.
* ``"newton"``: ``H p = -grad`` solved by Cholesky (never an explicit inverse), then a
  backtracking (Armijo) line search. Quadratic convergence near the optimum; O(n d^2 +
  d^3) per iteration. Gradient and Hessian come from one pass over ``X``.
* ``"newton-cg"``: the Newton system solved inexactly by conjugate gradients on
  Hessian-vector products, never forming the d-by-d matrix: O(n d) per CG step.
* ``"fista"``: accelerated proximal gradient with backtracking, the method for the L1
  penalty ``l1 ||w||_1`` (not differentiable at 0): each step is a gradient step on the
  smooth part followed by the soft threshold, which sets small weights exactly to 0
  (see :mod:`logreg._solver` and :mod:`logreg.l1`). O(n d) per iteration.

With ``sample_weight`` ``c`` the mean over examples is the weighted mean ``sum_i c_i l_i /
sum_i c_i`` (:mod:`logreg.loss`), in every method.

On linearly separable data with ``l2 = 0`` the infimum is not attained. Every solver tests,
for free at each iterate, whether ``w`` already classifies every example correctly with a
positive margin; if so, scaling ``w`` up lowers the loss forever, so the solver stops,
returns that finite ``w`` with ``converged=False`` and warns with
:class:`SeparableDataWarning`. That test never fires on quasi-completely separated data
(some examples on the separating hyperplane), where the gradient still tends to 0 as
``||w||`` grows; :func:`fit` therefore also runs the linear-programming test
:func:`logreg.separation` after an unpenalized fit (see its ``check_separation``).
"""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np

from . import _kernel
from ._solver import (  # noqa: F401  (_armijo, _cg_direction: shown in chapter 6)
    _SEPARABLE,
    DEFAULT_MAX_ITER,
    L1_METHODS,
    METHODS,
    FitResult,
    SeparableDataWarning,
    _armijo,
    _cg_direction,
    _minimize,
    _newton_direction,
    _Problem,
)
from ._validate import (
    as_max_iter,
    as_labels,
    as_matrix,
    as_nonnegative_float,
    as_positive_float,
    as_vector,
    diagnose_nonfinite,
)
from .inference import _fit_covariance
from .loss import as_sample_weight, logreg_loss_and_grad

__all__ = ["FitResult", "SeparableDataWarning", "fit", "gd_step", "smoothness_constant"]

def smoothness_constant(X, l2=0.0, *, sample_weight=None) -> float:
    """``L = lambda_max(X^T X) / (4 n) + l2``: an upper bound on the Hessian's eigenvalues.

    Uses the exact largest eigenvalue of the d-by-d Gram matrix for d <= 2000 and the
    Frobenius bound ``||X||_F^2 >= lambda_max`` above that (still safe, less tight).
    With ``sample_weight`` ``c`` (shape (n_samples,)): ``lambda_max(X^T diag(c) X) / (4
    sum(c)) + l2``.
    """
    X = as_matrix(X)
    l2 = as_nonnegative_float(l2, "l2")
    n, d = X.shape
    c = as_sample_weight(sample_weight, n)
    Xc = X if c is None else X * np.sqrt(c)[:, None]
    if d <= 2000:
        lam_max = float(np.linalg.eigvalsh(Xc.T @ Xc)[-1])
    else:
        lam_max = float(np.einsum("ij,ij->", Xc, Xc))
    if not np.isfinite(lam_max):
        diagnose_nonfinite(X)
    return lam_max / (4.0 * (n if c is None else float(c.sum()))) + l2


def gd_step(X, y, w, lr, *, l2=0.0):
    """One gradient-descent step ``w - lr * grad L(w)``; returns the new weights.

    ``lr`` must be positive and finite. With ``lr <= 1 / smoothness_constant(X, l2)``
    the loss cannot increase (descent lemma).
    """
    lr = as_positive_float(lr, "lr")
    X = as_matrix(X)
    w = as_vector(w, X.shape[1], "w")
    _, grad = logreg_loss_and_grad(X, y, w, l2=l2)
    return w - lr * grad


class _LocalProblem(_Problem):
    """Rows in one in-memory array; each sum is one blocked pass (:mod:`logreg._kernel`)."""

    def __init__(self, X, y, l2, pen=None, c=None, l1_pen=0.0):
        self.X, self.y, self.l2 = X, y, l2
        self.pen = l2 if pen is None else pen
        self.l1_pen = l1_pen
        self.c = c  # sample weights, or None
        self.n = X.shape[0] if c is None else float(c.sum())
        self.s = 1.0 - 2.0 * y
        self.z = np.empty(X.shape[0])
        self.tmp = np.empty(X.shape[0])
        self.h = None
        self.Xp = None
        self.Xv = None  # X v of the last hvp_sum, while CG builds X p
        self._tracked = None  # the CG iterate whose X p is being built in self.Xp

    def sums(self, w, *, hess, keep_weights):
        if keep_weights and self.h is None:
            self.h = np.empty(self.X.shape[0])
        return _kernel.full_pass(
            self.X,
            self.y,
            w,
            want_hess=hess,
            z_out=self.z,
            h_out=self.h if keep_weights else None,
            c=self.c,
            s=self.s,
        )

    def hvp_sum(self, v):
        return _kernel.weighted_hvp_sum(self.X, self.h, v, xv_out=self.Xv)

    def track_direction(self, p):
        n = self.X.shape[0]
        if self.Xv is None:
            self.Xv = np.empty(n)
        if self.Xp is None:
            self.Xp = np.empty(n)
        self.Xp.fill(0.0)
        self._tracked = p
        return True

    def add_to_direction(self, a):
        # Xp += a * Xv, through tmp: no n-sized allocation
        np.multiply(self.Xv, a, out=self.tmp)
        self.Xp += self.tmp

    def set_direction(self, p):
        tracked, self._tracked = self._tracked, None
        if p is tracked:  # built by CG from its products: X p is known
            return
        if self.Xp is None:
            self.Xp = np.empty(self.X.shape[0])
        np.matmul(self.X, p, out=self.Xp)

    def logit_change(self, alpha):
        return abs(alpha) * float(np.max(np.abs(self.Xp)))

    def loss_sum_along(self, alpha):
        return _kernel.line_losses(self.z, self.Xp, self.s, alpha, self.c)

    def diagnose(self, w):
        diagnose_nonfinite(self.X, w=w)


def fit(
    X,
    y,
    *,
    method=None,
    l2=0.0,
    tol=1e-8,
    max_iter=None,
    w0=None,
    fit_intercept=False,
    check_separation=None,
    l1=0.0,
    sample_weight=None,
):
    """Minimize mean log-loss + l1 ||w||_1 + (l2/2)||w||^2, optionally with an intercept.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels 0 or 1.
    method : {"newton", "newton-cg", "gd", "fista"}, optional
        Default ``"newton"``, or ``"fista"`` when ``l1 > 0`` (the only method that
        accepts the L1 penalty; the others raise ``ValueError``).
    l2 : float, default 0
        Ridge strength; scikit-learn's ``C`` corresponds to ``1 / (l2 * n_samples)``.
    tol : float, default 1e-8
        Stop when the scale-free decrement is at most ``tol``: for the Newton methods the
        Newton decrement ``sqrt(g^T H^{-1} g)`` (``g`` the gradient, ``H`` the Hessian),
        for ``"gd"`` the value ``||g|| / sqrt(L)`` with ``L`` the smoothness constant.
        Half its square estimates how far the loss is above its minimum, in the loss's
        own units (nats), so the same ``tol`` means the same accuracy whatever the units
        of the features: rescaling a column of ``X`` (and ``l2`` to match) does not change
        when the fit stops. See :mod:`logreg._solver`.
    max_iter : int, optional
        Defaults: 10000 for "gd", 100 for the Newton methods.
    w0 : array_like of shape (n_features,), optional
        Starting point; zeros by default (the intercept, if fitted, starts at 0).
    fit_intercept : bool, default False
        If True, fit ``z = X w + b`` with the intercept ``b`` not penalized (the usual
        choice: penalizing it would pull the mean prediction away from the base rate).
        Implemented as a column of ones appended to a copy of ``X`` with a zero penalty
        on its coefficient. Requires both classes in ``y``.
    check_separation : None, True or False, default None
        Only used when ``l2 = 0``: whether to run :func:`logreg.separation` (two linear
        programs) after the solver, to find out whether a minimizer exists at all. None
        runs it when ``X`` has at most a million entries (there it costs about as much as
        the fit); True runs it at any size (it can take much longer than the fit); False
        never does.
    l1 : float, default 0
        Lasso strength, non-negative and finite; the intercept is never penalized.
        scikit-learn's ``penalty="l1"`` with ``C`` corresponds to ``1 / (l1 *
        n_samples)`` (and ``penalty="elasticnet"`` with ``l1_ratio = r`` to ``l1 = r / (C
        n)``, ``l2 = (1 - r) / (C n)``). With ``l1 > 0``, ``loss`` includes the L1 term,
        ``grad_norm`` is the norm of the prox-gradient mapping (the gradient where
        the objective is smooth) and ``decrement`` that norm over ``sqrt(L)``.
        :func:`logreg.l1_max` gives the smallest ``l1`` with ``w = 0``.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative finite weights, not all zero: the objective's mean becomes the
        weighted mean ``sum_i c_i loss_i / sum_i c_i``, so integer weights fit exactly
        as repeated rows would. (scikit-learn's objective is ``C sum_i c_i loss_i``:
        its ``C`` corresponds to ``1 / (l2 * sum(c))``.)

    Returns
    -------
    FitResult

    Warns
    -----
    SeparableDataWarning
        If ``l2 = 0`` and no minimizer exists: an iterate separates the data (complete
        separation, detected for free at every iterate), or :func:`logreg.separation`
        finds complete or quasi-complete separation (see ``check_separation``).
        ``converged`` is then False: it is True only when the decrement is at most
        ``tol`` *and* a minimizer exists (or was not checked, on large unpenalized
        problems; the message then says so).
    """
    l1 = as_nonnegative_float(l1, "l1")
    if method is None:
        method = "fista" if l1 > 0 else "newton"
    if method not in METHODS:
        raise ValueError(
            f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
        )
    if l1 > 0 and method not in L1_METHODS:
        raise ValueError(
            f"method {method!r} cannot handle l1 > 0 (the L1 penalty is not "
            "differentiable at 0, so it has no gradient or Hessian there); use "
            f"method={' or '.join(map(repr, L1_METHODS))}."
        )
    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    l2 = as_nonnegative_float(l2, "l2")
    c = as_sample_weight(sample_weight, n)
    tol = as_positive_float(tol, "tol")
    max_iter = as_max_iter(max_iter, DEFAULT_MAX_ITER[method])
    w = np.zeros(d) if w0 is None else as_vector(w0, d, "w0").copy()

    if check_separation not in (None, True, False):
        raise TypeError(
            f"check_separation must be None, True or False; got {check_separation!r}."
        )
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be True or False; got {fit_intercept!r}.")
    pen, l1_pen = None, l1
    if fit_intercept:
        yc = y if c is None else y[c > 0]
        if yc.min() == yc.max():
            raise ValueError(
                f"y contains only the label {int(yc[0])}"
                + ("" if c is None else " among the examples of positive weight")
                + ": with an intercept the loss keeps decreasing as b -> infinity, so "
                "there is no minimizer. Need both classes."
            )
        X = np.column_stack([X, np.ones(n)])
        w = np.r_[w, 0.0]
        pen = np.r_[np.full(d, l2), 0.0]
        l1_pen = np.r_[np.full(d, l1), 0.0]
    step = None
    if method in ("gd", "fista"):
        step = 1.0 / smoothness_constant(X, l2, sample_weight=c)
    problem = _LocalProblem(X, y, l2, pen, c=c, l1_pen=l1_pen)
    result = _minimize(problem, method, w, tol, max_iter, step)
    if l2 == 0.0 and l1 == 0.0 and not result.message.startswith(_SEPARABLE):
        if c is None:
            _check_quasi_separation(X, y, result, check_separation)
        else:  # examples of weight 0 are not in the objective
            keep = c > 0
            _check_quasi_separation(X[keep], y[keep], result, check_separation)
    if fit_intercept:
        result.intercept = float(result.w[-1])
        result.w = result.w[:-1]
    # Standard errors on demand (FitResult.covariance). The result holds a reference to
    # the rows: X as given, or a view of fit's copy with the ones column.
    result._covariance_fn = partial(
        _fit_covariance, X[:, :d] if fit_intercept else X, y, l2, fit_intercept
    )
    if l1 > 0 or c is not None:
        result._covariance_fn = _no_covariance
    return result


def _no_covariance(result):
    raise ValueError(
        "this result carries no covariance: the inverse Hessian is not a covariance for "
        "a fit with l1 > 0 (the solution's zeros are not smooth in the data) and is not "
        "computed for fits with sample_weight. Refit on bootstrap samples for the spread."
    )


#: |z| beyond which an example's loss term is below 3.1e-7: a fit that drives examples
#: this far may be chasing a (quasi-)separating direction rather than approaching a
#: minimizer.
_SATURATED_LOGIT = 15.0
#: Size of X (entries) up to which an unpenalized fit always runs the separation LP.
_LP_AUTO_ENTRIES = 1_000_000


def _check_quasi_separation(X, y, result, check):
    """With l2 = 0 a small gradient does not prove that a minimizer exists: on
    (quasi-)separated data the gradient tends to 0 as ||w|| -> infinity. Decide with the
    LP test (``logreg.separation``) and correct the result.

    ``check=None`` (auto) runs the LP when X has at most ``_LP_AUTO_ENTRIES`` entries, where
    it costs about as much as the fit; above that it runs only with ``check=True``, and the
    result's message says that separation was not checked if the fit ended saturated.
    """
    from .separation import separation

    if check is False:
        return
    if check is None and X.size > _LP_AUTO_ENTRIES:
        saturated = np.max(np.abs(X @ result.w)) >= _SATURATED_LOGIT
        if saturated or not result.converged:
            result.message += (
                "; some examples are saturated and separation was not checked (X is "
                "large): call logreg.separation(X, y) or fit(..., check_separation=True)"
            )
        return
    sep = separation(X, y)
    if sep.has_minimizer:
        return
    result.converged = False
    result.message = f"{_SEPARABLE} ({sep.kind} separation): no finite minimizer with l2 = 0"
    warnings.warn(
        f"The data are linearly separable ({sep.kind} separation, found by a linear "
        "program): along the direction separation(X, y).direction the loss decreases "
        "forever, so no minimizer exists with l2=0 and the weights would grow without "
        "bound. Returning the finite w found so far with converged=False. For a finite, "
        "unique solution set l2 > 0 (for example l2=1e-3).",
        SeparableDataWarning,
        stacklevel=3,
    )
