"""The block sums and the Dask path agree with the single-machine package.

Agreement is to 1e-12 relative: the only difference is the order in which block sums are
added (a few ulp per block), and the solver paths then coincide to round-off.
"""

import logging

import numpy as np
import pytest

import logreg
from logreg.blocks import hessian_sums, hvp_sums, loss_grad_sums

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from logreg.distributed import (  # noqa: E402
    distributed_fit,
    distributed_hvp,
    distributed_loss_and_grad,
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
        dashboard_address=None, silence_logs=logging.CRITICAL,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize(
    "chunks", [(3000,), (1000, 1000, 1000), (400, 1100, 7, 1493)], ids=["single", "equal", "unequal"]
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
    with pytest.raises(ValueError, match="chunked by rows only"):
        distributed_loss_and_grad(da.from_array(X, chunks=(1000, 3)), y, w, client=client)
    with pytest.raises(ValueError, match=r"\{-1, \+1\}"):
        distributed_loss_and_grad(da.from_array(X, chunks=(1000, 6)), 2 * y - 1, w, client=client)
    with pytest.raises(TypeError, match="dask.array"):
        distributed_loss_and_grad(X, y, w, client=client)
    with pytest.raises(ValueError, match="'newton' or 'newton-cg'"):
        distributed_fit(da.from_array(X, chunks=(1000, 6)), y, method="gd", client=client)
