r"""Solvers for ``min_w L(w) = mean log-loss + (l2/2) ||w||^2``.

* ``"gd"``: ``w <- w - grad / L`` with ``L = lambda_max(X^T X) / (4n) + l2``, the bound
  on the Hessian from ``p (1 - p) <= 1/4``. Linear convergence; O(n d) per iteration.
* ``"newton"``: ``H p = -grad`` solved by Cholesky (never an explicit inverse), then a
  backtracking (Armijo) line search. Quadratic convergence near the optimum; O(n d^2 +
  d^3) per iteration. Gradient and Hessian come from one pass over ``X``.
* ``"newton-cg"``: the Newton system solved inexactly by conjugate gradients on
  Hessian-vector products, never forming the d-by-d matrix: O(n d) per CG step.

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

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve

from . import _kernel
from ._validate import (
    as_labels,
    as_matrix,
    as_nonnegative_float,
    as_positive_float,
    as_vector,
    diagnose_nonfinite,
)
from .loss import logreg_loss_and_grad

__all__ = ["FitResult", "SeparableDataWarning", "fit", "gd_step", "smoothness_constant"]

METHODS = ("gd", "newton", "newton-cg")
DEFAULT_MAX_ITER = {"gd": 10_000, "newton": 100, "newton-cg": 100}


class SeparableDataWarning(UserWarning):
    """The data are linearly separable and ``l2 = 0``: no finite minimizer exists."""


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    w : ndarray of shape (n_features,)
        Final weights.
    loss : float
        Objective at ``w`` (mean log-loss + l2/2 ||w||^2).
    grad_norm : float
        Euclidean norm of the objective's gradient at ``w``.
    n_iter : int
        Iterations taken (updates of ``w``).
    converged : bool
        True only if ``grad_norm <= tol``.
    history : dict of ndarray
        ``"loss"``, ``"grad_norm"`` and ``"time"`` (seconds since the start) at every
        iterate, the starting point included, so each has ``n_iter + 1`` entries.
    method : str
    message : str
        Why the solver stopped.
    intercept : float
        The fitted intercept ``b`` (0.0 unless ``fit(..., fit_intercept=True)``);
        predictions are ``sigmoid(X @ w + intercept)``.
    """

    w: np.ndarray
    loss: float
    grad_norm: float
    n_iter: int
    converged: bool
    history: dict = field(repr=False)
    method: str = "newton"
    message: str = ""
    intercept: float = 0.0


def smoothness_constant(X, l2=0.0) -> float:
    """``L = lambda_max(X^T X) / (4 n) + l2``: an upper bound on the Hessian's eigenvalues.

    Uses the exact largest eigenvalue of the d-by-d Gram matrix for d <= 2000 and the
    Frobenius bound ``||X||_F^2 >= lambda_max`` above that (still safe, less tight).
    """
    X = as_matrix(X)
    l2 = as_nonnegative_float(l2, "l2")
    n, d = X.shape
    if d <= 2000:
        lam_max = float(np.linalg.eigvalsh(X.T @ X)[-1])
    else:
        lam_max = float(np.einsum("ij,ij->", X, X))
    if not np.isfinite(lam_max):
        diagnose_nonfinite(X)
    return lam_max / (4.0 * n) + l2


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


class _Problem:
    """The objective ``mean loss + l2/2 ||w||^2`` on top of four sums over examples.

    Subclasses say where the rows live by implementing the sums; everything the solvers
    do with them (means, the penalty, the line search, CG) is written once, here and
    below.
    :class:`_LocalProblem` keeps the rows in one array; :mod:`logreg.distributed` keeps them
    in blocks on a Dask cluster.
    """

    n: int
    l2: float
    #: per-coordinate penalty: ``l2`` (a float), or a vector with 0 for an unpenalized
    #: intercept column
    pen: float | np.ndarray

    # --- sums over examples (subclasses)
    # -------------------------------------------------
    def sums(self, w, *, hess: bool, keep_weights: bool):
        """``(loss_sum, grad_sum, max_t, hess_sum or None)`` at ``w``; remember ``z = X w``
        (and the Hessian weights when ``keep_weights``) for the calls below."""
        raise NotImplementedError

    def hvp_sum(self, v):
        """``X^T (h * (X v))`` with the weights kept by the last ``sums``."""
        raise NotImplementedError

    def set_direction(self, p):
        """Compute and keep ``X p`` for the line search."""
        raise NotImplementedError

    def loss_sum_along(self, alpha):
        """``sum_i softplus(t_i)`` at ``w + alpha p`` from the kept ``z`` and ``X p``."""
        raise NotImplementedError

    def diagnose(self, w):
        raise ValueError(
            "the objective is not finite at w; check the data for NaN or inf."
        )

    # --- the objective (shared)
    # ----------------------------------------------------------
    def evaluate(self, w, *, hess=False, keep_weights=False):
        loss_sum, grad_sum, max_t, H = self.sums(
            w, hess=hess, keep_weights=keep_weights
        )
        n, pen = self.n, self.pen
        loss = loss_sum / n + 0.5 * float(w @ (pen * w))
        grad = grad_sum / n + pen * w
        if H is not None:
            H = H / n
            H[np.diag_indices_from(H)] += pen
        if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
            self.diagnose(w)
        return loss, grad, max_t, H

    def hess_vec(self, v):
        return self.hvp_sum(v) / self.n + self.pen * v

    def along(self, w, p, alpha):
        w_new = w + alpha * p
        return self.loss_sum_along(alpha) / self.n + 0.5 * float(
            w_new @ (self.pen * w_new)
        )


