r"""Row-block engine: sums over examples, one pass over ``X``.

The loss, the gradient, the Hessian-vector product and the Hessian are all sums over
examples,

    loss_sum = sum_i c_i softplus(t_i),      t_i = (1 - 2 y_i) z_i,  z = X w
    grad_sum = X^T (c * r),                   r_i = p_i - y_i
    hvp_sum  = X^T (c * h * (X v)),           h_i = p_i (1 - p_i)
    hess_sum = X^T diag(c * h) X,

with sample weights ``c`` (argument ``c``, shape (n,)); ``c=None`` means every
``c_i = 1`` and skips the multiplications, so unweighted sums cost exactly what they did
before weights existed. With weights, each block costs one extra elementwise product
(and the loss sum two dot products instead of two sums): still one pass over ``X``.

so they are computed block of rows by block of rows. Each block of ``X`` (about
``BLOCK_BYTES``) is read from memory once and reused from cache for ``X_b @ w`` and for
``X_b^T @ r_b``; the elementwise work runs on small buffers that are reused across
blocks, so no n-length or n-by-d temporary is created. The helpers here return *sums*
(not means), so blocks computed anywhere (another thread, another machine) combine
exactly by addition.

``t_i = (1 - 2 y_i) z_i = -m_i`` is the *negated margin*: ``m_i = (2 y_i - 1) z_i`` is
the margin, positive when example ``i`` is classified correctly, so ``softplus(t_i)`` is
small for a confident correct prediction.

Inputs are trusted: the public functions in :mod:`logreg.loss` and
:mod:`logreg.optimize` validate them.
"""

from __future__ import annotations

import numpy as np

#: Bytes of X per row block: small enough that a block is still in cache (L2 or the shared
#: L3) for the second matrix-vector product, large enough that the Python overhead per
#: block is negligible. ``benchmarks/run.py`` sweeps it. On two 2-core AMD EPYC machines
#: (32 MiB L3; 2 MiB and 1 MiB of L2 per core) 4 MiB was the fastest size swept or within
#: a few percent of it, 1 MiB 10-20% slower, and 256 KiB or less 1.2-2x slower.
BLOCK_BYTES = 1 << 22

#: Non-finite inputs (inf * 0, overflowing products) must not warn here: the public
#: functions check the finiteness of the results and then say which input was at fault.
_quiet = np.errstate(over="ignore", invalid="ignore")


def block_rows(n_features: int) -> int:
    return max(64, BLOCK_BYTES // (8 * n_features))


def row_blocks(n: int, d: int):
    step = block_rows(d)
    for start in range(0, n, step):
        yield slice(start, min(start + step, n))


class Scratch:
    """Reusable per-block buffers (so the loop allocates nothing n-sized)."""

    def __init__(self, rows: int):
        self.z = np.empty(rows)
        self.s = np.empty(rows)
        self.e = np.empty(rows)
        self.tmp = np.empty(rows)

    def views(self, m: int):
        return self.z[:m], self.s[:m], self.e[:m], self.tmp[:m]


def label_signs(y, out):
    """``s = 1 - 2 y`` (+1 for label 0, -1 for label 1) into ``out``."""
    np.multiply(y, -2.0, out=out)
    out += 1.0
    return out


def margin_terms(
    t, e, tmp, s, *, want_r: bool, want_h: bool, c=None, want_max=(True, True)
):
    """From the negated margin ``t`` (overwritten): ``(loss_sum, max_t, max_abs_t)``.

    On return ``t`` holds ``r = p - y`` when ``want_r``, and ``e`` holds ``h = p (1 -
    p)`` when ``want_h``. ``s = 1 - 2y``. With block weights ``c`` the loss sum is
    weighted and ``r``, ``h`` come back multiplied by ``c``. ``want_max`` says which of
    the two maxima the caller uses (one that is not is returned as NaN, uncomputed).

    Every step is one NumPy pass over the block, without boolean masks: ``exp`` and
    ``log1p`` cost most, so the other passes are kept few and cheap.
    """
    max_t = t.max() if want_max[0] else np.nan
    np.abs(t, out=e)
    # inf or nan here means X or w was not finite
    max_abs_t = e.max() if want_max[1] else np.nan
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|t|) in [0, 1]: cannot overflow
    np.log1p(e, out=tmp)
    loss_sum = tmp.sum() if c is None else tmp @ c
    np.maximum(t, 0.0, out=tmp)
    # softplus(t) = max(t, 0) + log1p(e)
    loss_sum += tmp.sum() if c is None else tmp @ c
    if want_r:
        # sigmoid(t) = (1 if t >= 0 else e) / (1 + e), whose numerator is
        # max(e, [t >= 0]) as 0 <= e <= 1 (e underflows to 0 for |t| > 745): no mask,
        # and 1 - p is never formed by subtraction
        np.greater_equal(t, 0.0, out=tmp)  # 1.0 or 0.0
        np.maximum(tmp, e, out=t)
        np.add(e, 1.0, out=tmp)  # tmp = 1 + e
        np.divide(t, tmp, out=t)  # sigmoid(t)
        np.multiply(t, s, out=t)  # r = (1 - 2y) sigmoid(t) = p - y
        if c is not None:
            np.multiply(t, c, out=t)
    if want_h:
        if not want_r:
            np.add(e, 1.0, out=tmp)
        np.divide(e, tmp, out=e)
        np.divide(e, tmp, out=e)  # h = e / (1 + e)**2 = p (1 - p)
        if c is not None:
            np.multiply(e, c, out=e)
    return loss_sum, max_t, max_abs_t


