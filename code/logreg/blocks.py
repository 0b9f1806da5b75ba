r"""Sums over a block of rows: the unit of work when the rows do not live in one array.

The loss, gradient, Hessian-vector product and Hessian are sums over examples, so for
rows split into blocks ``X = [X_1; X_2; ...]``::

    n L(w)        = sum_b loss_sum(X_b, y_b, w)                        (+ n l2/2 ||w||^2)
    n grad L(w)   = sum_b grad_sum(X_b, y_b, w)                        (+ n l2 w)
    n H(w) v      = sum_b X_b^T (h_b * (X_b v))                        (+ n l2 v)
    n H(w)        = sum_b X_b^T diag(h_b) X_b                          (+ n l2 I)

Each function here returns the *sum* over its block (never a mean), so blocks computed
anywhere combine exactly by addition, and the n that turns sums into means is applied
once, by whoever holds the total. They run the same kernel (:mod:`logreg._kernel`) as
the single-machine functions in :mod:`logreg.loss`: there is one implementation of the
maths.

What a block sends back: a float and a d-vector for the loss and gradient, a d-vector
for an HVP, a d-by-d matrix for the Hessian. That is the communication cost of
distributed gradient descent (O(d) per iteration), of Newton-CG (O(d) per CG step) and
of Newton (O(d^2)).
"""

from __future__ import annotations

import numpy as np

from . import _kernel
from ._validate import as_labels, as_matrix, as_vector, diagnose_nonfinite

__all__ = ["loss_grad_sums", "hvp_sums", "hessian_sums"]


def _inputs(X, y, w):
    X = as_matrix(X)
    y = as_labels(y, X.shape[0])
    w = as_vector(w, X.shape[1], "w")
    return X, y, w


def loss_grad_sums(X, y, w):
    """``(sum_i loss_i, X^T (p - y))`` over the rows of this block.

    Parameters
    ----------
    X : array_like of shape (n_block, n_features)
    y : array_like of shape (n_block,), labels 0 or 1
    w : array_like of shape (n_features,)

    Returns
    -------
    loss_sum : float
    grad_sum : ndarray of shape (n_features,)
    """
    X, y, w = _inputs(X, y, w)
    loss_sum, grad_sum, _, max_abs_z = _kernel.loss_grad_sums(X, y, w)
    if not (
        np.isfinite(loss_sum) and np.isfinite(max_abs_z) and np.isfinite(grad_sum).all()
    ):
        diagnose_nonfinite(X, w=w)
    return float(loss_sum), grad_sum


def hvp_sums(X, y, w, v):
    """``X^T (h * (X v))`` over the rows of this block, ``h = p (1 - p)`` at ``w``."""
    X, y, w = _inputs(X, y, w)
    v = as_vector(v, X.shape[1], "v")
    out = _kernel.hvp_sum(X, y, w, v)
    if not np.isfinite(out).all():
        diagnose_nonfinite(X, w=w, v=v)
    return out


def hessian_sums(X, y, w):
    """``X^T diag(h) X`` over the rows of this block (d-by-d, symmetric)."""
    X, y, w = _inputs(X, y, w)
    H = _kernel.hessian_sum(X, y, w)
    if not np.isfinite(H).all():
        diagnose_nonfinite(X, w=w)
    return H
