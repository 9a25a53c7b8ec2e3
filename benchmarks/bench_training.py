"""Speed of rnn_core.train: 300 SGD steps of B = 32, T = 50, H = 32 on each toy task.

Run from the repository root:

    python benchmarks/bench_training.py            # 300 steps, median of 3 runs per task
    python benchmarks/bench_training.py --quick    # 30 steps, 1 run: a smoke test of a few seconds
    python benchmarks/bench_training.py --blas-threads 1   # OpenBLAS/MKL/OpenMP limited to 1 thread

The matrices here are small (32 × 32): on a busy machine a multi-threaded BLAS can be several
times slower than one thread, so compare runs made with the same --blas-threads.

Prints two Markdown tables: the training runs, and the cost of one step's pieces. The second
shows why the long-range part of ∂L/∂W is taken as bptt − bptt(truncate=⌊T/2⌋) and not summed
from distance_terms (the two are equal; tests/test_core_training.py checks it).
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

B, T, H = 32, 50, 32
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def load_rnn_core(blas_threads: int | None):
    """Import rnn_core from this clone (no install); the BLAS reads its thread count at import."""
    if blas_threads is not None:
        for name in THREAD_VARIABLES:
            os.environ[name] = str(blas_threads)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    return importlib.import_module("rnn_core")


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_train(rc, steps: int, repeats: int) -> list[str]:
    rows = [
        "| task | steps | B | T | H | median of runs (s) | ms / step | final loss / baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in rc.TASKS:
        probe = rc.batch_at(name, 0, T=T, batch_size=B)
        params = rc.RNNParams.init(probe.n_in, H, probe.n_out, seed=0)
        results = []

        def run(params=params, name=name, results=results):  # defaults bind this loop's values
            results.append(rc.train(params, name, T=T, batch_size=B, steps=steps, lr=0.1, seed=0))

        seconds = median_seconds(run, repeats)
        hist = results[-1].history
        tail = max(1, min(20, len(hist["loss"])))
        ratio = hist["loss"][-tail:].mean() / hist["baseline"][-tail:].mean()
        rows.append(
            f"| {name} | {steps} | {B} | {T} | {H} | {seconds:.2f} | {1e3 * seconds / steps:.1f} | {ratio:.2f} |"
        )
    return rows


def bench_pieces(rc, repeats: int) -> list[str]:
    task = rc.batch_at("adding_problem", 0, T=T, batch_size=B)
    params = rc.RNNParams.init(task.n_in, H, task.n_out, seed=0)
    trace = rc.forward(params, task.xs, task.targets, loss=task.loss, mask=task.mask)
    pieces = {
        "forward": lambda: rc.forward(params, task.xs, task.targets, loss=task.loss, mask=task.mask),
        "bptt": lambda: rc.bptt(params, trace),
        "bptt(truncate=T//2)": lambda: rc.bptt(params, trace, truncate=T // 2),
        "distance_terms(wrt='W')": lambda: rc.distance_terms(params, trace, wrt="W"),
    }
    calls = 20
    rows = ["| piece of one step (adding_problem) | ms per call |", "|---|---:|"]
    for label, fn in pieces.items():
        seconds = median_seconds(lambda fn=fn: [fn() for _ in range(calls)], repeats)
        rows.append(f"| {label} | {1e3 * seconds / calls:.2f} |")
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 steps and one run: a few-second smoke test")
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="threads of the BLAS (default: as set)"
    )
    args = parser.parse_args(argv)
    rc = load_rnn_core(args.blas_threads)  # after setting the thread count: the BLAS reads it at import
    steps, repeats = (30, 1) if args.quick else (300, 3)
    threads = {name: os.environ.get(name, "unset") for name in THREAD_VARIABLES}
    print(f"BLAS threads: {threads}, {os.cpu_count()} CPUs\n")
    print("\n".join(bench_train(rc, steps, repeats)))
    print()
    print("\n".join(bench_pieces(rc, repeats)))


if __name__ == "__main__":
    main()