@_quiet
def loss_grad_sums(X, y, w, *, want_grad: bool = True, c=None, want_max=(True, True)):
    """Return ``(loss_sum, grad_sum, max_t, max_abs_t)`` over all rows.

    ``grad_sum`` is None when not wanted; ``max_t`` is the largest negated margin (all
    negative: every example correctly classified) and ``max_abs_t`` the largest
    ``|z_i|`` (not finite when ``X`` or ``w`` was not); either is NaN when ``want_max``
    says the caller does not use it.
    """
    n, d = X.shape
    rows = min(n, block_rows(d))
    buf = Scratch(rows)
    loss_sum = 0.0
    max_t = -np.inf
    grad_sum = np.zeros(d) if want_grad else None
    max_abs_t = 0.0
    for blk in row_blocks(n, d):
        Xb = X[blk]
        m = Xb.shape[0]
        z, s, e, tmp = buf.views(m)
        np.matmul(Xb, w, out=z)
        label_signs(y[blk], out=s)
        np.multiply(z, s, out=z)  # t = (1 - 2y) z
        cb = None if c is None else c[blk]
        lb, mt, ma = margin_terms(
            z, e, tmp, s, want_r=want_grad, want_h=False, c=cb, want_max=want_max
        )
        loss_sum += lb
        max_t = max(max_t, mt)
        max_abs_t = max(max_abs_t, ma) if not np.isnan(ma) else np.nan
        if want_grad:
            grad_sum += Xb.T @ z
    if not want_max[0]:
        max_t = np.nan
    return loss_sum, grad_sum, max_t, max_abs_t


@_quiet
def careful_loss_mean(X, y, w, c=None):
    """Mean loss (weighted by ``c`` if given) with each term divided by n before summing.

    Only for the rare case where the plain sum of finite terms overflowed (logits near
    1e308): the mean of terms that are each below the float64 maximum is itself
    representable.
    """
    n = X.shape[0]
    total = 0.0
    for blk in row_blocks(n, X.shape[1]):
        t = (X[blk] @ w) * (1.0 - 2.0 * y[blk])
        terms = np.maximum(t, 0.0) / n + np.log1p(np.exp(-np.abs(t))) / n
        if c is not None:
            terms *= c[blk] * (n / c.sum())  # weighted mean: sum c_i l_i / sum c_i
        total += np.sum(terms)
    return float(total)


@_quiet
def hvp_sum(X, y, w, v, c=None):
    """Return ``X^T (c * h * (X v))`` with ``h = p (1 - p)`` at ``w``, in one pass over X."""
    n, d = X.shape
    rows = min(n, block_rows(d))
    buf = Scratch(rows)
    xv = np.empty(rows)
    out = np.zeros(d)
    for blk in row_blocks(n, d):
        Xb = X[blk]
        m = Xb.shape[0]
        z, s, e, tmp = buf.views(m)
        np.matmul(Xb, w, out=z)
        np.abs(z, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)
        np.add(e, 1.0, out=tmp)
        np.divide(e, tmp, out=e)
        np.divide(e, tmp, out=e)  # h = e / (1 + e)**2
        if c is not None:
            np.multiply(e, c[blk], out=e)
        xvb = xv[:m]
        np.matmul(Xb, v, out=xvb)
        np.multiply(xvb, e, out=xvb)
        out += Xb.T @ xvb
    return out


