r"""Multinomial (softmax) logistic regression: K classes, one weight column per class.

With ``X`` of shape (n, d), integer labels ``y`` in 0..K-1 of shape (n,), weights ``W``
of shape (d, K), logits ``Z = X @ W`` of shape (n, K), probabilities ``P = softmax(Z)``
row by row, one-hot labels ``Y`` (n, K) and ``lam = l2``::

    loss     = 1/n * sum_i [logsumexp(Z_i) - Z_{i, y_i}] + lam/2 * ||W||_F^2
    gradient = 1/n * X.T @ (P - Y) + lam * W                  shape (d, K), like W
    hvp      = 1/n * X.T @ (P * (U - rowsum(P * U))) + lam * V,      U = X @ V
    hessian  = 1/n * sum_i (x_i x_i^T) kron (diag(p_i) - p_i p_i^T) + lam * I   (dK, dK)

**Vectorization.** The Hessian acts on ``vec(W) = W.ravel()`` (row-major, C order):
entry ``j*K + k`` is ``W[j, k]``, feature index outer, class index inner, which is why
``x x^T`` is the first Kronecker factor. (With the column-major ``vec`` of most
textbooks, ``W.ravel(order="F")``, the factors swap: ``(diag(p) - p p^T) kron x x^T``.)

**Identifiability.** Adding one vector ``a`` to every column of ``W`` (``W + a 1^T``)
adds ``x^T a`` to every logit of a row and changes no probability, so with ``lam = 0``
the Hessian has the null directions ``vec(a 1^T)`` and the minimizer, if any, is a whole
affine set. The gradient is orthogonal to those directions (each row of ``P - Y`` sums
to 0), so Newton and CG steps from a centred start stay centred. :func:`fit` returns the
centred representative, whose rows of ``W`` (and intercepts) sum to 0 over the classes:
scikit-learn's "symmetric" parametrization. With ``lam > 0`` the penalty picks it
anyway.

**Numerics.** Each row is shifted by its largest logit ``Z[i, a_i]``, so that ``E =
exp(Z - Z[i, a_i])`` lies in [0, 1] with ``E[i, a_i] = 1``. With ``rest_i`` the sum of
the other entries of ``E``, ``logsumexp(Z_i) = Z[i, a_i] + log1p(rest_i)``: no overflow,
and no ``log(1 + tiny)`` that rounds the small probabilities away. The per-example loss
is ``log1p(rest_i) - (Z[i, y_i] - Z[i, a_i])``, a sum of two non-negative terms, and
``p_y - 1`` is computed as ``-rest / (1 + rest)`` when ``y`` is the top class, so ``P -
Y`` has no cancellation either.

The sums over rows run block by block (row blocks of about ``_kernel.BLOCK_BYTES`` of
``X``), so a call reads ``X`` once and allocates nothing of size n-by-d; the solver
keeps the n-by-K logits and probabilities that the line search and CG need.
"""

from __future__ import annotations

import numpy as np

from . import _kernel
from ._solver import DEFAULT_MAX_ITER, _minimize, _Problem
from ._validate import (
    as_max_iter,
    _as_float,
    _asarray,
    as_matrix,
    as_nonnegative_float,
    as_positive_float,
    diagnose_nonfinite,
)

__all__ = [
    "softmax",
    "log_softmax",
    "loss_and_grad",
    "hvp",
    "hessian",
    "predict_proba",
    "smoothness_constant",
    "fit",
]

_quiet = np.errstate(over="ignore", invalid="ignore")
METHODS = ("newton-cg", "newton", "gd")


# --- validation -------------------------------------------------------------------


def _as_logit_array(Z, name="Z"):
    Z = _as_float(_asarray(Z, name), name, allow_complex=True)
    if Z.ndim == 0:
        raise ValueError(
            f"{name} must have at least one axis (the classes); got a scalar."
        )
    if np.isnan(Z).any():
        raise ValueError(
            f"{name} must not contain NaN; got {int(np.isnan(Z).sum())} NaN entries."
        )
    return Z


