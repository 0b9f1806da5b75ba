r"""Loss, gradient, HVP and Newton-CG with the rows on a Dask cluster.

``X`` is a ``dask.array`` chunked by rows only (every chunk holds all the columns) and
``y`` a 1-D array with the same row chunks (or a NumPy vector). Each row block ``X_b``
stays on a worker that holds it, packed once with its labels ``y_b``; every task on
block b is pinned to that worker (``workers=[addr], allow_other_workers=False``), so
during a fit no block of X or y crosses the network. A task per block runs the *same*
per-block sums as the single-machine package (:mod:`logreg.blocks`,
:mod:`logreg._kernel`) and sends back only what the sums need:

=====================  ===========================  ====================================
quantity               sent back per block           per
=====================  ===========================  ====================================
loss and gradient      1 + d + 1 floats (*)          iteration (Newton, Newton-CG)
Hessian-vector product d floats                      CG step (Newton-CG)
Hessian                d x d floats, in addition     iteration (Newton)
line-search loss       1 float                       trial step
=====================  ===========================  ====================================

(*) the loss sum, the gradient sum and the largest negated margin ``max_i t_i``, which
the solver's free separation test needs. Each row of the table is one synchronous round:
the driver waits for every block before it can go on.

The per-block state that later tasks need (``z = X_b w``, the Hessian weights ``h_b``
and ``X_b p``) is kept on the worker as the result of a task and referenced by its
future, so it never crosses the network either. The solver loop is
:func:`logreg._solver._minimize`, shared with :func:`logreg.fit`: only where the sums
are computed differs.

On a real cluster only the client changes (``Client("tcp://scheduler-host:8786")``
instead of ``Client(LocalCluster(...))``), with two requirements: ``logreg`` must be
importable on every worker (tasks are module-level functions of this module, pickled by
reference), and each worker must be able to read its blocks (X built from storage the
workers can see, not from a file on the client's machine).
"""

from __future__ import annotations

import time

import numpy as np

from . import _kernel
from ._validate import (
    as_labels,
    as_max_iter,
    as_nonnegative_float,
    as_positive_float,
    as_vector,
)
from ._solver import DEFAULT_MAX_ITER, FitResult, _minimize, _Problem

__all__ = [
    "DaskProblem",
    "distributed_loss_and_grad",
    "distributed_hvp",
    "distributed_fit",
    "incoming_transfers",
]


# --- tasks that run on the workers (module-level functions, so they pickle by
# reference: every worker must be able to import logreg) --


def _task_block(Xb, yb):
    """Pack one row block once: X_b as float64 (no copy if it already is), its labels
    validated, and ``s = 1 - 2 y_b``."""
    Xb = np.asarray(Xb, dtype=np.float64)
    yb = as_labels(yb, Xb.shape[0])
    return {"X": Xb, "y": yb, "s": 1.0 - 2.0 * yb}


def _task_sums(block, w, hess, keep_weights):
    """One pass over the block: the sums, and the state later tasks reuse."""
    Xb = block["X"]
    n_b = Xb.shape[0]
    z = np.empty(n_b)
    h = np.empty(n_b) if keep_weights else None
    loss_sum, grad_sum, max_t, H = _kernel.full_pass(
        Xb, block["y"], w, want_hess=hess, z_out=z, h_out=h
    )
    return {"sums": (loss_sum, grad_sum, max_t, H), "z": z, "h": h}


def _task_pick_sums(state):
    return state["sums"]


def _task_hvp_sum(block, state, v):
    return _kernel.weighted_hvp_sum(block["X"], state["h"], v)


def _task_hvp_at(block, w, v):
    return _kernel.hvp_sum(block["X"], block["y"], w, v)


def _task_direction(block, state, p):
    return {"z": state["z"], "s": block["s"], "Xp": block["X"] @ p}


def _task_loss_along(line, alpha):
    return _kernel.line_losses(line["z"], line["Xp"], line["s"], alpha)


def _task_all_finite(block):
    return bool(np.isfinite(block["X"]).all())


def _task_nothing(block):
    return None


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
            "No Dask client: start one (client = Client(LocalCluster(n_workers=2))) "
            "or pass client=... explicitly."
        ) from None


def _check_layout(X, y):
    """Validate the layout; return ``y`` as a dask array with X's row chunks, or as a
    NumPy vector (then it is scattered block by block, straight to X's workers)."""
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
            "X must be chunked by rows only (each chunk holding all "
            f"{X.shape[1]} columns); got column chunks {X.chunks[1]}. "
            "Rechunk with X.rechunk({1: -1})."
        )
    if X.dtype.kind not in "biuf":
        raise TypeError(f"X must hold real numbers; got dtype {X.dtype}.")
    if not isinstance(y, da.Array):
        y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"y must be 1-D with shape (n_samples,); got shape {y.shape}."
        )
    if y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y has {y.shape[0]} labels but X has {X.shape[0]} rows; they must match."
        )
    if isinstance(y, da.Array) and y.chunks[0] != X.chunks[0]:
        y = y.rechunk((X.chunks[0],))
    return y


