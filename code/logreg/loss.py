r"""Loss, gradient, Hessian-vector product and Hessian of L2-regularized logistic regression.

With ``X`` of shape (n, d), labels ``y`` in {0, 1} of shape (n,), weights ``w`` of shape
(d,), logits ``z = X @ w``, probabilities ``p = sigmoid(z)`` and ``lam = l2``::

    loss     = 1/n * sum_i [softplus(z_i) - y_i z_i] + lam/2 * ||w||^2
    gradient = 1/n * X.T @ (p - y) + lam * w                   shape (d,), the shape of w
    hvp      = 1/n * X.T @ (s * (X @ v)) + lam * v,   s = p (1 - p)
    hessian  = 1/n * X.T @ diag(s) @ X + lam * I               shape (d, d)

With sample weights ``c`` (``sample_weight``, shape (n,), non-negative, not all zero)
every mean over examples becomes a weighted mean, ``1/n sum_i -> 1/W sum_i c_i`` with
``W = sum_i c_i``::

    loss     = 1/W * sum_i c_i [softplus(z_i) - y_i z_i] + lam/2 * ||w||^2
    gradient = 1/W * X.T @ (c * (p - y)) + lam * w
    hessian  = 1/W * X.T @ diag(c * s) @ X + lam * I

so integer weights give exactly the objective of the data set with row ``i`` repeated
``c_i`` times, and scaling every weight by the same factor changes nothing.

The loss is computed from the logits, never as ``log`` of a clipped probability; ``p -
y`` and ``p (1 - p)`` are computed without cancellation (see :mod:`logreg.stable`). The
sums over rows run block by block (:mod:`logreg._kernel`), so a call reads ``X`` once
and allocates no temporary of size n-by-d.
"""

from __future__ import annotations

import numpy as np

from . import _kernel
from ._validate import (
    _as_float,
    _asarray,
    as_labels,
    as_matrix,
    as_nonnegative_float,
    as_vector,
    diagnose_nonfinite,
)
from .stable import per_example_loss, softplus

# Overflow and invalid operations are not warned about: results are checked, then diagnosed.
_quiet = np.errstate(over="ignore", invalid="ignore")

__all__ = [
    "bce_loss",
    "bce_with_logits",
    "logreg_loss",
    "logreg_loss_and_grad",
    "hvp",
    "hessian",
]


def _mean_of_terms(terms: np.ndarray) -> float:
    with np.errstate(over="ignore"):
        total = terms.sum()
    if np.isfinite(total):
        return float(total / terms.size)
    return float(np.sum(terms / terms.size))  # finite terms whose sum overflowed


def bce_loss(y, p, *, eps=1e-12):
    """Mean binary cross-entropy from *probabilities*, clipped to ``[eps, 1 - eps]``.

    Parameters
    ----------
    y : array_like of shape (n,)
        Labels, 0 or 1.
    p : array_like of shape (n,)
        Predicted probabilities, each in [0, 1].
    eps : float, default 1e-12
        Clipping level, positive and below 1/2.

    Returns
    -------
    float
        ``mean(-y log(p) - (1 - y) log(1 - p))`` on the clipped ``p``.

    Raises
    ------
    ValueError
        If ``y`` is not binary, ``p`` is outside [0, 1] or NaN, or the shapes differ.

    Notes
    -----
    Prefer :func:`bce_with_logits` whenever the logits are available. Clipping has two
    costs:

    * A confidently wrong example contributes at most ``-log(eps)`` (27.6 for
      ``eps=1e-12``) instead of its true loss, which grows like ``|z|``: the loss is
      biased low.
    * Once ``p`` is clipped, the loss no longer depends on ``z`` there, so its gradient
      with respect to ``z`` is 0 exactly where the example most needs correcting.

    And information is already lost before clipping: ``sigmoid(z)`` rounds to 1 for
    ``z > 36.7``, so ``1 - p`` cannot tell ``z = 40`` from ``z = 400``.
    """
    y = as_labels(y, name="y")
    p = _as_float(_asarray(p, "p"), "p")
    if p.shape != y.shape:
        raise ValueError(f"p must have the shape of y, {y.shape}; got {p.shape}.")
    if np.isnan(p).any() or (p < 0).any() or (p > 1).any():
        bad = p[np.isnan(p) | (p < 0) | (p > 1)]
        raise ValueError(
            f"p must hold probabilities in [0, 1]; got {bad.size} values outside, e.g. {bad[0]!r}. "
            "If these are logits, call bce_with_logits(y, z) instead."
        )
    if not (isinstance(eps, (int, float, np.floating)) and 0 < eps < 0.5):
        raise ValueError(f"eps must be a number in (0, 0.5); got {eps!r}.")
    p = np.clip(p, eps, 1.0 - eps)
    # log1p(-p) is accurate for small p, where log(1 - p) would round 1 - p first.
    terms = -np.where(y == 1, np.log(p), np.log1p(-p))
    return float(np.mean(terms))


