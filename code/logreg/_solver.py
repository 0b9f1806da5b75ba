r"""The solver loop shared by every model: line search, Newton and CG directions, stopping.

A model is a :class:`_Problem`: it supplies sums over examples (loss, gradient, Hessian,
Hessian-vector product, losses along a direction) and the per-coordinate penalty; the
functions here do everything else, once, for the binary model on one machine
(:mod:`logreg.optimize`), on a Dask cluster (:mod:`logreg.distributed`) and for other
models built on the same sums.

The stopping rule is scale-free. Newton's method stops when the **Newton decrement**

    lambda(w) = sqrt(g^T H^{-1} g),        g = grad L(w),  H = hess L(w),

is at most ``tol``. ``lambda^2 / 2`` is the decrease of the loss that the quadratic model
predicts for the full Newton step, and close to the optimum ``L(w) - L* ~ lambda^2 / 2``.
Unlike ``||g||`` it does not change when the features are expressed in other units
(``X -> X C`` with ``C`` invertible maps ``g -> C^T g`` and ``H -> C^T H C``, so
``g^T H^{-1} g`` is unchanged). It costs nothing: ``lambda^2 = -g^T p`` for the Newton
direction ``p``, which the solver computes anyway. Newton-CG uses the same quantity with
its inexact ``p`` (``-g^T p = p^T H p``: the decrement of the CG model, a slight
underestimate that vanishes as CG's relative residual does). Gradient descent has no
Hessian; it uses the same formula with ``H`` replaced by its bound ``L I``:
``||g|| / sqrt(L)``, also unchanged by a change of units.

**The L1 penalty** ``sum_j l1_j |w_j|`` (per coordinate: ``l1``, 0 for an intercept) is
not differentiable at 0, so it has no gradient or Hessian to hand to the methods above.
``"fista"`` (accelerated proximal gradient; Beck and Teboulle, 2009) treats it exactly:
with ``f`` the smooth part (mean loss + L2) and ``L`` a curvature bound for ``f``,

    x_new = prox(y - grad f(y) / L),      prox(v)_j = sign(v_j) max(|v_j| - l1_j / L, 0)

(the soft threshold: exact zeros), from the extrapolated point ``y = x + beta (x -
x_prev)``. ``L`` is found by backtracking until ``f(x_new) <= f(y) + g^T (x_new - y) +
L/2 ||x_new - y||^2``, and halved at each restart while the predicted decrease is
well above round-off; the momentum restarts when it points
uphill, ``(y - x_new)^T (x_new - x) > 0`` (O'Donoghue and Candes, 2015). Its stopping
quantity is the prox-gradient mapping ``G = L (y - x_new)`` (``G = grad f`` where the
penalty is smooth; ``G = 0`` exactly at a minimizer) in the same metric as for ``"gd"``:
``||G|| / sqrt(L)``, in square-root nats like the Newton decrement, with
``F(y) - F(x_new) >= ||G||^2 / (2 L)``. The loop stops only when this holds at an
iterate itself (no momentum), so the returned ``w`` is the point measured. Cost per
iteration: one pass for ``f`` and ``grad f`` at ``y`` and one product ``X p`` per
backtracking trial.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.linalg import LinAlgError, cho_factor, cho_solve

METHODS = ("gd", "newton", "newton-cg", "fista")
DEFAULT_MAX_ITER = {"gd": 10_000, "newton": 100, "newton-cg": 100, "fista": 10_000}
#: the methods that accept an L1 penalty
L1_METHODS = ("fista",)
_SEPARABLE = "the data are linearly separable"


class SeparableDataWarning(UserWarning):
    """The data are linearly separable and ``l2 = 0``: no finite minimizer exists."""


@dataclass
class FitResult:
    """What :func:`logreg.fit` returns.

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
        True only if the stopping quantity ``decrement`` is at most ``tol`` (and, for
        unpenalized fits, a minimizer exists: see :func:`logreg.fit`).
    history : dict of ndarray
        ``"loss"``, ``"grad_norm"``, ``"decrement"`` and ``"time"`` (seconds since the
        start) at every iterate, the starting point included, so each has ``n_iter + 1``
        entries.
    method : str
    message : str
        Why the solver stopped.
    intercept : float
        The fitted intercept ``b`` (0.0 unless ``fit(..., fit_intercept=True)``);
        predictions are ``sigmoid(X @ w + intercept)``.
    decrement : float
        The scale-free stopping quantity at ``w``: the Newton decrement
        ``sqrt(g^T H^{-1} g)`` for ``"newton"`` (with CG's inexact solve for
        ``"newton-cg"``), ``||g|| / sqrt(L)`` for ``"gd"``. ``decrement**2 / 2`` estimates
        how far the loss is above its minimum.
    covariance : ndarray of shape (k, k), read-only property
        The inverse of the Hessian of the *summed* objective at the returned weights
        (:func:`logreg.inference.covariance`), coordinates ``(w.ravel()..., intercept)``,
        intercept last; ``k = w.size`` (+ 1 with an intercept). Computed on first access
        (``O(n k^2 + k^3)``), then cached. Unpenalized: the Wald covariance of the
        maximum-likelihood estimate. With ``l2 > 0``: the Laplace-approximation posterior
        covariance under the prior ``N(0, I / (n l2))``, not the sampling covariance of
        an unbiased estimator. Warns with :class:`logreg.inference.InferenceWarning` if
        the fit did not converge and with :class:`logreg.inference.SingularHessianWarning`
        (infinite variances) if the Hessian is singular to working precision. Results
        of :func:`logreg.fit` provide it (not with ``l1 > 0`` or ``sample_weight``); a
        result that cannot (those, or the Dask fit's, whose rows are gone once it
        returns) raises ``ValueError`` saying why.
    standard_errors : ndarray of the shape of ``w``, read-only property
        ``sqrt`` of the diagonal of ``covariance`` for the weights.
    intercept_standard_error : float, read-only property
        The intercept's standard error; NaN when no intercept was fitted.
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
    decrement: float = float("nan")
    #: ``f(result) -> covariance``, attached by the fit that can compute it
    _covariance_fn: object = field(default=None, repr=False, compare=False)
    #: ``(covariance, [(message, category), ...])`` after the first access
    _covariance_cache: object = field(default=None, repr=False, compare=False)

    def _covariance(self):
        if self._covariance_fn is None:
            raise ValueError(
                "this result carries no covariance: the fit that produced it does not "
                "provide one (the Dask fit, for one, releases its rows when it returns). "
                "Compute it from the rows with logreg.inference.covariance(X, y, "
                "result.w, intercept=..., l2=...)."
            )
        if self._covariance_cache is None:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                cov = self._covariance_fn(self)
            self._covariance_cache = (cov, [(c.message, c.category) for c in caught])
        cov, caught = self._covariance_cache
        for message, category in caught:  # again at every access: never silent
            warnings.warn(message, category, stacklevel=3)
        return cov

    @property
    def covariance(self) -> np.ndarray:
        return self._covariance().copy()

    @property
    def standard_errors(self) -> np.ndarray:
        w = np.asarray(self.w)
        return np.sqrt(np.diag(self._covariance())[: w.size]).reshape(w.shape)

    @property
    def intercept_standard_error(self):
        w = np.asarray(self.w)
        rest = np.sqrt(np.diag(self._covariance())[w.size :])
        if rest.size == 0:
            return float("nan")
        return float(rest[0]) if rest.size == 1 else rest


