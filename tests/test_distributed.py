"""The block sums and the Dask path agree with the single-machine package, and the
Dask path keeps every row block where it is.

Agreement is to 1e-12 relative: the only difference is the order in which block sums
are added (a few ulp per block), and the solver paths then coincide to round-off.
Locality is read from the workers' own transfer logs.
"""

import logging
from collections import Counter

import numpy as np
import pytest

import logreg
from logreg.blocks import hessian_sums, hvp_sums, loss_grad_sums

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from dask.core import flatten  # noqa: E402

from logreg.distributed import (  # noqa: E402
    DaskProblem,
    distributed_fit,
    distributed_hvp,
    distributed_loss_and_grad,
    incoming_transfers,
)


@pytest.fixture(scope="module")
def data():
    X, y, _ = logreg.make_data(n=3000, d=6, rng=11)
    w = np.random.default_rng(1).standard_normal(6) * 0.4
    return X, y, w


def test_block_sums_combine_exactly_into_the_single_machine_results(data):
    X, y, w = data
    edges = [0, 1, 700, 701, 2999, 3000]  # unequal blocks, including one-row blocks
    parts = [loss_grad_sums(X[a:b], y[a:b], w) for a, b in zip(edges, edges[1:])]
    loss = sum(p[0] for p in parts) / len(y)
    grad = sum(p[1] for p in parts) / len(y)
    ref_loss, ref_grad = logreg.logreg_loss_and_grad(X, y, w)
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-16)
    v = np.arange(6.0)
    hv = sum(hvp_sums(X[a:b], y[a:b], w, v) for a, b in zip(edges, edges[1:])) / len(y)
    np.testing.assert_allclose(hv, logreg.hvp(X, y, w, v), rtol=1e-12)
    H = sum(hessian_sums(X[a:b], y[a:b], w) for a, b in zip(edges, edges[1:])) / len(y)
    np.testing.assert_allclose(H, logreg.hessian(X, y, w), rtol=1e-12, atol=1e-16)


def test_block_sums_validate_their_block():
    with pytest.raises(ValueError, match=r"\{-1, \+1\}"):
        loss_grad_sums(np.ones((2, 2)), [-1, 1], np.zeros(2))


@pytest.fixture(scope="module", params=[1, 2], ids=["1-worker", "2-workers"])
def client(request):
    cluster = distributed.LocalCluster(
        n_workers=request.param, threads_per_worker=1, processes=True,
        dashboard_address=":0", silence_logs=logging.CRITICAL,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize(
    "chunks",
    [(3000,), (1000, 1000, 1000), (400, 1100, 7, 1493)],
    ids=["single", "equal", "unequal"],
)
def test_dask_loss_grad_and_hvp_match_numpy(client, data, chunks):
    X, y, w = data
    Xd = da.from_array(X, chunks=(chunks, (6,)))
    yd = da.from_array(y, chunks=(chunks,))
    loss, grad = distributed_loss_and_grad(Xd, yd, w, l2=0.01, client=client)
    ref_loss, ref_grad = logreg.logreg_loss_and_grad(X, y, w, l2=0.01)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12, atol=1e-16)
    v = np.linspace(-1, 1, 6)
    np.testing.assert_allclose(
        distributed_hvp(Xd, yd, w, v, l2=0.01, client=client),
        logreg.hvp(X, y, w, v, l2=0.01), rtol=1e-12,
    )


@pytest.mark.parametrize("method", ["newton-cg", "newton"])
def test_dask_fit_matches_numpy_fit(client, data, method):
    X, y, _ = data
    Xd = da.from_array(X, chunks=((1000, 1500, 500), (6,)))
    res = distributed_fit(Xd, y, method=method, l2=1e-3, tol=1e-12, client=client)
    ref = logreg.fit(X, y, method=method, l2=1e-3, tol=1e-12)
    assert res.converged and ref.converged
    assert np.linalg.norm(res.w - ref.w) <= 1e-12 * np.linalg.norm(ref.w)


def test_dask_path_refuses_bad_input(client, data):
    X, y, w = data
    Xd = da.from_array(X, chunks=(1000, 6))
    with pytest.raises(ValueError, match="chunked by rows only"):
        distributed_loss_and_grad(da.from_array(X, chunks=(1000, 3)), y, w, client=client)
    with pytest.raises(ValueError, match=r"\{-1, \+1\}"):
        distributed_loss_and_grad(Xd, 2 * y - 1, w, client=client)
    y_pm = da.from_array(2 * y - 1, chunks=1000)  # the same labels as a dask array
    with pytest.raises(ValueError, match=r"\{-1, \+1\}"):
        distributed_loss_and_grad(Xd, y_pm, w, client=client)
    with pytest.raises(TypeError, match="dask.array"):
        distributed_loss_and_grad(X, y, w, client=client)
    with pytest.raises(ValueError, match="'newton' or 'newton-cg'"):
        distributed_fit(Xd, y, method="gd", client=client)