class _LocalProblem(_Problem):
    """Rows in one in-memory array; each sum is one blocked pass (:mod:`logreg._kernel`)."""

    def __init__(self, X, y, l2, pen=None):
        self.X, self.y, self.l2 = X, y, l2
        self.pen = l2 if pen is None else pen
        self.n = X.shape[0]
        self.s = 1.0 - 2.0 * y
        self.z = np.empty(self.n)
        self.tmp = np.empty(self.n)
        self.h = None
        self.Xp = None

    def sums(self, w, *, hess, keep_weights):
        if keep_weights and self.h is None:
            self.h = np.empty(self.n)
        return _kernel.full_pass(
            self.X,
            self.y,
            w,
            want_hess=hess,
            z_out=self.z,
            h_out=self.h if keep_weights else None,
        )

    def hvp_sum(self, v):
        return _kernel.weighted_hvp_sum(self.X, self.h, v)

    def set_direction(self, p):
        self.Xp = self.X @ p

    def loss_sum_along(self, alpha):
        return _kernel.line_losses(self.z, self.Xp, self.s, alpha, self.tmp)

    def diagnose(self, w):
        diagnose_nonfinite(self.X, w=w)


def _armijo(obj, w, loss, grad, p, max_halvings=60):
    """Backtracking (Armijo) line search from ``alpha = 1``; ``(alpha, loss)`` or ``(None, loss)``.

    The trial losses reuse ``z = X w`` and ``X p``: one pass over X per line search,
    however many halvings it takes.
    """
    slope = float(grad @ p)
    if slope >= 0:
        return None, loss
    obj.set_direction(p)
    alpha = 1.0
    # accept steps whose decrease is lost in round-off (near the optimum)
    slack = 8 * np.finfo(float).eps * abs(loss)
    for _ in range(max_halvings):
        trial = obj.along(w, p, alpha)
        if trial <= loss + 1e-4 * alpha * slope + slack:
            return alpha, trial
        alpha *= 0.5
    return None, loss


def _newton_direction(H, grad):
    """Solve ``H p = -grad`` by Cholesky; add a small ridge if H is numerically singular."""
    shift = 0.0
    scale = max(float(np.trace(H)) / H.shape[0], np.finfo(float).tiny)
    for _ in range(20):
        try:
            c = cho_factor(
                H + shift * np.eye(H.shape[0]), lower=False, check_finite=False
            )
            return cho_solve(c, -grad, check_finite=False)
        except LinAlgError:
            shift = scale * 1e-12 if shift == 0.0 else shift * 100
    return -grad


def _cg_direction(obj, grad, max_cg):
    """Truncated conjugate gradients on ``H p = -grad``, using only Hessian-vector products.

    Stops when the residual is below ``eta * ||grad||`` with the forcing term ``eta =
    min(0.5, sqrt(||grad||))`` (superlinear convergence, Nocedal & Wright sec. 7.1), or
    when a direction of (numerically) zero curvature appears.
    """
    g_norm = float(np.linalg.norm(grad))
    tol = min(0.5, np.sqrt(g_norm)) * g_norm
    p = np.zeros_like(grad)
    r = -grad.copy()
    d = r.copy()
    rr = float(r @ r)
    for _ in range(max_cg):
        Hd = obj.hess_vec(d)
        curv = float(d @ Hd)
        if curv <= np.finfo(float).eps * float(d @ d):  # no positive curvature left
            break
        a = rr / curv
        p += a * d
        r -= a * Hd
        rr_new = float(r @ r)
        if np.sqrt(rr_new) <= tol:
            break
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p if np.any(p) else -grad