class _Problem:
    """The objective ``mean loss + 1/2 w^T diag(pen) w`` on top of sums over examples.

    Subclasses say where the rows live by implementing the sums; everything the solvers
    do with them (means, the penalty, the line search, CG) is written once, here and
    below. :class:`logreg.optimize._LocalProblem` keeps the rows in one array;
    :mod:`logreg.distributed` keeps them in blocks on a Dask cluster.
    """

    #: the normalizer of the sums: the number of examples, or the total sample weight
    n: int | float
    l2: float
    #: per-coordinate L1 strength (``l1``, 0 for an unpenalized intercept); only the
    #: proximal method ``"fista"`` accepts a non-zero one
    l1_pen: float | np.ndarray = 0.0
    #: per-coordinate penalty: ``l2`` (a float), or a vector with 0 for an unpenalized
    #: intercept column
    pen: float | np.ndarray
    #: whether an iterate that classifies every example correctly proves that no minimizer
    #: exists (the binary model with no penalty)
    can_separate: bool = True

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

    def track_direction(self, p) -> bool:
        """Offer to build ``X p`` for the CG iterate ``p`` (updated in place, starting at 0)
        from the products CG makes anyway, so that :meth:`set_direction` needs no pass
        over X. Return True if :meth:`add_to_direction` will be called for each update."""
        return False

    def add_to_direction(self, a):
        """``X p += a X d``, ``d`` the argument of the last :meth:`hess_vec`."""

    def loss_sum_along(self, alpha):
        """Sum of the loss terms at ``w + alpha p`` from the kept ``z`` and ``X p``."""
        raise NotImplementedError

    def logit_change(self, alpha):
        """An upper bound on ``max_i |alpha x_i^T p|`` for the last direction ``p``, which
        bounds how much the Hessian can shrink in the step (inf: no bound known, so the
        Newton loop never stops on an old Hessian)."""
        return np.inf

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