def _as_class_labels(y, n, n_classes=None, name="y"):
    """Integer labels of shape (n,), each in 0..n_classes-1 (any non-negative integer
    when ``n_classes`` is None), returned as an intp array."""
    y = _asarray(y, name)
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"{name} must hold integer class labels 0..K-1; got dtype {y.dtype}."
        )
    if y.ndim != 1:
        hint = " Pass y.ravel()." if y.ndim == 2 and 1 in y.shape else ""
        if y.ndim == 2 and y.shape[0] == n and y.shape[1] > 1:
            hint = " For one-hot labels Y pass Y.argmax(axis=1)."
        raise ValueError(
            f"{name} must be 1-D with shape (n_samples,); got shape {y.shape}.{hint}"
        )
    if y.shape[0] != n:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but X has {n} rows; they must match."
        )
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            raise ValueError(
                f"{name} must hold integer class labels 0..K-1; got the non-integer "
                f"value {y[bad][0]!r}."
            )
    if y.min() < 0:
        raise ValueError(
            f"{name} must hold class labels 0..K-1; got the negative label "
            f"{y.min():g}. Map the labels with np.unique(y, return_inverse=True)[1]."
        )
    if n_classes is not None and y.max() >= n_classes:
        raise ValueError(
            f"{name} must hold class labels 0..{n_classes - 1} (W has {n_classes} "
            f"columns, one per class); got the label {y.max():g}."
        )
    return y.astype(np.intp)


def _as_weights(W, d, name="W", n_classes=None):
    W = _as_float(_asarray(W, name), name)
    wrong_k = n_classes is not None and W.ndim == 2 and W.shape[1] != n_classes
    if W.ndim != 2 or W.shape[0] != d or wrong_k:
        k = "n_classes" if n_classes is None else str(n_classes)
        hint = (
            " For two classes with one weight vector use logreg.logreg_loss_and_grad."
            if W.ndim == 1
            else ""
        )
        raise ValueError(
            f"{name} must have shape (n_features, n_classes) = ({d}, {k}); got shape "
            f"{W.shape}.{hint}"
        )
    if W.shape[1] < 2:
        raise ValueError(
            f"{name} must have at least 2 columns (one per class); got shape {W.shape}."
        )
    if not np.all(np.isfinite(W)):
        i, k = (int(v) for v in np.argwhere(~np.isfinite(W))[0])
        raise ValueError(f"{name} must be finite; {name}[{i}, {k}] = {W[i, k]}.")
    return W


def _check(X, y, W, l2):
    X = as_matrix(X)
    W = _as_weights(W, X.shape[1])
    y = _as_class_labels(y, X.shape[0], W.shape[1])
    return X, y, W, as_nonnegative_float(l2, "l2")


# --- stable primitives ------------------------------------------------------------


def _shift_by_row_max(Z, axis):
    """``S = Z - Z[argmax]`` along ``axis`` (argmax of the real part) and the argmax."""
    a = np.expand_dims(np.argmax(Z.real, axis=axis), axis)
    with np.errstate(over="ignore"):  # -1e308 - 1e308 = -inf, whose exp is the right 0
        S = Z - np.take_along_axis(Z, a, axis=axis)
    return S, a