def fit(
    X,
    y,
    *,
    method="newton",
    l2=0.0,
    tol=1e-8,
    max_iter=None,
    w0=None,
    fit_intercept=False,
    check_separation=None,
):
    """Minimize mean log-loss + (l2/2)||w||^2, optionally with an unpenalized intercept.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels 0 or 1.
    method : {"newton", "newton-cg", "gd"}, default "newton"
    l2 : float, default 0
        Ridge strength; scikit-learn's ``C`` corresponds to ``1 / (l2 * n_samples)``.
    tol : float, default 1e-8
        Stop when the gradient's Euclidean norm is at most ``tol``.
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

    Returns
    -------
    FitResult

    Warns
    -----
    SeparableDataWarning
        If ``l2 = 0`` and no minimizer exists: an iterate separates the data (complete
        separation, detected for free at every iterate), or :func:`logreg.separation`
        finds complete or quasi-complete separation (see ``check_separation``).
        ``converged`` is then False: it is True only when the gradient norm is at most
        ``tol`` *and* a minimizer exists (or was not checked, on large unpenalized
        problems; the message then says so).
    """
    if method not in METHODS:
        raise ValueError(
            f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
        )
    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    l2 = as_nonnegative_float(l2, "l2")
    tol = as_positive_float(tol, "tol")
    if max_iter is None:
        max_iter = DEFAULT_MAX_ITER[method]
    if (
        isinstance(max_iter, bool)
        or not isinstance(max_iter, (int, np.integer))
        or max_iter < 0
    ):
        raise ValueError(f"max_iter must be a non-negative integer; got {max_iter!r}.")
    w = np.zeros(d) if w0 is None else as_vector(w0, d, "w0").copy()

    if check_separation not in (None, True, False):
        raise TypeError(
            f"check_separation must be None, True or False; got {check_separation!r}."
        )
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be True or False; got {fit_intercept!r}.")
    pen = None
    if fit_intercept:
        if y.min() == y.max():
            raise ValueError(
                f"y contains only the label {int(y[0])}: with an intercept the loss keeps "
                "decreasing as b -> infinity, so there is no minimizer. Need both classes."
            )
        X = np.column_stack([X, np.ones(n)])
        w = np.r_[w, 0.0]
        pen = np.r_[np.full(d, l2), 0.0]
    step = 1.0 / smoothness_constant(X, l2) if method == "gd" else None
    result = _minimize(_LocalProblem(X, y, l2, pen), method, w, tol, max_iter, step)
    if l2 == 0.0 and not result.message.startswith(_SEPARABLE):
        _check_quasi_separation(X, y, result, check_separation)
    if fit_intercept:
        result.intercept = float(result.w[-1])
        result.w = result.w[:-1]
    return result


#: |z| beyond which an example's loss term is below 3.1e-7: a fit that drives examples
#: this far may be chasing a (quasi-)separating direction rather than approaching a
#: minimizer.
_SATURATED_LOGIT = 15.0
#: Size of X (entries) up to which an unpenalized fit always runs the separation LP.
_LP_AUTO_ENTRIES = 1_000_000
_SEPARABLE = "the data are linearly separable"


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


def _minimize(obj, method, w, tol, max_iter, step=None):
    """The solver loop, shared by :func:`fit` and the distributed fit."""
    l2, d = obj.l2, w.shape[0]
    max_cg = max(20, min(2 * d, 500))
    start = time.perf_counter()
    hist_loss, hist_gnorm, hist_time = [], [], []
    converged, message, separable = False, "", False
    n_iter = 0
    while True:
        loss, grad, max_t, H = obj.evaluate(
            w, hess=(method == "newton"), keep_weights=(method == "newton-cg")
        )
        g_norm = float(np.linalg.norm(grad))
        hist_loss.append(loss)
        hist_gnorm.append(g_norm)
        hist_time.append(time.perf_counter() - start)
        if g_norm <= tol:
            converged, message = True, f"gradient norm {g_norm:.3g} <= tol {tol:g}"
            break
        if l2 == 0.0 and max_t < 0:
            separable = True
            message = f"{_SEPARABLE}: no finite minimizer with l2 = 0"
            break
        if n_iter >= max_iter:
            message = f"reached max_iter = {max_iter} with gradient norm {g_norm:.3g} > tol {tol:g}"
            break
        if method == "gd":
            w = w - step * grad
        else:
            if method == "newton":
                p = _newton_direction(H, grad)
            else:
                p = _cg_direction(obj, grad, max_cg)
            alpha, _ = _armijo(obj, w, loss, grad, p)
            if alpha is None:
                message = (
                    f"line search found no decrease (gradient norm {g_norm:.3g}); "
                    "the objective is flat to round-off here"
                )
                break
            w = w + alpha * p
        n_iter += 1

    if separable:
        warnings.warn(
            "The data are linearly separable: the current w classifies every example correctly, "
            "so scaling it up lowers the loss toward 0 and the weights would grow without bound "
            "(no minimizer exists with l2=0). Returning the finite w found so far with "
            "converged=False. For a finite, unique solution set l2 > 0 (for example l2=1e-3); "
            "or stop early on purpose and use only the direction w / ||w||.",
            SeparableDataWarning,
            stacklevel=3,
        )
    history = {
        "loss": np.array(hist_loss),
        "grad_norm": np.array(hist_gnorm),
        "time": np.array(hist_time),
    }
    return FitResult(
        w=w,
        loss=hist_loss[-1],
        grad_norm=hist_gnorm[-1],
        n_iter=n_iter,
        converged=converged,
        history=history,
        method=method,
        message=message,
    )