#: Doublings tried beyond a first step ``alpha = 1`` that already satisfies Armijo.
MAX_DOUBLINGS = 2


def _armijo(obj, w, loss, grad, p, max_halvings=60, max_doublings=MAX_DOUBLINGS):
    """Backtracking (Armijo) line search from ``alpha = 1``; ``(alpha, loss)`` or ``(None, loss)``.

    The trial losses reuse ``z = X w`` and ``X p``: at most one pass over X per line search
    (none when the solver already has ``X p``), however many trials it takes; each trial is
    O(n).

    If ``alpha = 1`` is accepted at once, the step is doubled (at most ``max_doublings``
    times) while that lowers the loss by more than round-off. Where the logits grow along
    the step, the weights ``p (1 - p)`` fall, the quadratic model overestimates the
    curvature and Newton's step stops short on its line: always from ``w = 0``, where
    every weight is at its maximum 1/4 (chapter 6). There the doubling saves whole
    iterations. Near the optimum the model is accurate and the doubled step overshoots
    (on a quadratic, ``alpha = 2`` returns to the starting loss), so the step stays 1 and
    Newton's quadratic convergence is untouched.
    """
    slope = float(grad @ p)
    if slope >= 0:
        return None, loss
    obj.set_direction(p)
    alpha = 1.0
    # accept steps whose decrease is lost in round-off (near the optimum)
    slack = 8 * np.finfo(float).eps * abs(loss)
    for k in range(max_halvings):
        trial = obj.along(w, p, alpha)
        if trial <= loss + 1e-4 * alpha * slope + slack:
            for _ in range(max_doublings if k == 0 else 0):
                longer = obj.along(w, p, 2 * alpha)
                if not longer < trial - slack:
                    break
                alpha, trial = 2 * alpha, longer
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


def _newton_step(obj, w, grad, H, H_prev, tol):
    """The Newton direction at ``w``, the Hessian it used, and ``nu^2``, the squared decrement.

    ``H`` is None when the last full step predicted convergence here: ``H_prev = (H_old,
    delta)`` holds the previous Hessian and the largest change of a logit in that step,
    ``delta = max_i |x_i^T (w - w_old)|``. Each Hessian weight ``s = p (1 - p)`` has
    ``|d log s / dz| < 1``, so ``H(w) >= exp(-delta) H_old`` in the Loewner order and

        nu(w)^2 = g^T H(w)^{-1} g <= exp(delta) g^T H_old^{-1} g.

    If that bound is already at most ``tol^2`` the fit stops on it (the bound is what is
    reported) without forming the Hessian at ``w``; otherwise ``H(w)`` is formed (one more
    pass over X). So the final check usually costs a gradient, not a Hessian.
    """
    if H is None:
        H_old, delta = H_prev
        p = _newton_direction(H_old, grad)
        bound = float(np.exp(delta)) * max(-float(grad @ p), 0.0)
        if bound <= tol * tol:
            return p, H_old, bound
        H = obj.evaluate(w, hess=True)[3]
    p = _newton_direction(H, grad)
    return p, H, max(-float(grad @ p), 0.0)