def log_softmax(Z, axis=-1):
    """``log softmax(Z)`` along ``axis``: ``Z - logsumexp(Z)``, without overflow.

    Parameters
    ----------
    Z : array_like of any shape with at least one axis
        Logits, real (any finite values, also of size 1e308) or complex.
    axis : int, default -1
        The class axis.

    Returns
    -------
    ndarray of the shape of Z
        ``S - log1p(rest)`` with ``S = Z - max(Z)`` along ``axis`` and ``rest`` the sum
        of ``exp(S)`` over the entries other than the largest one. Every entry is <= 0.

    Notes
    -----
    The shift makes every ``exp`` at most 1, so nothing overflows, and ``log1p(rest)``
    keeps the tiny probabilities that ``log(sum(exp(S)))`` would round away (it would
    compute ``log(1 + rest)`` after rounding ``1 + rest``). The shift is chosen by the
    real part only, so the function is complex-analytic and the complex-step derivative
    applies. Entries whose true value is below -1.8e308 come out as ``-inf``.
    """
    Z = _as_logit_array(Z)
    S, a = _shift_by_row_max(Z, axis)
    E = np.exp(S)
    np.put_along_axis(E, a, 0.0, axis=axis)  # leave the 1 of the top class out of rest
    rest = E.sum(axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        return S - np.log1p(rest)


def softmax(Z, axis=-1):
    """``exp(Z) / sum(exp(Z))`` along ``axis``, computed as ``exp(S) / (1 + rest)``.

    Parameters
    ----------
    Z : array_like of any shape with at least one axis
        Logits, real or complex (see :func:`log_softmax`).
    axis : int, default -1

    Returns
    -------
    ndarray of the shape of Z
        Probabilities in [0, 1] that sum to 1 along ``axis`` (up to round-off).
    """
    Z = _as_logit_array(Z)
    S, a = _shift_by_row_max(Z, axis)
    E = np.exp(S)
    top = np.take_along_axis(E, a, axis=axis)  # 1 for real Z
    np.put_along_axis(E, a, 0.0, axis=axis)
    rest = E.sum(axis=axis, keepdims=True)
    np.put_along_axis(E, a, top, axis=axis)
    return E / (top + rest)


# --- blocked sums over rows -------------------------------------------------------


def _logits(Xb, W, icpt, out=None):
    """``Xb @ W[:d] (+ W[d])``: the logits of a block, into ``out`` when given."""
    Z = np.matmul(Xb, W[:-1] if icpt else W, out=out)
    if icpt:
        Z += W[-1]
    return Z


def _rows_terms(Z, y, *, want_r, want_p, margin):
    """Softmax terms of a block of logits ``Z`` (m, K), which is overwritten.

    Returns ``(loss_sum, max_t, R, P)``: ``loss_sum`` of ``-log p_{i, y_i}``; ``max_t``
    the largest negated margin ``max_{k != y} z_k - z_y`` (below 0 only if every row is
    classified correctly; computed only when ``margin``); ``R = P - Y`` (in ``Z``'s
    memory) when ``want_r``; ``P`` when ``want_p`` (a copy if ``want_r``, else ``Z``
    itself).
    """
    m = Z.shape[0]
    rows = np.arange(m)
    a = Z.argmax(axis=1)
    Z -= Z[rows, a][:, None]  # S <= 0 and S[i, a_i] = 0 (an overflow here gives -inf)
    s_y = Z[rows, y].copy()  # S[i, y_i] <= 0
    top = a == y
    max_t = np.inf
    if margin:
        if top.all():  # every row correct: the margin is the gap to the runner-up
            Z[rows, a] = -np.inf
            max_t = float(Z.max(axis=1).max()) if Z.shape[1] > 1 else -np.inf
            Z[rows, a] = 0.0
        else:
            max_t = float(-s_y[~top].max())  # >= 0
    np.exp(Z, out=Z)  # E in [0, 1]
    Z[rows, a] = 0.0
    rest = Z.sum(axis=1)  # sum of E over the classes other than the top one
    Z[rows, a] = 1.0
    loss_sum = float(np.log1p(rest).sum() - s_y.sum())  # two sums of terms >= 0
    P = None
    if want_r or want_p:
        denom = 1.0 + rest
        Z /= denom[:, None]  # P
        if want_p:
            P = Z.copy() if want_r else Z
        if want_r:
            # p_y - 1: -rest / (1 + rest) when y is the top class (no cancellation);
            # otherwise p_y <= 1/2 and the subtraction is harmless.
            Z[rows, y] = np.where(top, -rest / denom, Z[rows, y] - 1.0)
    return loss_sum, max_t, (Z if want_r else None), P


def _add_hessian_block(H, Xa, P):
    """``H += sum_rows (x x^T) kron (diag(p) - p p^T)`` over the rows of ``Xa``.

    ``A.T @ A`` runs as NumPy's symmetric rank-k update (one BLAS library in the loop).
    """
    m, d1 = Xa.shape
    K = P.shape[1]
    for k in range(K):  # the block diagonal: (x x^T) p_k, one rank-m update per class
        A = Xa * np.sqrt(P[:, k])[:, None]
        H[k::K, k::K] += A.T @ A
    M = (Xa[:, :, None] * P[:, None, :]).reshape(m, d1 * K)  # row i: kron(x_i, p_i)
    H -= M.T @ M


@_quiet
def _pass(X, y, W, *, icpt=False, scale=1.0, Z_out=None, P_out=None, want_hess=False,
          margin=False):
    """One pass over ``X``: ``(loss_sum, grad_sum, max_t, hess_sum or None)``.

    ``W`` has shape (d + icpt, K); ``grad_sum`` has its shape. Each loss term is
    multiplied by ``scale`` before summing (``1/n`` when the plain sum of finite terms
    overflowed). The logits and probabilities are stored in ``Z_out`` and ``P_out`` when
    given.
    """
    n, d = X.shape
    K = W.shape[1]
    d1 = d + icpt
    step = _kernel.block_rows(d1 * K if want_hess else d)
    grad_sum = np.zeros((d1, K))
    H = np.zeros((d1 * K, d1 * K)) if want_hess else None
    Zbuf = np.empty((min(n, step), K))
    loss_sum, max_t = 0.0, -np.inf
    for blk in _kernel.row_blocks(n, d1 * K if want_hess else d):
        Xb = X[blk]
        Zb = _logits(Xb, W, icpt, out=Zbuf[: Xb.shape[0]])
        if Z_out is not None:
            Z_out[blk] = Zb
        want_p = want_hess or P_out is not None
        lb, mt, R, P = _rows_terms(
            Zb, y[blk], want_r=True, want_p=want_p, margin=margin
        )
        loss_sum += lb * scale
        max_t = max(max_t, mt)
        grad_sum[:d] += Xb.T @ R
        if icpt:
            grad_sum[d] += R.sum(axis=0)
        if P_out is not None:
            P_out[blk] = P
        if want_hess:
            Xa = np.column_stack([Xb, np.ones(Xb.shape[0])]) if icpt else Xb
            _add_hessian_block(H, Xa, P)
    return loss_sum, grad_sum, max_t, H


@_quiet
def _hvp_pass(X, V, *, icpt=False, W=None, P=None):
    """``sum_i (x_i x_i^T) kron (diag(p_i) - p_i p_i^T)`` times ``vec(V)``, as a (d1, K)
    array: ``X^T (P * (U - rowsum(P * U)))`` with ``U = X V``, one pass over ``X``.

    ``P`` (n, K) is the stored probabilities; without it they are computed from ``W``.
    """
    n, d = X.shape
    K = V.shape[1]
    out = np.zeros_like(V)
    Ubuf = np.empty((min(n, _kernel.block_rows(d)), K))
    Zbuf = np.empty_like(Ubuf) if P is None else None
    for blk in _kernel.row_blocks(n, d):
        Xb = X[blk]
        m = Xb.shape[0]
        if P is None:
            Pb = _logits(Xb, W, icpt, out=Zbuf[:m])  # P = exp(Z - max) / sum: no loss
            Pb -= Pb.max(axis=1, keepdims=True)  # is needed here, so no log1p either
            np.exp(Pb, out=Pb)
            Pb /= Pb.sum(axis=1, keepdims=True)
        else:
            Pb = P[blk]
        U = _logits(Xb, V, icpt, out=Ubuf[:m])
        U -= np.einsum("ik,ik->i", Pb, U)[:, None]
        U *= Pb
        out[:d] += Xb.T @ U
        if icpt:
            out[d] += U.sum(axis=0)
    return out


# --- public loss, gradient, Hessian -----------------------------------------------


def loss_and_grad(X, y, W, *, l2=0.0):
    """Mean multinomial cross-entropy plus ``(l2/2) ||W||_F^2``, and its gradient.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Integer class labels in 0..n_classes-1 (a class may have no examples here).
    W : array_like of shape (n_features, n_classes)
        One weight column per class; n_classes >= 2.
    l2 : float, default 0

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_features, n_classes)
        ``X.T @ (P - Y) / n + l2 * W``.

    Raises
    ------
    ValueError, TypeError
        Wrong shapes, labels outside 0..n_classes-1, non-finite ``W`` or ``X``.
    """
    X, y, W, l2 = _check(X, y, W, l2)
    n = X.shape[0]
    loss_sum, grad_sum, _, _ = _pass(X, y, W)
    loss = loss_sum / n
    if np.isinf(loss) and np.all(np.isfinite(grad_sum)):  # finite terms, sum overflowed
        loss = _pass(X, y, W, scale=1.0 / n)[0]
    grad = grad_sum / n
    if l2:
        loss += 0.5 * l2 * float(np.sum(W * W))
        grad += l2 * W
    if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
        diagnose_nonfinite(X)
    return float(loss), grad


def hvp(X, y, W, V, *, l2=0.0):
    """Hessian-vector product ``H vec(V)`` without forming the dK-by-dK Hessian.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Integer labels 0..n_classes-1 (the Hessian does not depend on them; validated
        for a uniform API).
    W : array_like of shape (n_features, n_classes)
        Point at which the Hessian is taken.
    V : array_like of shape (n_features, n_classes)
        Direction.
    l2 : float, default 0

    Returns
    -------
    ndarray of shape (n_features, n_classes)
        ``X.T @ (P * (U - rowsum(P * U))) / n + l2 * V`` with ``U = X @ V``; equal to
        ``(hessian(X, y, W, l2=l2) @ V.ravel()).reshape(V.shape)``. O(n d K) time.
    """
    X, y, W, l2 = _check(X, y, W, l2)
    V = _as_weights(V, X.shape[1], "V", W.shape[1])
    out = _hvp_pass(X, V, W=W) / X.shape[0] + l2 * V
    if not np.all(np.isfinite(out)):
        diagnose_nonfinite(X)
    return out


def hessian(X, y, W, *, l2=0.0):
    """The dK-by-dK Hessian ``1/n sum_i (x_i x_i^T) kron D(p_i) + l2 I``.

    ``D(p) = diag(p) - p p^T`` is the Hessian of the loss of one example in its logits.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Integer labels 0..n_classes-1 (validated; the Hessian does not depend on them).
    W : array_like of shape (n_features, n_classes)
    l2 : float, default 0

    Returns
    -------
    ndarray of shape (n_features * n_classes, n_features * n_classes)
        Ordered by ``vec(W) = W.ravel()``: row ``j*K + k`` belongs to ``W[j, k]``.
        Symmetric positive semidefinite; singular when ``l2 = 0`` (the null directions
        ``vec(a 1^T)``). O(n (dK)^2) time.
    """
    X, y, W, l2 = _check(X, y, W, l2)
    H = _pass(X, y, W, want_hess=True)[3] / X.shape[0]
    H[np.diag_indices_from(H)] += l2
    if not np.all(np.isfinite(H)):
        diagnose_nonfinite(X)
    return H


def predict_proba(X, W, intercept=None):
    """Class probabilities ``softmax(X @ W + intercept)``, shape (n_samples, n_classes).

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    W : array_like of shape (n_features, n_classes)
    intercept : array_like of shape (n_classes,), optional
    """
    X = as_matrix(X)
    W = _as_weights(W, X.shape[1])
    Z = X @ W
    if intercept is not None:
        b = _as_float(_asarray(intercept, "intercept"), "intercept")
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"intercept must have shape ({W.shape[1]},); got shape {b.shape}."
            )
        Z += b
    if not np.all(np.isfinite(Z)):
        diagnose_nonfinite(X)
    return softmax(Z)


