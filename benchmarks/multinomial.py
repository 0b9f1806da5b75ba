"""Benchmark: multinomial (softmax) fit against scikit-learn, same problem, same run.

``python benchmarks/multinomial.py`` fits n = 100,000, d = 50, K = 10 (seeded synthetic
data, an unpenalized intercept per class, l2 = 1e-4, that is C = 1 / (l2 n) = 0.1) with
``logreg.multinomial.fit`` and with scikit-learn's ``LogisticRegression`` solvers that
handle the multinomial loss (lbfgs and newton-cg; newton-cholesky with
``--newton-cholesky``), all at tol = 1e-8.
Tolerances mean different things to different solvers, so each result is also compared
with a tight reference optimum (logreg's Newton-CG at tol = 1e-12): the objective gap and
the relative distance of the weights. The baseline is the fastest scikit-learn solver
whose objective is within ``GAP`` of the optimum.

Timings are interleaved (A, B, C, A, B, C, ...) after one warm-up round, so drift in the
machine's load hits every candidate alike; the table shows best-of-N and median wall
time, and the median CPU time of the process (all threads). The closing line prints the
ratio of medians, logreg / fastest converged scikit-learn solver.

Usage: python benchmarks/multinomial.py [--quick] [--repeats R] [--threads T]
                                        [--newton-cholesky]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings

import numpy as np

from logreg import multinomial

#: Objective gap (nats) below which a solver counts as converged to the optimum.
GAP = 1e-9


def make_problem(n, d, K, seed=0):
    """Seeded multinomial data: Gaussian X, labels drawn from softmax(X W + b)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W = rng.standard_normal((d, K)) * (2.0 / np.sqrt(d))
    b = rng.standard_normal(K) * 0.5
    P = multinomial.softmax(X @ W + b)
    y = (P.cumsum(axis=1) < rng.random(n)[:, None]).sum(axis=1)
    return X, np.minimum(y, K - 1)


def objective(X, y, W, b, l2):
    """Mean cross-entropy + (l2/2)||W||^2 with the intercepts unpenalized."""
    Xb = np.column_stack([X, np.ones(X.shape[0])])
    loss = multinomial.loss_and_grad(Xb, y, np.vstack([W, b]))[0]
    return loss + 0.5 * l2 * float(np.sum(W * W))


def machine() -> str:
    from threadpoolctl import threadpool_info

    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f
                       if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    pools = "; ".join(
        f"{p['internal_api']} {p.get('version') or ''} ({p['num_threads']} threads"
        + (f", {p['architecture']}" if p.get("architecture") else "") + ")"
        for p in threadpool_info()
    )
    env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                      "OMP_NUM_THREADS") if k in os.environ}
    return (f"CPU: {cpu}, {os.cpu_count()} logical cores\n"
            f"Python {platform.python_version()}, NumPy {np.__version__}\n"
            f"Thread pools: {pools}\nEnvironment: {env or 'no BLAS variables set'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 20,000, for a smoke run")
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument(
        "--newton-cholesky", action="store_true",
        help="also time sklearn's newton-cholesky: it forms the (dK)^2 Hessian, O(n d^2 "
             "K^2) per iteration, 12x the CPU time of lbfgs at n = 20,000 here")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit BLAS and OpenMP to this many threads (threadpoolctl)")
    args = parser.parse_args()
    n, d, K = (20_000 if args.quick else 100_000), 50, 10
    repeats = args.repeats or (2 if args.quick else 5)
    l2, tol = 1e-4, 1e-8
    C = 1.0 / (l2 * n)

    import sklearn
    from sklearn.linear_model import LogisticRegression

    if args.threads:  # after importing scikit-learn, so that its OpenMP pool is limited too
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)

    print(f"# Multinomial fit benchmark\n\n{machine()}\nscikit-learn {sklearn.__version__}\n")
    X, y = make_problem(n, d, K)
    ref = multinomial.fit(X, y, l2=l2, tol=1e-12, fit_intercept=True)
    f_ref = objective(X, y, ref.w, ref.intercept, l2)

    def ours():
        r = multinomial.fit(X, y, method="newton-cg", l2=l2, tol=tol, fit_intercept=True)
        return r.w, r.intercept

    def sk(solver):
        def run():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clf = LogisticRegression(C=C, solver=solver, tol=tol, max_iter=10_000)
                clf.fit(X, y)
            return clf.coef_.T, clf.intercept_
        return run

    cands = {
        "logreg.multinomial newton-cg": ours,
        "sklearn lbfgs": sk("lbfgs"),
        "sklearn newton-cg": sk("newton-cg"),
    }
    if args.newton_cholesky:
        cands["sklearn newton-cholesky"] = sk("newton-cholesky")
    wall = {k: [] for k in cands}
    cpu = {k: [] for k in cands}
    results = {k: fn() for k, fn in cands.items()}  # warm-up round, and the answers
    for _ in range(repeats):
        for name, fn in cands.items():
            c0, t0 = time.process_time(), time.perf_counter()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)

    print(f"n = {n:,}, d = {d}, K = {K}, intercept, l2 = {l2:g} (C = {C:g}), tol = {tol:g}; "
          f"{repeats} interleaved repeats after a warm-up\n")
    print("| solver | best wall (s) | median wall (s) | median CPU (s) | objective gap "
          "| rel. distance of W |")
    print("|---|---:|---:|---:|---:|---:|")
    gaps = {}
    for name in cands:
        W, b = results[name]
        gaps[name] = objective(X, y, W, b, l2) - f_ref
        dist = np.linalg.norm(W - ref.w) / np.linalg.norm(ref.w)
        print(f"| {name} | {min(wall[name]):.3f} | {statistics.median(wall[name]):.3f} | "
              f"{statistics.median(cpu[name]):.3f} | {gaps[name]:.1e} | {dist:.1e} |")
    converged = [k for k in cands if k.startswith("sklearn") and gaps[k] <= GAP]
    if not converged:
        print(f"\nNo scikit-learn solver reached the optimum within {GAP:g}.")
        return
    base = min(converged, key=lambda k: statistics.median(wall[k]))
    ours_name = "logreg.multinomial newton-cg"
    ratio = statistics.median(wall[ours_name]) / statistics.median(wall[base])
    best_ratio = min(wall[ours_name]) / min(wall[base])
    print(f"\nFastest scikit-learn solver within {GAP:g} of the optimum: {base}.")
    print(f"ratio logreg / {base}: {ratio:.2f} (medians), {best_ratio:.2f} (best of "
          f"{repeats}); logreg's objective gap {gaps[ours_name]:.1e}")


if __name__ == "__main__":
    main()