def _cg_direction(obj, grad, max_cg, g0_norm=None, certify=None):
    """Truncated conjugate gradients on ``H p = -grad``, using only Hessian-vector products.

    Stops when the residual is below ``eta ||grad||`` with the forcing term ``eta =
    min(0.5, sqrt(||grad|| / ||grad_0||))`` (``grad_0``: the gradient at the starting
    point, so the rule does not depend on the units of X; ``g0_norm=None`` takes ``grad``
    as the first gradient); then Newton-CG converges
    superlinearly, with order 1.5 (Nocedal & Wright, Theorem 7.2). Also stops when a
    direction of numerically zero curvature appears: ``d^T H d <= eps ||H d|| ||d||``, a
    test relative to the size of ``H`` (an absolute one would abort CG on a positive
    definite Hessian whenever the features are small).

    ``certify=(tol, mu)``, with ``mu > 0`` a lower bound on the eigenvalues of ``H`` (the
    smallest penalty), also stops CG as soon as the decrement is certified to be at most
    ``tol``: CG's iterates give ``lambda^2 = -grad^T p + r^T H^{-1} r`` with ``r^T H^{-1} r
    <= ||r||^2 / mu``. Near the optimum that ends the last, most expensive CG solve (the
    one whose step would not be taken) after a few products instead of many.
    """
    g_norm = float(np.linalg.norm(grad))
    if g0_norm is None:
        g0_norm = g_norm
    eta = min(0.5, np.sqrt(g_norm / g0_norm)) if g0_norm > 0 else 0.5
    tol = eta * g_norm
    eps = np.finfo(float).eps
    p = np.zeros_like(grad)
    # The package's problems build X p alongside p from the products X d below, which
    # saves the line search a pass over X (other objects need only hess_vec).
    tracked = isinstance(obj, _Problem) and obj.track_direction(p)
    r = -grad.copy()
    d = r.copy()
    rr = float(r @ r)
    for _ in range(max_cg):
        Hd = obj.hess_vec(d)
        curv = float(d @ Hd)
        if curv <= eps * float(np.linalg.norm(Hd)) * float(np.linalg.norm(d)):
            break  # no positive curvature left along d
        a = rr / curv
        p += a * d
        if tracked:
            obj.add_to_direction(a)
        r -= a * Hd
        rr_new = float(r @ r)
        if np.sqrt(rr_new) <= tol:
            break
        if certify and certify[1] > 0 and -float(grad @ p) + rr_new / certify[1] <= (
            certify[0] ** 2
        ):
            break  # lambda <= tol is certain: the fit stops here
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p if np.any(p) else -grad


def _minimize(obj, method, w, tol, max_iter, step=None):
    """The solver loop, shared by :func:`logreg.fit` and the distributed fit.

    Stops when the scale-free decrement (module docstring) is at most ``tol``; for
    ``"gd"``, ``step`` is ``1 / L`` and the decrement is ``||g|| sqrt(step)``; for
    ``"fista"`` (:func:`_minimize_prox`), ``step`` is the first trial ``1 / L`` (1 if
    None).
    """
    if method == "fista":
        return _minimize_prox(obj, w, tol, max_iter, step)
    if np.any(obj.l1_pen):
        raise ValueError(
            f"method {method!r} cannot handle an L1 penalty (it is not differentiable "
            f"at 0); use one of {', '.join(map(repr, L1_METHODS))}."
        )
    l2, d = obj.l2, w.shape[0]
    max_cg = max(20, min(2 * d, 500))
    start = time.perf_counter()
    hist_loss, hist_gnorm, hist_dec, hist_time = [], [], [], []
    converged, message, separable = False, "", False
    n_iter = 0
    g0_norm = None
    mu_lb = float(np.min(obj.pen))  # lambda_min(H) >= the smallest penalty
    H_prev = None  # the last full Newton step's Hessian, when it predicts convergence
    while True:
        loss, grad, max_t, H = obj.evaluate(
            w,
            hess=(method == "newton" and H_prev is None),
            keep_weights=(method == "newton-cg"),
        )
        g_norm = float(np.linalg.norm(grad))
        if g0_norm is None:
            g0_norm = g_norm
        if method == "gd":
            p = None
            dec = g_norm * np.sqrt(step)
        else:
            if method == "newton":
                p, H, dec_sq = _newton_step(obj, w, grad, H, H_prev, tol)
            else:
                p = _cg_direction(obj, grad, max_cg, g0_norm, certify=(tol, mu_lb))
                dec_sq = max(-float(grad @ p), 0.0)
            dec = float(np.sqrt(dec_sq))
        hist_loss.append(loss)
        hist_gnorm.append(g_norm)
        hist_dec.append(dec)
        hist_time.append(time.perf_counter() - start)
        separates = l2 == 0.0 and obj.can_separate and max_t < 0
        stop = _stop(dec, tol, True, separates, n_iter, max_iter)
        if stop:
            converged, separable, message = stop
            break
        if method == "gd":
            w = w - step * grad
        else:
            alpha, _ = _armijo(obj, w, loss, grad, p)
            if alpha is None:
                message = (
                    f"line search found no decrease (decrement {dec:.3g}); "
                    "the objective is flat to round-off here"
                )
                break
            w = w + alpha * p
            # after a full step with nu^2 <= tol, quadratic convergence (nu_new ~ nu^2)
            # predicts a stop: try the certified bound of _newton_step before forming H
            full = method == "newton" and alpha == 1.0 and dec * dec <= tol
            H_prev = (H, obj.logit_change(alpha)) if full else None
        n_iter += 1

    hist = (hist_loss, hist_gnorm, hist_dec, hist_time)
    return _finish(w, method, hist, n_iter, converged, message, separable)