def smoothness_constant(X, l2=0.0, *, fit_intercept=False) -> float:
    """``lambda_max(X^T X) / (2 n) + l2``: an upper bound on the Hessian's eigenvalues.

    Every ``diag(p) - p p^T`` has eigenvalues at most 1/2 (twice the binary model's
    1/4: the softmax weights enter the logits of two classes with opposite signs). With
    ``fit_intercept`` the Gram matrix of ``[X, 1]`` is used. For d > 2000 the Frobenius
    bound ``||X||_F^2 >= lambda_max`` replaces the eigenvalue (safe, less tight).
    """
    X = as_matrix(X)
    l2 = as_nonnegative_float(l2, "l2")
    n, d = X.shape
    if d > 2000:
        lam_max = float(np.einsum("ij,ij->", X, X)) + (n if fit_intercept else 0)
    else:
        G = X.T @ X
        if fit_intercept:
            s = X.sum(axis=0)
            G = np.block([[G, s[:, None]], [s[None, :], np.array([[float(n)]])]])
        lam_max = float(np.linalg.eigvalsh(G)[-1])
    if not np.isfinite(lam_max):
        diagnose_nonfinite(X)
    return lam_max / (2.0 * n) + l2


# --- the solver -------------------------------------------------------------------


def _centre_rows(G):
    """Subtract each row's mean over the classes, in place: the projection onto the
    complement of the null directions ``vec(a 1^T)``.

    The sums over examples ``X^T (P - Y)`` and ``X^T (P * (U - rowsum(P * U)))`` have
    rows that sum to 0 exactly (each row of ``P - Y`` does); in floating point they are
    off by round-off, which CG, seeing no curvature along ``vec(a 1^T)``, would amplify
    into a drift of ``W`` along the null directions. Removing it changes nothing else.
    """
    G -= G.mean(axis=1, keepdims=True)
    return G