def _chunk_futures(arr):
    """The futures of a persisted array's chunks, in row-block order."""
    from dask.core import flatten
    from distributed import futures_of

    by_key = {f.key: f for f in futures_of(arr)}
    return [by_key[k] for k in flatten(arr.__dask_keys__())]


def _solver_args(method, tol, max_iter):
    """Validate the solver's arguments; return ``(tol, max_iter)``."""
    if method not in ("newton", "newton-cg"):
        raise ValueError(
            "method must be 'newton' or 'newton-cg' for the distributed fit; "
            f"got {method!r}."
        )
    tol = as_positive_float(tol, "tol")
    max_iter = as_max_iter(max_iter, DEFAULT_MAX_ITER[method])
    return tol, max_iter


def _count_floats(obj):
    if obj is None:
        return 0
    if isinstance(obj, (tuple, list)):
        return sum(_count_floats(o) for o in obj)
    return int(np.size(obj))


def incoming_transfers(client):
    """Every worker-to-worker transfer so far, as a list of ``(worker, key)`` pairs: the
    keys each worker fetched from another (its ``transfer_incoming_log``).

    Compare the list before and after a computation to see what moved; the log keeps
    the most recent transfers (1,000 by default: the configuration value
    ``distributed.admin.low-level-log-length``).
    """

    def log(dask_worker):
        return [key for t in dask_worker.transfer_incoming_log for key in t["keys"]]

    return [(addr, key) for addr, keys in client.run(log).items() for key in keys]


class DaskProblem(_Problem):
    """The objective with its rows in blocks on a Dask cluster (module docstring).

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features), chunked by rows only
    y : dask.array.Array or array_like of shape (n_samples,), labels 0 or 1
    l2 : float, the L2 penalty (``l2 >= 0``)
    client : distributed.Client, optional (default: the current client)

    Attributes
    ----------
    workers : list of str
        The worker that holds row block ``b`` and runs every task on it.
    rounds : list of (str, float, int)
        One entry per synchronous round (the driver waits for every block):
        ``(kind, seconds, floats received)``, kind ``"sums"``, ``"hvp"`` or ``"line"``.
    """

    def __init__(self, X, y, l2=0.0, *, client=None):
        self.client = _get_client(client)
        y = _check_layout(X, y)
        self.n, self.d = X.shape
        self.l2 = as_nonnegative_float(l2, "l2")
        self.pen = self.l2
        self.states = None
        self.lines = None
        self.rounds = []
        self.blocks, self.workers = self._place(X, y)

    def _place(self, X, y):
        """Pack each row block with its labels on one worker, where X_b already is.

        X (and y, when it is a dask array) are persisted together, which is free when
        they are already in the workers' memory. Block b goes to a worker that holds
        X_b (and y_b, when one holds both; otherwise y_b, n_b numbers, moves there once,
        here). An X_b already in memory never moves. Each task on block b is then
        pinned to that worker.
        """
        from distributed import wait

        c = self.client
        local_y = not hasattr(y, "dask")
        parts = c.persist([X] if local_y else [X, y])
        wait(parts)
        x_fut = _chunk_futures(parts[0])
        y_fut = None if local_y else _chunk_futures(parts[1])
        who = c.who_has(x_fut + (y_fut or []))
        load = {}
        edges = np.cumsum((0,) + X.chunks[0])
        blocks, workers = [], []
        for b, xf in enumerate(x_fut):
            holders = set(who[xf.key])
            if y_fut is not None:
                holders = (holders & set(who[y_fut[b].key])) or holders
            addr = min(sorted(holders), key=lambda a: load.get(a, 0))
            load[addr] = load.get(addr, 0) + 1
            if local_y:
                yb = c.scatter(y[edges[b] : edges[b + 1]], workers=[addr], hash=False)
            else:
                yb = y_fut[b]
            blocks.append(self._submit(_task_block, addr, xf, yb))
            workers.append(addr)
        wait(blocks)
        for fut in blocks:
            if fut.status == "error":
                fut.result()  # raises the block's error (bad labels) in our words
        return blocks, workers

    def _submit(self, fn, addr, *args):
        return self.client.submit(
            fn, *args, workers=[addr], allow_other_workers=False, pure=False
        )

    def _map(self, fn, *per_block, args=()):
        """One task per block, on the block's worker."""
        return [
            self._submit(fn, addr, *(col[b] for col in per_block), *args)
            for b, addr in enumerate(self.workers)
        ]

    def _round(self, kind, t0, futures):
        """Wait for every block (one synchronous round, started at ``t0`` when its tasks
        were submitted) and record it."""
        parts = self.client.gather(futures)
        self.rounds.append((kind, time.perf_counter() - t0, _count_floats(parts)))
        return parts

    def empty_round(self):
        """A round of tasks that do nothing, one per block on its worker: the latency
        that every synchronous round pays before any arithmetic. Returns seconds."""
        t0 = time.perf_counter()
        self.client.gather(self._map(_task_nothing, self.blocks))
        return time.perf_counter() - t0

    def close(self):
        """Release the blocks and the per-block state held on the workers."""
        for group in (self.blocks, self.states or [], self.lines or []):
            for fut in group:
                fut.release()
        self.blocks, self.states, self.lines = [], None, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def sums(self, w, *, hess, keep_weights):
        t0 = time.perf_counter()
        self.states = self._map(
            _task_sums, self.blocks, args=(w, hess, keep_weights)
        )
        parts = self._round("sums", t0, self._map(_task_pick_sums, self.states))
        loss_sum = sum(p[0] for p in parts)
        grad_sum = sum(p[1] for p in parts)
        max_t = max(p[2] for p in parts)
        H = sum(p[3] for p in parts) if hess else None
        return loss_sum, grad_sum, max_t, H

    def hvp_sum(self, v):
        t0 = time.perf_counter()
        tasks = self._map(_task_hvp_sum, self.blocks, self.states, args=(v,))
        return sum(self._round("hvp", t0, tasks))

    def set_direction(self, p):
        self.lines = self._map(_task_direction, self.blocks, self.states, args=(p,))

    def loss_sum_along(self, alpha):
        t0 = time.perf_counter()
        tasks = self._map(_task_loss_along, self.lines, args=(alpha,))
        return sum(self._round("line", t0, tasks))

    def diagnose(self, w):
        finite = self.client.gather(self._map(_task_all_finite, self.blocks))
        if not all(finite):
            raise ValueError(
                f"X must be finite; row block {finite.index(False)} has NaN or "
                "infinite entries."
            )
        raise ValueError(
            "The result overflowed although X and w are finite: rescale X or use a "
            "smaller w."
        )

    def fit(
        self, method="newton-cg", *, tol=1e-8, max_iter=None, w0=None
    ) -> FitResult:
        """Run the solver loop of :func:`logreg.fit` on these blocks (see
        :func:`distributed_fit`); the blocks stay on the workers for further fits."""
        tol, max_iter = _solver_args(method, tol, max_iter)
        w = np.zeros(self.d) if w0 is None else as_vector(w0, self.d, "w0").copy()
        return _minimize(self, method, w, tol, max_iter)