def _stop(dec, tol, measured_at_iterate, separates, n_iter, max_iter):
    """``(converged, separable, message)`` if the loop must stop, else None."""
    if dec <= tol and measured_at_iterate:
        return True, False, f"decrement {dec:.3g} <= tol {tol:g}"
    if separates:
        return False, True, f"{_SEPARABLE}: no finite minimizer with l2 = 0"
    if n_iter >= max_iter:
        return False, False, (
            f"reached max_iter = {max_iter} with decrement {dec:.3g} > tol {tol:g}"
        )
    return None


def _finish(w, method, hist, n_iter, converged, message, separable):
    """The bookkeeping every loop ends with: the separation warning and the result."""
    hist_loss, hist_gnorm, hist_dec, hist_time = hist
    if separable:
        warnings.warn(
            "The data are linearly separable: the current w classifies every example correctly, "
            "so scaling it up lowers the loss toward 0 and the weights would grow without bound "
            "(no minimizer exists with l2=0). Returning the finite w found so far with "
            "converged=False. For a finite, unique solution set l2 > 0 (for example l2=1e-3); "
            "or stop early on purpose and use only the direction w / ||w||.",
            SeparableDataWarning,
            stacklevel=4,
        )
    history = {
        "loss": np.array(hist_loss),
        "grad_norm": np.array(hist_gnorm),
        "decrement": np.array(hist_dec),
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
        decrement=hist_dec[-1],
    )


def _minimize_prox(obj, w, tol, max_iter, step=None, max_doublings=60):
    """FISTA with backtracking and adaptive restart for ``f(w) + sum_j l1_j |w_j|``.

    ``f`` is the problem's smooth objective (:meth:`_Problem.evaluate`) and ``l1_j`` its
    ``l1_pen``; the method, its stopping quantity and its cost are in the module
    docstring. ``step`` is the first trial ``1 / L``. History entry ``k`` holds ``F`` at
    the iterate ``x_k`` and ``||G||``, ``||G|| / sqrt(L)`` at the point ``y_k`` where
    the gradient was taken (``y_k = x_k`` at the start and after each restart).
    """
    from .l1 import _soft_threshold

    thr = np.broadcast_to(np.asarray(obj.l1_pen, dtype=float), w.shape)
    smooth_only = not np.any(thr)
    L = 1.0 / step if step else 1.0
    start = time.perf_counter()
    hist_loss, hist_gnorm, hist_dec, hist_time = [], [], [], []
    converged, message, separable = False, "", False
    n_iter = 0
    x = y = w
    at_x, t, f_x = True, 1.0, None
    while True:
        f_y, g_y, max_t, _ = obj.evaluate(y)
        if at_x:
            f_x = f_y
        slack = 8 * np.finfo(float).eps * abs(f_y)  # decreases lost in round-off
        for _ in range(max_doublings):
            x_new = _soft_threshold(y - g_y / L, thr / L)
            p = x_new - y
            obj.set_direction(p)
            f_new = obj.along(y, p, 1.0)
            if f_new <= f_y + float(g_y @ p) + 0.5 * L * float(p @ p) + slack:
                break
            L *= 2.0
        else:
            f_new = None
        p_norm = float(np.linalg.norm(p))
        dec = np.sqrt(L) * p_norm  # ||G|| / sqrt(L), G = L (y - x_new)
        hist_loss.append(f_x + float(thr @ np.abs(x)))
        hist_gnorm.append(L * p_norm)
        hist_dec.append(dec)
        hist_time.append(time.perf_counter() - start)
        separates = smooth_only and obj.l2 == 0.0 and obj.can_separate and max_t < 0
        stop = _stop(dec, tol, at_x, separates, n_iter, max_iter)
        if stop:
            converged, separable, message = stop
            if separable:
                x = y  # the point that separates
            break
        if f_new is None:
            message = (
                f"backtracking found no step (decrement {dec:.3g}); "
                "the objective is flat to round-off here"
            )
            break
        restart = dec <= tol or float((y - x_new) @ (x_new - x)) > 0
        if restart:  # momentum off; the accelerated sequence starts over
            t = 1.0
            if 0.5 * dec * dec > 100 * slack:
                # try a smaller L (larger steps), but only while the test above can
                # still tell a decrease from round-off: near the optimum a too-small L
                # would pass it by the slack alone, and the iterates would wander
                L /= 2
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        beta = (t - 1.0) / t_new
        at_x = beta == 0.0
        y = x_new if at_x else x_new + beta * (x_new - x)
        x, t, f_x = x_new, t_new, f_new
        n_iter += 1

    hist = (hist_loss, hist_gnorm, hist_dec, hist_time)
    return _finish(x, "fista", hist, n_iter, converged, message, separable)