def as_sample_weight(sample_weight, n: int):
    """Return ``sample_weight`` as a float64 vector of shape (n,), or None if it is None.

    Raises ``TypeError``/``ValueError`` unless it holds ``n`` finite, non-negative
    numbers that are not all zero.
    """
    if sample_weight is None:
        return None
    c = _as_float(_asarray(sample_weight, "sample_weight"), "sample_weight")
    if c.ndim != 1 or c.shape[0] != n:
        raise ValueError(
            f"sample_weight must have shape ({n},), one weight per example; "
            f"got shape {c.shape}."
        )
    bad = ~np.isfinite(c) | (c < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            "sample_weight must be non-negative and finite; "
            f"sample_weight[{i}] = {c[i]!r}."
        )
    total = c.sum()
    if not total > 0:
        raise ValueError(
            "sample_weight must not be all zero: the weighted mean 1/sum(c) * sum(c_i "
            "loss_i) is then undefined."
        )
    if not np.isfinite(total):
        raise ValueError(
            f"sample_weight sums to {total}, beyond the float64 range; divide the weights "
            "by a common factor (the objective does not change)."
        )
    return c


def _mean(terms: np.ndarray, c) -> float:
    if c is None:
        return _mean_of_terms(terms)
    W = c.sum()
    with np.errstate(over="ignore"):
        total = terms @ c
    if np.isfinite(total):
        return float(total / W)
    return float(np.sum((c / W) * terms))


def bce_with_logits(y, z, *, sample_weight=None):
    """Mean binary cross-entropy from *logits*: ``mean(softplus(z) - y z)``, the stable form.

    Parameters
    ----------
    y : array_like of shape (n,)
        Labels, 0 or 1.
    z : array_like of shape (n,)
        Logits (any finite values, up to about 1e308 in magnitude).
    sample_weight : array_like of shape (n,), optional
        Non-negative weights ``c``, not all zero: the result is then the weighted mean
        ``sum_i c_i l_i / sum_i c_i``.

    Returns
    -------
    float
        Each term is ``softplus(t)`` with ``t = z`` for ``y = 0`` and ``t = -z`` for ``y
        = 1`` (:func:`logreg.stable.per_example_loss`), so no ``log(1 - p)`` is ever
        formed.
    """
    y = as_labels(y, name="y")
    z = _as_float(_asarray(z, "z"), "z")
    if z.shape != y.shape:
        raise ValueError(f"z must have the shape of y, {y.shape}; got {z.shape}.")
    c = as_sample_weight(sample_weight, y.shape[0])
    return _mean(per_example_loss(y, z), c)


def _check_inputs(X, y, w, l2, sample_weight=None):
    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    w = as_vector(w, d, "w")
    l2 = as_nonnegative_float(l2, "l2")
    c = as_sample_weight(sample_weight, n)
    return X, y, w, l2, c


def _total(X, c) -> float:
    """The normalizer of the sums: ``n``, or the total weight ``W``."""
    return X.shape[0] if c is None else float(c.sum())


@_quiet
def logreg_loss_and_grad(X, y, w, *, l2=0.0, sample_weight=None):
    """Mean log-loss and its gradient, from logits, in one pass over ``X``.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels 0 or 1 (not -1/+1: map those with ``(y + 1) / 2``).
    w : array_like of shape (n_features,)
    l2 : float, default 0
        Ridge strength ``lam`` in ``loss + lam/2 ||w||^2``.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights ``c``, not all zero; the loss becomes the weighted mean
        ``sum_i c_i l_i / sum_i c_i`` (module docstring).

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_features,)
        ``X.T @ (p - y) / n + l2 * w``; the shape of ``w``.

    Raises
    ------
    ValueError, TypeError
        On bad shapes, labels, non-finite ``w`` or ``l2``, and (diagnosed after the
        fact) on NaN or inf in ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[1.0, 2.0], [3.0, -1.0]]); y = np.array([1, 0])
    >>> loss, grad = logreg_loss_and_grad(X, y, np.zeros(2))
    >>> round(loss, 12) == round(np.log(2), 12), grad.shape
    (True, (2,))
    """
    X, y, w, l2, c = _check_inputs(X, y, w, l2, sample_weight)
    n = _total(X, c)
    loss_sum, grad_sum, _, _ = _kernel.loss_grad_sums(
        X, y, w, c=c, want_max=(False, False)
    )
    grad = grad_sum / n
    loss = loss_sum / n
    if not np.isfinite(loss) and np.all(np.isfinite(grad)):
        loss = _kernel.careful_loss_mean(X, y, w, c)
    if l2:
        loss += 0.5 * l2 * float(w @ w)
        grad += l2 * w
    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
        diagnose_nonfinite(X, w=w)
    return float(loss), grad