class _SoftmaxProblem(_Problem):
    """The multinomial objective over ``w = vec(W')``, ``W'`` of shape (d + icpt, K).

    The solver loop (:func:`logreg._solver._minimize`) sees a flat vector of length ``(d
    + icpt) K``; ``pen`` is ``l2`` on the weights and 0 on an intercept row. The
    separation shortcut stays on: ``sums`` returns as ``max_t`` the largest *negated
    multiclass margin* ``max_{k != y_i} z_ik - z_{i y_i}``, which is below 0 exactly
    when ``W`` classifies every example correctly, and then ``c W`` lowers the loss
    towards 0 as ``c -> infinity``: with ``l2 = 0`` no minimizer exists, as in the
    binary model.
    """

    def __init__(self, X, y, K, l2, fit_intercept):
        self.X, self.y, self.K, self.l2 = X, y, K, l2
        self.n = X.shape[0]
        self.icpt = bool(fit_intercept)
        if self.icpt:
            pen = np.full((X.shape[1] + 1, K), l2)
            pen[-1] = 0.0  # the intercepts are not penalized
            self.pen = pen.ravel()
        else:
            self.pen = l2
        self.Z = np.empty((self.n, K))  # logits at w, for the line search
        self.P = None  # probabilities at w, for CG
        self.XP = None  # logits of the search direction

    def _W(self, w):
        return w.reshape(-1, self.K)

    def sums(self, w, *, hess, keep_weights):
        if keep_weights and self.P is None:
            self.P = np.empty((self.n, self.K))
        loss_sum, grad_sum, max_t, H = _pass(
            self.X, self.y, self._W(w), icpt=self.icpt, Z_out=self.Z,
            P_out=self.P if keep_weights else None, want_hess=hess,
            margin=(self.l2 == 0.0),
        )
        return loss_sum, _centre_rows(grad_sum).ravel(), max_t, H

    def hvp_sum(self, v):
        Hv = _hvp_pass(self.X, self._W(v), icpt=self.icpt, P=self.P)
        return _centre_rows(Hv).ravel()

    def set_direction(self, p):
        if self.XP is None:
            self.XP = np.empty((self.n, self.K))
        _logits(self.X, self._W(p), self.icpt, out=self.XP)

    @_quiet
    def loss_sum_along(self, alpha):
        total = 0.0
        buf = np.empty((min(self.n, _kernel.block_rows(self.K)), self.K))
        for blk in _kernel.row_blocks(self.n, self.K):
            Zb = buf[: blk.stop - blk.start]
            np.multiply(self.XP[blk], alpha, out=Zb)
            Zb += self.Z[blk]
            total += _rows_terms(Zb, self.y[blk], want_r=False, want_p=False,
                                 margin=False)[0]
        return total

    def diagnose(self, w):
        diagnose_nonfinite(self.X)


