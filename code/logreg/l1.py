r"""The L1 penalty: soft threshold, the smallest all-zero penalty, optimality residual.

The objective with both penalties (the elastic net) is

    F(w) = L(w) + l1 ||w||_1 + (l2/2) ||w||^2,     L(w) = mean log-loss (weighted if asked)

convex but not differentiable where some ``w_j = 0``. Its optimality (KKT) conditions
say that ``0`` is a subgradient: with ``g = grad (L + (l2/2) ||.||^2)`` at ``w``,

    g_j + l1 sign(w_j) = 0      where w_j != 0,
    |g_j| <= l1                 where w_j == 0,

and ``g_b = 0`` for an unpenalized intercept ``b``. The **soft threshold**
``S(v, a)_j = sign(v_j) max(|v_j| - a_j, 0)`` is the proximal map of ``a ||.||_1``; it
sets every ``|v_j| <= a_j`` exactly to 0, which is where the zeros come from.

**l1_max.** ``w = 0`` is optimal exactly when ``|g_j(0)| <= l1`` for every ``j``, so the
smallest penalty with an all-zero solution is ``l1_max = ||grad L(0)||_inf`` (``l2``
plays no part: its gradient vanishes at 0). Without an intercept every ``p_i = 1/2``
and ``grad L(0) = X^T c (1/2 - y) / W``. With an unpenalized intercept, ``b`` first
minimizes the loss alone: ``p_i = ybar``, the weighted mean of ``y``, and ``grad L(0) =
X^T c (ybar - y) / W`` (weights ``c``, ``W = sum c``; ``c = 1``, ``W = n`` without).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import (
    _as_float,
    _asarray,
    as_labels,
    as_matrix,
    as_nonnegative_float,
    as_vector,
)
from .loss import as_sample_weight, logreg_loss_and_grad

__all__ = ["soft_threshold", "l1_max", "kkt_residual"]


def _soft_threshold(v, thr):
    """``sign(v) max(|v| - thr, 0)``; trusted arrays, ``thr >= 0`` broadcastable."""
    return np.sign(v) * np.maximum(np.abs(v) - thr, 0.0)


def soft_threshold(v, threshold):
    """The soft threshold ``sign(v) * max(|v| - threshold, 0)``, entry by entry.

    It is the proximal map of ``threshold * |.|``: the minimizer over ``u`` of
    ``threshold * |u| + (u - v)^2 / 2``. Entries with ``|v| <= threshold`` become exactly
    0; the others move towards 0 by ``threshold``.

    Parameters
    ----------
    v : float or array_like
    threshold : float or array_like broadcastable to ``v``
        Non-negative and finite.

    Returns
    -------
    ndarray of the broadcast shape (a 0-d array for scalar input)
    """
    v = _as_float(_asarray(v, "v"), "v")
    thr = _as_float(_asarray(threshold, "threshold"), "threshold")
    if not np.all(np.isfinite(thr)) or np.any(thr < 0):
        raise ValueError(
            f"threshold must be non-negative and finite; got {threshold!r}."
        )
    return _soft_threshold(v, thr)


def _gradient_at_zero(X, y, fit_intercept, c):
    """``grad L(0)`` (weights only) with the intercept, if any, at its own optimum."""
    if fit_intercept:
        if c is None:
            ybar = float(y.mean())
        else:
            ybar = float(y @ c / c.sum())
        if not 0.0 < ybar < 1.0:
            raise ValueError(
                "with fit_intercept=True both classes need positive weight; got only "
                f"the label {int(round(ybar))}."
            )
        p0 = ybar
    else:
        p0 = 0.5
    r = p0 - y
    if c is None:
        return X.T @ r / X.shape[0]
    return X.T @ (c * r) / c.sum()


def l1_max(X, y, *, fit_intercept=False, sample_weight=None):
    """The smallest ``l1`` for which ``w = 0`` minimizes the L1-penalized objective.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Labels 0 or 1.
    fit_intercept : bool, default False
        With True, the intercept is unpenalized and sits at its own optimum
        ``logit(ybar)`` when ``w = 0``.
    sample_weight : array_like of shape (n_samples,), optional
        Non-negative weights, not all zero (the loss is their weighted mean).

    Returns
    -------
    float
        ``max_j |X[:, j]^T c (p0 - y)| / sum(c)`` with ``p0 = 1/2`` without intercept
        and ``p0 = ybar`` with one (module docstring). For every ``l1 >= l1_max`` the
        solution is ``w = 0`` whatever ``l2``; just below it, one coefficient leaves 0.
    """
    X = as_matrix(X)
    y = as_labels(y, X.shape[0])
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be True or False; got {fit_intercept!r}.")
    c = as_sample_weight(sample_weight, X.shape[0])
    g0 = _gradient_at_zero(X, y, fit_intercept, c)
    out = float(np.max(np.abs(g0)))
    if not np.isfinite(out):
        raise ValueError(f"X must be finite; l1_max came out as {out}.")
    return out


def kkt_residual(X, y, w, *, l1, l2=0.0, intercept=None, sample_weight=None):
    """How far ``w`` is from the optimality conditions, coordinate by coordinate.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
    w : array_like of shape (n_features,)
    l1 : float
        Non-negative L1 strength.
    l2 : float, default 0
    intercept : float, optional
        An unpenalized intercept ``b`` (logits ``X w + b``); None for none.
    sample_weight : array_like of shape (n_samples,), optional

    Returns
    -------
    ndarray of shape (n_features,), or (n_features + 1,) with an intercept (last)
        The smallest-norm element of the subdifferential ``dF(w)``: ``g_j + l1
        sign(w_j)`` where ``w_j != 0``, ``sign(g_j) max(|g_j| - l1, 0)`` where ``w_j =
        0``, and ``g_b`` for the intercept. It is 0 exactly at a minimizer; its
        entries are in the units of the gradient (compare them with ``l1``).
    """
    X = as_matrix(X)
    n, d = X.shape
    w = as_vector(w, d, "w")
    l1 = as_nonnegative_float(l1, "l1")
    if intercept is not None:
        if isinstance(intercept, (bool, np.bool_)) or not isinstance(
            intercept, numbers.Real
        ):
            raise TypeError(f"intercept must be a finite number; got {intercept!r}.")
        b = float(intercept)
        if not np.isfinite(b):
            raise ValueError(f"intercept must be finite; got {b!r}.")
        Xa = np.column_stack([X, np.ones(n)])
        l2_vec = np.r_[np.full(d, as_nonnegative_float(l2, "l2")), 0.0]
        _, g = logreg_loss_and_grad(Xa, y, np.r_[w, b], sample_weight=sample_weight)
        g = g + l2_vec * np.r_[w, b]
    else:
        _, g = logreg_loss_and_grad(X, y, w, l2=l2, sample_weight=sample_weight)
    gw = g[:d]
    res = np.where(w != 0, gw + l1 * np.sign(w), _soft_threshold(gw, l1))
    if intercept is not None:
        return np.r_[res, g[d]]
    return res