def distributed_loss_and_grad(X, y, w, *, l2=0.0, client=None):
    """Mean log-loss and gradient with the rows on a Dask cluster; equals
    :func:`logreg.logreg_loss_and_grad` up to the order of summation.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features), chunked by rows only
    y : dask.array.Array or array_like of shape (n_samples,), labels 0 or 1
    w : array_like of shape (n_features,)
    l2 : float, the L2 penalty (``l2 >= 0``)
    client : distributed.Client, optional (default: the current client)

    Returns
    -------
    loss : float
    grad : ndarray of shape (n_features,)
    """
    with DaskProblem(X, y, l2, client=client) as problem:
        w = as_vector(w, problem.d, "w")
        loss, grad, _, _ = problem.evaluate(w)
    return float(loss), grad


def distributed_hvp(X, y, w, v, *, l2=0.0, client=None):
    """Hessian-vector product with the rows on a Dask cluster (d floats per block).

    ``X``, ``y``, ``w``, ``l2`` and ``client`` as in :func:`distributed_loss_and_grad`;
    ``v`` : array_like of shape (n_features,). Returns ``H(w) v``, shape (n_features,).
    """
    with DaskProblem(X, y, l2, client=client) as problem:
        w = as_vector(w, problem.d, "w")
        v = as_vector(v, problem.d, "v")
        tasks = problem._map(_task_hvp_at, problem.blocks, args=(w, v))
        parts = problem.client.gather(tasks)
        out = sum(parts) / problem.n + problem.pen * v
        if not np.isfinite(out).all():
            problem.diagnose(w)
    return out


def distributed_fit(
    X, y, *, method="newton-cg", l2=0.0, tol=1e-8, max_iter=None, w0=None, client=None
):
    """:func:`logreg.fit` with the rows on a Dask cluster: the same solver loop, the
    same result type.

    ``method="newton-cg"`` (default) ships O(d) per CG step; ``"newton"`` ships a d-by-d
    Hessian per block per iteration; ``"gd"`` is not offered here because its step needs
    lambda_max(X^T X), which would cost an extra distributed pass. With ``l2 = 0`` the
    free separation test of the solver loop runs (complete separation is detected and
    warned about), but not the linear program of :func:`logreg.separation`, which needs
    all rows in one place: prefer ``l2 > 0`` at this scale.

    ``X``, ``y``, ``l2`` and ``client`` as in :func:`distributed_loss_and_grad`;
    ``method``, ``tol``, ``max_iter`` and ``w0`` (shape (n_features,)) as in
    :func:`logreg.fit`. Returns a :class:`logreg.FitResult`.

    Every row block of X stays on a worker that holds it, with its labels, and every
    task on it runs there (:class:`DaskProblem`). The tasks are pinned: if that worker
    is lost, they have nowhere to run, and the fit must be started again.
    """
    _solver_args(method, tol, max_iter)  # refuse bad arguments before the cluster works
    with DaskProblem(X, y, l2, client=client) as problem:
        return problem.fit(method, tol=tol, max_iter=max_iter, w0=w0)
