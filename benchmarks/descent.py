r"""What a step of rnn_core.descend costs, against the plain loop of the public calls it stands for.

Run from the repository root:

    python benchmarks/descent.py             # the sidebar's networks, T = 20..200, H = 16..128
    python benchmarks/descent.py --quick     # a smoke run

The sidebar's "steps" slider trains the live network with rnn_core.descend (ui.data.live_network):
a new network at 500 steps is 500 forward passes and 500 BPTT sweeps, one loop over t each. The
plain reference is the loop a reader would write, ``g = bptt(θ, trace); θ = θ.sgd_step(g, lr);
trace = forward(θ, xs, y)``, which checks its arguments and copies the parameters at every call;
descend checks once. Both run on one sequence (B = 1, as the live network does), lr = 0.01, W
orthogonal with σ_max(W) = 1, seed 0; the two are checked to give the same losses bit for bit
first. Median of --repeat runs of --steps steps with time.process_time, the two alternating.
Prints a Markdown table of milliseconds per step.

The third column is a floor, not a reference: the least a step can do in numpy, one matrix product
and one elementwise call per t forward (h ← f(h Wᵀ + a)) and the same backward (δ ← (δ W + e)·f′),
with nothing else: no loss, no checks, no gradient sums. It computes no gradient, so it is not
compared with the others; it says how much of a step is the loop over t itself.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import rnn_core as rc  # noqa: E402


def plain(params, xs, ys, activation: str, lr: float, steps: int) -> np.ndarray:
    """The reference: the public calls, one after another."""
    trace = rc.forward(params, xs, ys, activation=activation)
    losses = [trace.loss]
    for _ in range(steps):
        params = params.sgd_step(rc.bptt(params, trace), lr)
        trace = rc.forward(params, xs, ys, activation=activation)
        losses.append(trace.loss)
    return np.array(losses)


def bare(W: np.ndarray, a: np.ndarray, steps: int) -> None:
    """The floor: ``steps`` times, the two loops over t that a BPTT step cannot do without."""
    W_T, fprime = W.T, np.full(a.shape[1:], 0.5)
    for _ in range(steps):
        h = np.zeros(a.shape[1:])
        for t in range(len(a)):
            h = np.tanh(h @ W_T + a[t])
        delta = np.zeros(a.shape[1:])
        for t in range(len(a) - 1, -1, -1):
            delta = (delta @ W + a[t]) * fprime


def _ms_per_step(call, steps: int) -> float:
    start = time.process_time()
    call()
    return 1000 * (time.process_time() - start) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    settings = (
        [(10, 8, "tanh")]
        if args.quick
        else [
            (T, H, act) for T, H in ((20, 16), (50, 16), (200, 16), (200, 128)) for act in ("tanh", "sigmoid")
        ]
    )
    steps = 2 if args.quick else args.steps
    print(f"{steps} steps per run, median of {args.repeat}; B = 1, D = K = 3, lr = 0.01\n")
    print("| T | H | f | plain loop (ms/step) | descend (ms/step) | plain / descend | floor (ms/step) |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for T, H, act in settings:
        params = rc.RNNParams.init(3, H, 3, seed=0)
        xs, ys = rc.random_sequence(T, 3, 3, seed=0)
        run = rc.descend(params, xs, ys, activation=act, lr=0.01, steps=steps)
        np.testing.assert_array_equal(run.losses, plain(params, xs, ys, act, 0.01, steps))
        calls = {
            "plain": partial(plain, params, xs, ys, act, 0.01, steps),
            "descend": partial(rc.descend, params, xs, ys, activation=act, lr=0.01, steps=steps),
            "floor": partial(bare, params.W, xs @ params.U.T, steps),
        }
        times: dict[str, list[float]] = {k: [] for k in calls}
        for _ in range(args.repeat):
            for k, call in calls.items():
                times[k].append(_ms_per_step(call, steps))
        p, d, f = (statistics.median(times[k]) for k in ("plain", "descend", "floor"))
        print(f"| {T} | {H} | {act} | {p:.3f} | {d:.3f} | {p / d:.2f} | {f:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