# --- data locality: no block of X or y crosses the network during a fit ---------------

# transfers need two workers: run these on the 2-worker cluster only
two_workers = pytest.mark.parametrize("client", [2], ids=["2-workers"], indirect=True)


def _placed(client, A, rows, workers):
    """A dask array whose row block b (``rows[b]`` rows of A) is on ``workers[b]``."""
    edges = np.cumsum([0, *rows])
    parts = []
    for a, b, addr in zip(edges, edges[1:], workers):
        fut = client.scatter(A[a:b], workers=[addr], hash=False)
        shape = (b - a, *A.shape[1:])
        parts.append(da.from_delayed(fut, shape=shape, dtype=A.dtype))
    return da.concatenate(parts)


def _fetched(client):
    """How often each key has been fetched by a worker from another worker so far."""
    return Counter(key for _, key in incoming_transfers(client))


def _moved(client, before):
    """Keys fetched from another worker since ``before = _fetched(client)``."""
    return _fetched(client) - before


def _keys(arr):
    """The keys of a (persisted) dask array's chunks."""
    return set(flatten(arr.__dask_keys__()))


@two_workers
def test_dask_fit_moves_no_block_when_x_and_y_share_a_worker(client, data):
    X, y, _ = data
    addrs = sorted(client.scheduler_info()["workers"])
    rows, where = (1000, 1500, 500), [addrs[b % len(addrs)] for b in range(3)]
    Xd = _placed(client, X, rows, where).persist()
    yd = _placed(client, y, rows, where).persist()
    distributed.wait([Xd, yd])
    before = _fetched(client)
    res = distributed_fit(Xd, yd, l2=1e-3, tol=1e-10, client=client)
    assert not _moved(client, before)  # nothing at all crossed the network
    ref = logreg.fit(X, y, method="newton-cg", l2=1e-3, tol=1e-10)
    assert res.converged
    assert np.linalg.norm(res.w - ref.w) <= 1e-12 * np.linalg.norm(ref.w)


@two_workers
def test_dask_fit_moves_a_misplaced_y_block_once_and_never_an_x_block(client, data):
    X, y, _ = data
    addrs = sorted(client.scheduler_info()["workers"])
    rows = (1000, 1500, 500)
    x_where = [addrs[b % len(addrs)] for b in range(3)]
    y_where = [addrs[(b + 1) % len(addrs)] for b in range(3)]  # the other worker
    Xd = _placed(client, X, rows, x_where).persist()
    yd = _placed(client, y, rows, y_where).persist()
    distributed.wait([Xd, yd])
    before = _fetched(client)
    with DaskProblem(Xd, yd, 1e-3, client=client) as problem:
        assert problem.workers == x_where  # each block packed where its X block is
        setup = _moved(client, before)
        during = _fetched(client)
        res = problem.fit("newton-cg", tol=1e-10)
        assert not _moved(client, during)  # the iterations move nothing
    assert setup == Counter(_keys(yd))  # each y block moved once, to its X block
    ref = logreg.fit(X, y, method="newton-cg", l2=1e-3, tol=1e-10)
    assert res.converged
    assert np.linalg.norm(res.w - ref.w) <= 1e-12 * np.linalg.norm(ref.w)


@two_workers
def test_dask_fit_on_data_made_on_the_workers_moves_no_x_block(client):
    # y computed from X on the workers, as in chapter 9: before the fix, y blocks (and
    # sometimes X blocks) were fetched by other workers at every iteration
    n, d, chunk = 20_000, 6, 5_000
    Xd = da.random.default_rng(2).standard_normal((n, d), chunks=(chunk, d))
    z = Xd @ np.linspace(-1, 1, d)
    yd = (da.random.default_rng(3).random(n, chunks=chunk) < 1 / (1 + da.exp(-z)))
    Xd, yd = client.persist([Xd, yd.astype(np.float64)])
    distributed.wait([Xd, yd])
    before = _fetched(client)
    with DaskProblem(Xd, yd, 1e-3, client=client) as problem:
        setup = _moved(client, before)
        during = _fetched(client)
        res = problem.fit("newton-cg", tol=1e-10)
        assert not _moved(client, during)
        kinds = Counter(kind for kind, _, _ in problem.rounds)
        floats = {(kind, f) for kind, _, f in problem.rounds}
    assert set(setup) <= _keys(yd)  # at most a y block moved, at setup; never X
    # what a round brings back, per block: d + 2 floats, d floats, 1 float
    assert floats == {("sums", 4 * (d + 2)), ("hvp", 4 * d), ("line", 4)}
    assert kinds["sums"] == res.n_iter + 1
    X, y = client.compute([Xd, yd], sync=True)
    ref = logreg.fit(X, y, method="newton-cg", l2=1e-3, tol=1e-10)
    assert res.converged
    assert np.linalg.norm(res.w - ref.w) <= 1e-12 * np.linalg.norm(ref.w)