@_quiet
def logreg_loss(X, y, w, *, l2=0.0, sample_weight=None):
    """Mean log-loss only; accepts a complex ``w`` for complex-step differentiation.

    For real ``w`` this is ``logreg_loss_and_grad(X, y, w, l2=l2,
    sample_weight=sample_weight)[0]`` without the gradient's pass. For complex ``w`` it evaluates the same formula with every
    operation analytic (branches chosen by the real part, ``w @ w`` not ``|w|^2``), so
    that ``Im(loss(w + i h e_j)) / h`` is the j-th partial derivative.
    """
    X = as_matrix(X)
    n, d = X.shape
    y = as_labels(y, n)
    w = as_vector(w, d, "w", allow_complex=True)
    l2 = as_nonnegative_float(l2, "l2")
    c = as_sample_weight(sample_weight, n)
    if w.dtype.kind == "c":
        t = (1.0 - 2.0 * y) * (X @ w)
        terms = softplus(t)
        mean = np.mean(terms) if c is None else (terms @ c) / c.sum()
        return mean + 0.5 * l2 * (w @ w)
    loss_sum, _, _, max_abs_z = _kernel.loss_grad_sums(X, y, w, want_grad=False, c=c)
    if not np.isfinite(max_abs_z):
        diagnose_nonfinite(X, w=w)
    loss = loss_sum / _total(X, c)
    if not np.isfinite(loss):
        loss = _kernel.careful_loss_mean(X, y, w, c)
    loss += 0.5 * l2 * float(w @ w)
    if not np.isfinite(loss):
        diagnose_nonfinite(X, w=w)
    return float(loss)


@_quiet
def hvp(X, y, w, v, *, l2=0.0, sample_weight=None):
    """Hessian-vector product ``H v`` without forming ``H``: O(n d) time, O(d) extra memory.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels 0 or 1. (The Hessian does not depend on ``y``; it is validated for a
        uniform API.)
    w : array_like of shape (n_features,)
        Point at which the Hessian is taken.
    v : array_like of shape (n_features,)
        Direction.
    l2 : float, default 0
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights ``c``: ``s`` becomes ``c * s`` and ``n`` becomes
        ``sum(c)``.

    Returns
    -------
    ndarray of shape (n_features,)
        ``X.T @ (s * (X @ v)) / n + l2 * v`` with ``s = p (1 - p)`` computed as
        ``e / (1 + e)**2``, ``e = exp(-|z|)``.
    """
    X, y, w, l2, c = _check_inputs(X, y, w, l2, sample_weight)
    v = as_vector(v, X.shape[1], "v")
    out = _kernel.hvp_sum(X, y, w, v, c) / _total(X, c)
    if l2:
        out += l2 * v
    if not np.all(np.isfinite(out)):
        diagnose_nonfinite(X, w=w, v=v)
    return out


@_quiet
def hessian(X, y, w, *, l2=0.0, sample_weight=None):
    """The explicit Hessian ``X.T @ diag(s) @ X / n + l2 I`` (d-by-d; for small d and checks).

    Costs O(n d^2) time and O(d^2) memory; prefer :func:`hvp` inside iterative solvers.
    Accumulated block by block with NumPy's ``A.T @ A`` (a symmetric rank-k update in
    its BLAS) and symmetrized, so the result is exactly symmetric. With
    ``sample_weight`` ``c``: ``X.T @ diag(c * s) @ X / sum(c) + l2 I``.
    """
    X, y, w, l2, c = _check_inputs(X, y, w, l2, sample_weight)
    H = _kernel.hessian_sum(X, y, w, c) / _total(X, c)
    if l2:
        H[np.diag_indices_from(H)] += l2
    if not np.all(np.isfinite(H)):
        diagnose_nonfinite(X, w=w)
    return H