def fit(
    X,
    y,
    *,
    method="newton-cg",
    l2=0.0,
    tol=1e-8,
    max_iter=None,
    fit_intercept=False,
    w0=None,
):
    """Minimize mean multinomial cross-entropy + (l2/2)||W||_F^2.

    Parameters
    ----------
    X : array_like of shape (n_samples, n_features)
    y : array_like of shape (n_samples,)
        Integer labels 0..K-1, every class with at least one example, K >= 2.
    method : {"newton-cg", "newton", "gd"}, default "newton-cg"
        ``"newton"`` forms the (dK)-by-(dK) Hessian, O(n (dK)^2) per iteration;
        ``"newton-cg"`` uses only Hessian-vector products, O(n d K) per CG step;
        ``"gd"`` steps ``1 / smoothness_constant``.
    l2 : float, default 0
        Ridge strength on ``W`` (not on the intercepts); scikit-learn's ``C`` is
        ``1 / (l2 * n_samples)``.
    tol : float, default 1e-8
        Stop when the scale-free Newton decrement (``||g|| / sqrt(L)`` for ``"gd"``) is
        at most ``tol``; see :mod:`logreg._solver`.
    max_iter : int, optional
        Defaults: 10000 for "gd", 100 for the Newton methods.
    fit_intercept : bool, default False
        Fit ``Z = X W + 1 b^T`` with an unpenalized intercept per class (no copy of
        ``X``).
    w0 : array_like of shape (n_features, n_classes), optional
        Starting weights; zeros by default (the intercepts start at 0).

    Returns
    -------
    FitResult
        ``w`` of shape (n_features, n_classes), ``intercept`` of shape (n_classes,),
        both centred: with ``l2 = 0`` every row of ``w`` and the intercepts sum to 0
        over the classes (the minimizer is unique only up to ``W + a 1^T``); with ``l2 >
        0`` the intercepts do (``w`` already does at the optimum). Centring changes no
        probability, loss or gradient. ``history`` and ``decrement`` as in
        :func:`logreg.fit`.

    Warns
    -----
    SeparableDataWarning
        If ``l2 = 0`` and an iterate classifies every example correctly: no minimizer
        exists. Separation of only some classes (one class cut off from the others by a
        hyperplane while the rest overlap) and quasi-complete separation also leave no
        minimizer but are not detected: the weights then grow until the decrement is
        below ``tol``. Use ``l2 > 0`` unless the classes are known to overlap.
    """
    if method not in METHODS:
        raise ValueError(
            f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}."
        )
    X = as_matrix(X)
    n, d = X.shape
    y = _as_class_labels(y, n)
    K = int(y.max()) + 1
    counts = np.bincount(y, minlength=K)
    if K < 2:
        raise ValueError("y contains only the label 0; need at least two classes.")
    if (counts == 0).any():
        empty = np.flatnonzero(counts == 0)
        raise ValueError(
            f"class {int(empty[0])} has no examples (labels must be 0..K-1 with every "
            f"class present; got K = {K} from the largest label and {empty.size} empty "
            "classes). Its weights would go to -infinity. Relabel with "
            "np.unique(y, return_inverse=True)[1]."
        )
    l2 = as_nonnegative_float(l2, "l2")
    tol = as_positive_float(tol, "tol")
    max_iter = as_max_iter(max_iter, DEFAULT_MAX_ITER[method])
    if not isinstance(fit_intercept, (bool, np.bool_)):
        raise TypeError(f"fit_intercept must be True or False; got {fit_intercept!r}.")
    W = np.zeros((d + bool(fit_intercept), K))
    if w0 is not None:
        W[:d] = _as_weights(w0, d, "w0", K)
    step = None
    if method == "gd":
        step = 1.0 / smoothness_constant(X, l2, fit_intercept=bool(fit_intercept))
    problem = _SoftmaxProblem(X, y, K, l2, fit_intercept)
    result = _minimize(problem, method, W.ravel(), tol, max_iter, step)
    W = result.w.reshape(-1, K)
    if l2 == 0.0:
        W = W - W.mean(axis=1, keepdims=True)  # the centred representative
    elif fit_intercept:
        W[-1] -= W[-1].mean()
    result.w = W[:d].copy()
    result.intercept = W[d].copy() if fit_intercept else np.zeros(K)
    return result