@_quiet
def weighted_hvp_sum(X, h, v, xv_out=None):
    """Return ``X^T (h * (X v))`` for stored Hessian weights ``h`` (one pass over X).

    ``xv_out`` (shape (n,)), if given, receives ``X v``: the solvers' conjugate gradients
    build ``X p`` from it for the line search.
    """
    n, d = X.shape
    rows = min(n, block_rows(d))
    xv = np.empty(rows)
    out = np.zeros(d)
    for blk in row_blocks(n, d):
        Xb = X[blk]
        xvb = xv[: Xb.shape[0]]
        np.matmul(Xb, v, out=xvb)
        if xv_out is not None:
            xv_out[blk] = xvb
        np.multiply(xvb, h[blk], out=xvb)
        out += Xb.T @ xvb
    return out


def _gram_update(H, Xb, sqrt_s, work):
    """H += (sqrt_s * Xb)^T (sqrt_s * Xb), through NumPy's own BLAS.

    NumPy recognises ``A.T @ A`` (one buffer, transposed) and calls its BLAS's symmetric
    rank-k update (SYRK), then mirrors the triangle. An earlier version called SciPy's
    ``dsyrk`` directly; SciPy links its own copy of OpenBLAS with its own thread pool, and
    alternating the two libraries in one loop made two pools contend for the cores. One
    BLAS library in the hot loop is fast on any machine.
    """
    np.multiply(Xb, sqrt_s[:, None], out=work)
    H += work.T @ work


@_quiet
def full_pass(X, y, w, *, want_hess: bool, z_out=None, h_out=None, c=None, s=None):
    """One pass over X at ``w``: loss sum, gradient sum, max negated margin and optionally the
    Hessian sum ``X^T diag(c h) X``, storing ``z`` and ``c h`` when asked.

    Used by the solvers, which keep ``z = X w`` for the line search and ``h`` for CG, and
    pass the label signs ``s = 1 - 2 y`` they keep (computed per block when None).
    """
    n, d = X.shape
    rows = min(n, block_rows(d))
    buf = Scratch(rows)
    work = np.empty((rows, d)) if want_hess else None
    H = np.zeros((d, d)) if want_hess else None
    grad_sum = np.zeros(d)
    loss_sum = 0.0
    max_t = -np.inf
    for blk in row_blocks(n, d):
        Xb = X[blk]
        m = Xb.shape[0]
        z, sb, e, tmp = buf.views(m)
        np.matmul(Xb, w, out=z)
        if z_out is not None:
            z_out[blk] = z
        if s is None:
            label_signs(y[blk], out=sb)
        else:
            sb = s[blk]
        np.multiply(z, sb, out=z)
        lb, mt, _ = margin_terms(
            z,
            e,
            tmp,
            sb,
            want_r=True,
            want_h=want_hess or h_out is not None,
            c=None if c is None else c[blk],
            want_max=(True, False),
        )
        loss_sum += lb
        max_t = max(max_t, mt)
        grad_sum += Xb.T @ z
        if h_out is not None:
            h_out[blk] = e
        if want_hess:
            np.sqrt(e, out=e)
            _gram_update(H, Xb, e, work[:m])
    if want_hess:
        H = 0.5 * (H + H.T)  # exactly symmetric, whatever the BLAS summation order
    return loss_sum, grad_sum, max_t, H


def hessian_sum(X, y, w, c=None):
    """Return the full symmetric ``X^T diag(c h) X`` at ``w``."""
    return full_pass(X, y, w, want_hess=True, c=c)[3]


#: Entries per block of the O(n) line-search loop: a few vectors of this length stay in
#: the fastest caches.
LINE_BLOCK = 4096


@_quiet
def line_losses(z, Xp, s, alpha, c=None):
    """Mean-free loss sum of ``c * softplus(s * (z + alpha Xp))`` (O(n), no pass over X).

    Block by block with small reused buffers (:func:`margin_terms`): no n-sized temporary.
    """
    n = z.shape[0]
    rows = min(n, LINE_BLOCK)
    t_buf, e_buf, tmp_buf = np.empty(rows), np.empty(rows), np.empty(rows)
    total = 0.0
    for start in range(0, n, rows):
        blk = slice(start, min(start + rows, n))
        m = blk.stop - blk.start
        t, e, tmp = t_buf[:m], e_buf[:m], tmp_buf[:m]
        np.multiply(Xp[blk], alpha, out=t)
        t += z[blk]
        t *= s[blk]
        cb = None if c is None else c[blk]
        total += margin_terms(
            t, e, tmp, s[blk], want_r=False, want_h=False, c=cb, want_max=(False, False)
        )[0]
    return total
