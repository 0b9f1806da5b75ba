r"""Loss, gradient, HVP and Newton-CG with the rows on a Dask cluster.

``X`` is a ``dask.array`` chunked by rows only (every chunk holds all the columns) and
``y`` a 1-D array with the same row chunks. Each row block stays on the worker that
holds it; a task per block runs the *same* per-block sums as the single-machine package
(:mod:`logreg.blocks`, :mod:`logreg._kernel`) and sends back only what the sums need:

=====================  ==========================  ====================================
quantity               sent back per block          per
=====================  ==========================  ====================================
loss and gradient      1 float + d floats           iteration (GD, Newton, Newton-CG)
Hessian-vector product d floats                     CG step (Newton-CG)
Hessian                d x d floats                 iteration (Newton)
line-search loss       1 float                      trial step
=====================  ==========================  ====================================

The per-block state that later tasks need (``z = X_b w``, the Hessian weights ``h_b``
and ``X_b p``) is kept on the worker as the result of a task and referenced by its
future, so it never crosses the network. The solver loop is
:func:`logreg._solver._minimize`, shared with
:func:`logreg.fit`: only where the sums are computed differs.

On a real cluster nothing here changes; only the client does:
``Client("tcp://scheduler-host:8786")`` instead of ``Client(LocalCluster(...))``.
"""

from __future__ import annotations

import numpy as np

from . import _kernel
from ._validate import as_labels, as_nonnegative_float, as_positive_float, as_vector
from ._solver import DEFAULT_MAX_ITER, FitResult, _minimize, _Problem

__all__ = [
    "DaskProblem",
    "distributed_loss_and_grad",
    "distributed_hvp",
    "distributed_fit",
]


# --- tasks that run on the workers (module-level functions, so they pickle by
# reference) --


def _task_sums(Xb, yb, w, hess, keep_weights):
    """Validate this block's labels, then one pass: sums, and the state later tasks reuse."""
    Xb = np.asarray(Xb, dtype=np.float64)
    yb = as_labels(yb, Xb.shape[0])
    n_b = Xb.shape[0]
    z = np.empty(n_b)
    h = np.empty(n_b) if keep_weights else None
    loss_sum, grad_sum, max_t, H = _kernel.full_pass(
        Xb, yb, w, want_hess=hess, z_out=z, h_out=h
    )
    return {"sums": (loss_sum, grad_sum, max_t, H), "z": z, "h": h, "s": 1.0 - 2.0 * yb}


def _task_pick_sums(state):
    return state["sums"]


def _task_hvp_sum(Xb, state, v):
    return _kernel.weighted_hvp_sum(np.asarray(Xb, dtype=np.float64), state["h"], v)


def _task_hvp_at(Xb, yb, w, v):
    return _kernel.hvp_sum(np.asarray(Xb, dtype=np.float64), as_labels(yb), w, v)


def _task_direction(Xb, state, p):
    return {
        "z": state["z"],
        "s": state["s"],
        "Xp": np.asarray(Xb, dtype=np.float64) @ p,
    }


def _task_loss_along(line, alpha):
    tmp = np.empty_like(line["z"])
    return _kernel.line_losses(line["z"], line["Xp"], line["s"], alpha, tmp)


def _task_all_finite(Xb):
    return bool(np.isfinite(Xb).all())


# --- the client side
# ----------------------------------------------------------------------


def _get_client(client):
    if client is not None:
        return client
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        raise ValueError(
            "No Dask client: start one (client = Client(LocalCluster(n_workers=2))) or pass "
            "client=... explicitly."
        ) from None


def _row_blocks(X, y):
    """Validate the layout and return the lists of row blocks of X and y as futures' sources."""
    import dask.array as da

    if not isinstance(X, da.Array):
        raise TypeError(
            f"X must be a dask.array.Array chunked by rows; got {type(X).__name__}."
        )
    if X.ndim != 2:
        raise ValueError(
            f"X must be 2-D with shape (n_samples, n_features); got shape {X.shape}."
        )
    if X.numblocks[1] != 1:
        raise ValueError(
            f"X must be chunked by rows only (each chunk holding all {X.shape[1]} columns); "
            f"got column chunks {X.chunks[1]}. Rechunk with X.rechunk({{1: -1}})."
        )
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold real numbers; got dtype {X.dtype}.")
    if not isinstance(y, da.Array):
        y = da.from_array(np.asarray(y), chunks=(X.chunks[0],))
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D with shape (n_samples,); got shape {y.shape}.")
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but X has {X.shape[0]} rows; they must match."
        )
    if y.chunks[0] != X.chunks[0]:
        y = y.rechunk((X.chunks[0],))
    return list(X.to_delayed()[:, 0]), list(y.to_delayed())


