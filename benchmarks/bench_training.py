"""Speed of rnn_core.train: 300 SGD steps of B = 32, T = 50, H = 32 on each toy task; with --gates,
what the RNN, the LSTM and the GRU learn on the adding problem at T = 60 with Adam.

Run from the repository root:

    python benchmarks/bench_training.py            # 300 steps, median of 3 runs per task
    python benchmarks/bench_training.py --quick    # 30 steps, 1 run: a smoke test of a few seconds
    python benchmarks/bench_training.py --blas-threads 1   # OpenBLAS/MKL/OpenMP limited to 1 thread
    python benchmarks/bench_training.py --gates --seeds 0 1 2   # RNN, LSTM, GRU (1 BLAS thread)

The matrices here are small (32 × 32): on a busy machine a multi-threaded BLAS can be several
times slower than one thread, so compare runs made with the same --blas-threads.

Prints two Markdown tables: the training runs, and the cost of one step's pieces. The second
shows why the long-range part of ∂L/∂W is taken as bptt − bptt(truncate=⌊T/2⌋) and not summed
from distance_terms (the two are equal; tests/core/test_training.py checks it).

--gates trains each cell (H = 32) on the adding problem, T = 60, B = 32, Adam lr 0.01, norm clip 1,
800 steps, per seed, and prints the verdict of rnn_core.learning_verdict (as the Training lab
shows it): final loss / baseline over the last 10% of the steps, the first step (0-based, the end of
the first trailing window of that length) whose mean loss is below 0.9 × the half-information
reference and whose ratio is below 0.1, and the time of one Adam step of the LSTM (median over many
steps, as train runs it with its diagnostics, and the bare forward + bptt + clip + update). The
half-information reference rnn_core.half_information_loss() = 1/24 is the loss of the best predictor
that knows the second marked value and not the first: a ratio of about 0.5 of the baseline 1/12.
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


GATES = dict(T=60, batch_size=32, steps=800, optimizer="adam", lr=0.01, clip="norm", threshold=1.0)
GATED_H = 32


def make_cell(rc, cell: str, seed: int, forget_bias: float):
    if cell == "lstm":
        return rc.LSTMParams.init(2, GATED_H, 1, seed=seed, forget_bias=forget_bias)
    return {"rnn": rc.RNNParams, "gru": rc.GRUParams}[cell].init(2, GATED_H, 1, seed=seed)


def step_text(step) -> str:
    return "never" if step is None else str(step)


def bench_gates(rc, seeds: list[int], forget_bias: float) -> list[str]:
    """Each cell's run judged by rc.learning_verdict, as the Training lab judges it."""
    reference = rc.half_information_loss()
    rows = [
        "| cell | seed | verdict | final loss / baseline | first step < reference | first step < "
        f"{rc.SOLVED_LEVEL:g} | stop | s / run |",
        "|---|---:|---|---:|---:|---:|---|---:|",
    ]
    for seed in seeds:
        for cell in ("rnn", "lstm", "gru"):
            start = time.perf_counter()
            result = rc.train(make_cell(rc, cell, seed, forget_bias), "adding_problem", seed=seed, **GATES)
            seconds = time.perf_counter() - start
            v = rc.learning_verdict(
                result.history, result.history["baseline"], reference, stop_reason=result.stop_reason
            )
            rows.append(
                f"| {cell} | {seed} | {v.kind} | {v.final_ratio:.4f} | {step_text(v.first_below['reference'])} | "
                f"{step_text(v.first_below['solved'])} | {result.stop_reason or '-'} | {seconds:.1f} |"
            )
    rows.append(
        f"| half-information reference (ratio over the expected baseline) | | | {reference * 12:.3f} | | | | |"
    )
    return rows


def bench_adam_step(rc, steps: int, forget_bias: float) -> list[str]:
    """The LSTM's Adam step at B = 32, T = 60, H = 32: as train runs it, and bare."""
    stamps = []
    params = make_cell(rc, "lstm", 0, forget_bias)
    settings = {**GATES, "steps": steps + 1}
    rc.train(
        params,
        "adding_problem",
        seed=0,
        callback=lambda step, record: stamps.append(time.perf_counter()),
        **settings,
    )
    in_train = statistics.median(b - a for a, b in zip(stamps, stamps[1:]))

    batch = rc.batch_at("adding_problem", 0, T=GATES["T"], batch_size=GATES["batch_size"], seed=0)
    B = batch.batch_size
    adam = rc.adam(GATES["lr"])
    states = [adam.init(params)]

    def bare_step():
        state = states[-1]
        trace = rc.forward(state.params, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
        grads = rc.tree_map(lambda g: g / B, rc.bptt(state.params, trace))
        grads, _ = rc.clip_by_norm(grads, GATES["threshold"])
        states[-1] = adam.update(state, grads, len(states) - 1)[1]

    bare = median_seconds(bare_step, steps)
    return [
        f"| LSTM Adam step, B = {B}, T = {GATES['T']}, H = {GATED_H} | median ms over {steps} steps |",
        "|---|---:|",
        f"| as rc.train runs it (with the long-range and σ_max diagnostics) | {1e3 * in_train:.1f} |",
        f"| bare: forward + bptt + clip_by_norm + adam.update | {1e3 * bare:.1f} |",
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 steps and one run: a few-second smoke test")
    parser.add_argument(
        "--blas-threads", type=int, default=None, help="threads of the BLAS (default: as set)"
    )
    parser.add_argument(
        "--gates", action="store_true", help="RNN, LSTM, GRU on the adding problem, T = 60, Adam"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="seeds of --gates (default: 0)")
    parser.add_argument(
        "--forget-bias", type=float, default=1.0, help="the LSTM's b^f in --gates (default 1)"
    )
    parser.add_argument("--step-repeats", type=int, default=100, help="steps timed in --gates (default 100)")
    args = parser.parse_args(argv)
    if args.gates and args.blas_threads is None:
        args.blas_threads = 1  # the step is timed with one BLAS thread
    rc = load_rnn_core(args.blas_threads)  # after setting the thread count: the BLAS reads it at import
    if args.gates:
        threads = {name: os.environ.get(name, "unset") for name in THREAD_VARIABLES}
        print(
            f"BLAS threads: {threads}, {os.cpu_count()} CPUs; {GATES}, H = {GATED_H}, "
            f"LSTM forget_bias = {args.forget_bias}\n"
        )
        print("\n".join(bench_gates(rc, args.seeds, args.forget_bias)))
        print()
        print("\n".join(bench_adam_step(rc, args.step_repeats, args.forget_bias)))
        return
    steps, repeats = (30, 1) if args.quick else (300, 3)
    threads = {name: os.environ.get(name, "unset") for name in THREAD_VARIABLES}
    print(f"BLAS threads: {threads}, {os.cpu_count()} CPUs\n")
    print("\n".join(bench_train(rc, steps, repeats)))
    print()
    print("\n".join(bench_pieces(rc, repeats)))


if __name__ == "__main__":
    main()
