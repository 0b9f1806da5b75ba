"""Benchmarks for the logreg package (``make bench``). Prints markdown tables.

Every number is a ratio against a baseline measured in the same run, as the median of
interleaved repeats (candidate A, candidate B, A, B, ...), so that drift in the machine's load
hits all candidates alike. Nothing here is a pass/fail test; the thresholds the project aims
for are printed next to the measurements.

1. ``logreg_loss_and_grad`` and ``hvp`` at n = 400,000, d = 50 against the memory-bound floor:
   one ``X @ w`` plus one ``X.T @ r`` (two reads of X). Target <= 1.3x. Extra memory measured
   with tracemalloc (NumPy reports its allocations to it). Target <= 5% of X.
2. ``fit(method="newton", l2=1e-4, tol=1e-8)`` at n = 200,000, d = 50 against scikit-learn's
   ``LogisticRegression`` on the same objective (C = 1 / (l2 n), no intercept), each solver
   timed to reach the optimum; the distance to a tight reference solution is printed too.

3. The gradient on a Dask ``LocalCluster`` of 2 worker processes against the single-process
   package at n = 1,000,000, d = 50 (400 MB), for several row-chunk sizes, with the
   scheduler's overhead per task measured on empty tasks.

Usage: python benchmarks/run.py [--quick] [--repeats R] [--no-dask]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import tracemalloc
import warnings

import numpy as np

import logreg
from logreg import _kernel


def interleaved(candidates: dict, repeats: int) -> dict:
    """Median wall time of each callable, timed in interleaved order."""
    times = {name: [] for name in candidates}
    for fn in candidates.values():  # warm-up: page in X, load BLAS kernels
        fn()
    for _ in range(repeats):
        for name, fn in candidates.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) for name, ts in times.items()}


def peak_extra_bytes(fn) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def blas_info() -> str:
    try:
        from threadpoolctl import threadpool_info

        info = [f"{d['internal_api']} {d.get('version')} ({d['num_threads']} threads, "
                f"{d.get('architecture')})" for d in threadpool_info()]
        return "; ".join(info) or "unknown"
    except Exception:  # pragma: no cover - informational only
        return "unknown"


def bench_kernels(n: int, d: int, repeats: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) / np.sqrt(d)
    v = rng.standard_normal(d)
    y = (rng.random(n) < logreg.sigmoid(X @ w)).astype(np.float64)
    r = rng.standard_normal(n)

    def floor():
        X @ w
        X.T @ r

    cands = {
        "floor: X @ w + X.T @ r": floor,
        "logreg_loss_and_grad": lambda: logreg.logreg_loss_and_grad(X, y, w),
        "hvp": lambda: logreg.hvp(X, y, w, v),
        "logreg_loss (loss only)": lambda: logreg.logreg_loss(X, y, w),
    }
    med = interleaved(cands, repeats)
    base = med["floor: X @ w + X.T @ r"]
    print(f"\n### Kernels at n = {n:,}, d = {d} (X is {X.nbytes / 1e6:.0f} MB), "
          f"median of {repeats} interleaved repeats\n")
    print("| function | time (ms) | ratio to floor | target | extra memory (% of X) |")
    print("|---|---:|---:|---:|---:|")
    for name, t in med.items():
        extra = peak_extra_bytes(cands[name])
        target = "1.00" if name.startswith("floor") else "<= 1.3"
        print(f"| {name} | {t * 1e3:.1f} | {t / base:.2f} | {target} | "
              f"{100 * extra / X.nbytes:.2f}% |")

    # Block size sweep: how the row-block size trades cache reuse against per-block overhead.
    print("\nRow-block size (bytes of X per block) for logreg_loss_and_grad:\n")
    print("| block bytes | rows per block | time (ms) | ratio to floor |")
    print("|---:|---:|---:|---:|")
    original = _kernel.BLOCK_BYTES
    try:
        sweep = {}
        for bb in (1 << 17, 1 << 18, 1 << 19, 1 << 20, 1 << 21, 1 << 22, 1 << 23):
            def run(bb=bb):
                _kernel.BLOCK_BYTES = bb
                logreg.logreg_loss_and_grad(X, y, w)
            sweep[bb] = run
        sweep["floor"] = floor
        med = interleaved(sweep, max(3, repeats // 2))
        for bb, t in med.items():
            if bb == "floor":
                continue
            print(f"| {bb:,} | {bb // (8 * d):,} | {t * 1e3:.1f} | {t / med['floor']:.2f} |")
    finally:
        _kernel.BLOCK_BYTES = original


def bench_fit(n: int, d: int, l2: float, repeats: int) -> None:
    from sklearn.linear_model import LogisticRegression

    X, y, _ = logreg.make_data(n=n, d=d, rng=1)
    C = 1.0 / (l2 * n)
    ref = logreg.fit(X, y, method="newton", l2=l2, tol=1e-12).w

    def sk(solver):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf = LogisticRegression(C=C, fit_intercept=False, solver=solver, tol=1e-8,
                                         max_iter=10_000)
                return clf.fit(X, y).coef_.ravel()
        return run

    cands = {
        "logreg fit newton": lambda: logreg.fit(X, y, method="newton", l2=l2, tol=1e-8).w,
        "logreg fit newton-cg": lambda: logreg.fit(X, y, method="newton-cg", l2=l2, tol=1e-8).w,
        "sklearn newton-cholesky": sk("newton-cholesky"),
        "sklearn lbfgs": sk("lbfgs"),
        "sklearn newton-cg": sk("newton-cg"),
    }
    med = interleaved(cands, repeats)
    base = med["sklearn newton-cholesky"]
    print(f"\n### fit at n = {n:,}, d = {d}, l2 = {l2:g} (C = {C:g}), tol = 1e-8, "
          f"median of {repeats} interleaved repeats\n")
    print("| solver | time (ms) | ratio to sklearn newton-cholesky | rel. distance to optimum |")
    print("|---|---:|---:|---:|")
    for name, t in med.items():
        w = cands[name]()
        dist = np.linalg.norm(w - ref) / np.linalg.norm(ref)
        print(f"| {name} | {t * 1e3:.1f} | {t / base:.2f} | {dist:.1e} |")


def _noop(i):
    return i


def bench_dask(n: int, d: int, repeats: int, chunk_rows: list[int]) -> None:
    import logging

    import dask.array as da
    from distributed import Client, LocalCluster

    from logreg.distributed import DaskProblem

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.CRITICAL)
    client = Client(cluster)
    try:
        X_dask = da.random.default_rng(0).standard_normal((n, d), chunks=(chunk_rows[0], d))
        y_dask = (da.random.default_rng(1).random(n, chunks=chunk_rows[0]) < 0.5).astype(float)
        X_dask, y_dask = client.persist([X_dask, y_dask])  # generated on the workers
        X, y = client.compute([X_dask, y_dask], sync=True)  # same numbers here, for the baseline
        w = np.random.default_rng(2).standard_normal(d) / np.sqrt(d)

        # Scheduler overhead: round trip of many empty tasks, per task.
        k = 2000
        client.gather(client.map(_noop, range(100), pure=False))
        t0 = time.perf_counter()
        client.gather(client.map(_noop, range(k), pure=False))
        per_task = (time.perf_counter() - t0) / k

        problems = {}
        for c in chunk_rows:
            problems[c] = DaskProblem(X_dask.rechunk((c, d)), y_dask.rechunk(c), client=client)
        cands = {"single process (logreg_loss_and_grad)": lambda: logreg.logreg_loss_and_grad(X, y, w)}
        for c, prob in problems.items():
            cands[f"dask, {c:,}-row chunks"] = (lambda prob=prob: prob.evaluate(w))
        med = interleaved(cands, repeats)
        base = med["single process (logreg_loss_and_grad)"]
        print(f"\n### Gradient on Dask (2 worker processes, 1 thread each) at n = {n:,}, d = {d} "
              f"(X is {X.nbytes / 1e6:.0f} MB), median of {repeats} interleaved repeats\n")
        print(f"Scheduler overhead: {per_task * 1e3:.2f} ms per task (empty tasks, {k} of them). "
              "Each distributed gradient runs 2 tasks per chunk.\n")
        print("| path | chunks | time (ms) | ratio to single process | overhead share |")
        print("|---|---:|---:|---:|---:|")
        for name, t in med.items():
            nchunks = 1 if name.startswith("single") else -(-n // int(name.split()[1].split("-")[0].replace(",", "")))
            share = "" if name.startswith("single") else f"{100 * 2 * nchunks * per_task / t:.0f}%"
            print(f"| {name} | {nchunks} | {t * 1e3:.1f} | {t / base:.2f} | {share} |")
        for prob in problems.values():
            prob.close()
    finally:
        client.close()
        cluster.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask benchmark")
    args = parser.parse_args()
    repeats = args.repeats or (3 if args.quick else 9)
    print(f"# logreg benchmarks\n\nPython {platform.python_version()}, NumPy {np.__version__}, "
          f"BLAS: {blas_info()}")
    if args.quick:
        bench_kernels(40_000, 50, repeats)
        bench_fit(20_000, 50, 1e-4, repeats)
        if not args.no_dask:
            bench_dask(100_000, 50, repeats, [25_000, 50_000])
    else:
        bench_kernels(400_000, 50, repeats)
        bench_fit(200_000, 50, 1e-4, max(3, repeats // 2))
        if not args.no_dask:
            bench_dask(1_000_000, 50, repeats, [62_500, 125_000, 250_000, 500_000])


if __name__ == "__main__":
    main()