class DaskProblem(_Problem):
    """The objective with its rows in blocks on a Dask cluster (see the module docstring)."""

    def __init__(self, X, y, l2=0.0, *, client=None):
        self.client = _get_client(client)
        x_blocks, y_blocks = _row_blocks(X, y)
        # Materialize the blocks on the workers once; every later task refers to them.
        self.X_blocks = self.client.compute(x_blocks)
        self.y_blocks = self.client.compute(y_blocks)
        self.n, self.d = X.shape
        self.l2 = as_nonnegative_float(l2, "l2")
        self.pen = self.l2
        self.states = None
        self.lines = None

    def close(self):
        """Release the blocks and the per-block state held on the workers."""
        for group in (
            self.X_blocks,
            self.y_blocks,
            self.states or [],
            self.lines or [],
        ):
            for fut in group:
                fut.release()
        self.states = self.lines = None

    def sums(self, w, *, hess, keep_weights):
        c = self.client
        self.states = [
            c.submit(_task_sums, xb, yb, w, hess, keep_weights, pure=False)
            for xb, yb in zip(self.X_blocks, self.y_blocks)
        ]
        parts = c.gather(
            [c.submit(_task_pick_sums, st, pure=False) for st in self.states]
        )
        loss_sum = sum(p[0] for p in parts)
        grad_sum = sum(p[1] for p in parts)
        max_t = max(p[2] for p in parts)
        H = None
        if hess:
            H = sum(p[3] for p in parts)
        return loss_sum, grad_sum, max_t, H

    def hvp_sum(self, v):
        c = self.client
        return sum(
            c.gather(
                [
                    c.submit(_task_hvp_sum, xb, st, v, pure=False)
                    for xb, st in zip(self.X_blocks, self.states)
                ]
            )
        )

    def set_direction(self, p):
        c = self.client
        self.lines = [
            c.submit(_task_direction, xb, st, p, pure=False)
            for xb, st in zip(self.X_blocks, self.states)
        ]

    def loss_sum_along(self, alpha):
        c = self.client
        return sum(
            c.gather(
                [c.submit(_task_loss_along, ln, alpha, pure=False) for ln in self.lines]
            )
        )

    def diagnose(self, w):
        c = self.client
        finite = c.gather(
            [c.submit(_task_all_finite, xb, pure=False) for xb in self.X_blocks]
        )
        if not all(finite):
            raise ValueError(
                f"X must be finite; row block {finite.index(False)} has NaN or infinite entries."
            )
        raise ValueError(
            "The result overflowed although X and w are finite: rescale X or use a smaller w."
        )


def distributed_loss_and_grad(X, y, w, *, l2=0.0, client=None):
    """Mean log-loss and gradient with the rows on a Dask cluster; equals
    :func:`logreg.logreg_loss_and_grad` up to the order of summation."""
    problem = DaskProblem(X, y, l2, client=client)
    try:
        w = as_vector(w, problem.d, "w")
        loss, grad, _, _ = problem.evaluate(w)
    finally:
        problem.close()
    return float(loss), grad


def distributed_hvp(X, y, w, v, *, l2=0.0, client=None):
    """Hessian-vector product with the rows on a Dask cluster (d floats sent per block)."""
    problem = DaskProblem(X, y, l2, client=client)
    try:
        w = as_vector(w, problem.d, "w")
        v = as_vector(v, problem.d, "v")
        c = problem.client
        parts = c.gather(
            [
                c.submit(_task_hvp_at, xb, yb, w, v, pure=False)
                for xb, yb in zip(problem.X_blocks, problem.y_blocks)
            ]
        )
        out = sum(parts) / problem.n + problem.pen * v
        if not np.isfinite(out).all():
            problem.diagnose(w)
    finally:
        problem.close()
    return out


def distributed_fit(
    X, y, *, method="newton-cg", l2=0.0, tol=1e-8, max_iter=None, w0=None, client=None
):
    """:func:`logreg.fit` with the rows on a Dask cluster: the same solver loop, the same
    result type.

    ``method="newton-cg"`` (default) ships O(d) per CG step; ``"newton"`` ships a d-by-d
    Hessian per block per iteration; ``"gd"`` is not offered here because its step needs
    lambda_max(X^T X), which would cost an extra distributed pass. With ``l2 = 0`` the
    free separation test of the solver loop runs (complete separation is detected and
    warned about), but not the linear program of :func:`logreg.separation`, which needs
    all rows in one place: prefer ``l2 > 0`` at this scale."""
    if method not in ("newton", "newton-cg"):
        raise ValueError(
            f"method must be 'newton' or 'newton-cg' for the distributed fit; got {method!r}."
        )
    tol = as_positive_float(tol, "tol")
    if max_iter is None:
        max_iter = DEFAULT_MAX_ITER[method]
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 0:
        raise ValueError(f"max_iter must be a non-negative integer; got {max_iter!r}.")
    problem = DaskProblem(X, y, l2, client=client)
    try:
        w = np.zeros(problem.d) if w0 is None else as_vector(w0, problem.d, "w0").copy()
        result: FitResult = _minimize(problem, method, w, tol, max_iter)
    finally:
        problem.close()
    return result
