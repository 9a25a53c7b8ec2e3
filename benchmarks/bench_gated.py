r"""Speed of the gated cells: LSTM and GRU forward + BPTT against the vanilla RNN's, same sizes.

Run from the repository root:

    python benchmarks/bench_gated.py               # T = 1000, B = 1, H = 128 (the DESIGN.md goal sizes)
    python benchmarks/bench_gated.py --quick       # T = 100, H = 32: a smoke run
    python benchmarks/bench_gated.py --repeat 9    # median of 9 runs instead of 5

One BLAS thread (set before numpy is imported), so that the ratio measures the work and not how
the BLAS shares two cores with other processes. Each cell's gradient is first checked against
central differences on the 3 largest entries of every field (the run stops with an AssertionError
otherwise, so a fast wrong answer cannot pass); then forward + bptt of the three cells are timed,
alternating, one warm-up call each and the median of --repeat calls. The goal: a gated cell
within 4× the vanilla RNN's time.

Then one Adam training step of the LSTM at B = 32, T = 60, H = 32 on the adding problem (the
Training lab's "Gates fix it" preset: lr 0.01, norm clipping at 1): forward, bptt of L/B,
clip_by_norm and adam.update, the median of --adam-steps consecutive steps. Its first step is first
checked against rnn_core.train's (the same parameters to 1e-12, or an AssertionError).
"""

from __future__ import annotations

import os

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ[_name] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_core import median_ms  # noqa: E402  (benchmarks/ is on the path when run as a script)

import rnn_core as rc  # noqa: E402

GOAL = 4.0  # a gated cell's forward + BPTT within this multiple of the vanilla RNN's
AGREE = 1e-6  # relative error allowed between BPTT and central differences on the checked entries
ADAM = dict(T=60, batch_size=32, hidden=32, lr=0.01, threshold=1.0)  # the Training lab's gates preset


def check(params, xs, targets) -> float:
    """The largest relative error of BPTT against central differences over the 3 largest entries of
    every field's gradient (a tiny entry would measure the differences' rounding, not BPTT)."""
    grads = rc.bptt(params, rc.forward(params, xs, targets))
    worst = 0.0
    for name in params.arrays():
        entries = np.argsort(np.abs(getattr(grads, name)).ravel())[-3:]
        numeric = rc.numerical_partial(params, xs, targets, wrt=name, loss="softmax_ce", entries=entries)
        worst = max(worst, rc.rel_error(getattr(grads, name).flat[entries], numeric.flat[entries]))
    return worst


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="T = 100, H = 32: a smoke run")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per cell (≥ 5)")
    parser.add_argument("--adam-steps", type=int, default=50, help="LSTM Adam steps timed (≥ 5)")
    args = parser.parse_args(argv)
    if args.repeat < 5:
        parser.error(f"--repeat must be ≥ 5; received {args.repeat}")
    if args.adam_steps < 5:
        parser.error(f"--adam-steps must be ≥ 5; received {args.adam_steps}")
    T, B, D, H, K = (100, 1, 8, 32, 8) if args.quick else (1000, 1, 8, 128, 8)
    rng = np.random.default_rng(0)
    xs, targets = rng.standard_normal((T, B, D)), rng.integers(0, K, (T, B))
    cells = {
        "RNN (tanh)": rc.RNNParams.init(D, H, K, seed=0),
        "LSTM": rc.LSTMParams.init(D, H, K, seed=0),
        "GRU": rc.GRUParams.init(D, H, K, seed=0),
    }
    for name, params in cells.items():
        error = check(params, xs, targets)
        assert error < AGREE, (name, error)
        print(f"  {name}: BPTT agrees with central differences to {error:.1e}", file=sys.stderr)

    def run(params):
        return lambda: rc.bptt(params, rc.forward(params, xs, targets))

    times = median_ms([run(params) for params in cells.values()], args.repeat)
    vanilla = times[0]
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, 1 BLAS thread")
    print(f"forward + bptt, T = {T}, B = {B}, D = {D}, H = {H}, K = {K}, median of {args.repeat}\n")
    print("| cell | ms | × RNN | goal |")
    print("|---|---:|---:|---|")
    for name, ms in zip(cells, times):
        ratio = ms / vanilla
        goal = "" if name.startswith("RNN") else ("met" if ratio <= GOAL else "MISSED") + f" (≤ {GOAL:g}×)"
        print(f"| {name} | {ms:.1f} | {ratio:.2f} | {goal} |")
    print("\n".join(["", *adam_step_rows(args.adam_steps)]))


def adam_step_rows(steps: int) -> list[str]:
    """The LSTM's Adam step at the gates preset's sizes: checked against rc.train, then timed."""
    T, B, H, lr, threshold = (ADAM[k] for k in ("T", "batch_size", "hidden", "lr", "threshold"))
    params = rc.LSTMParams.init(2, H, 1, seed=0)
    adam = rc.adam(lr)
    state = {"opt": adam.init(params), "step": 0}

    def step():
        batch = rc.batch_at("adding_problem", state["step"], T=T, batch_size=B, seed=0)
        params = state["opt"].params
        trace = rc.forward(params, batch.xs, batch.targets, loss=batch.loss, mask=batch.mask)
        grads = rc.tree_map(lambda g: g / B, rc.bptt(params, trace))  # the gradient of L/B, as train takes it
        grads, _ = rc.clip_by_norm(grads, threshold)
        state["opt"] = adam.update(state["opt"], grads, state["step"])[1]
        state["step"] += 1

    step()
    reference = rc.train(
        params, "adding_problem", T=T, batch_size=B, optimizer="adam", lr=lr, clip="norm",
        threshold=threshold, steps=1, seed=0,
    )  # fmt: skip
    for name, value in reference.params.arrays().items():
        error = rc.rel_error(getattr(state["opt"].params, name), value)
        assert error < 1e-12, (name, error)
    print("  LSTM Adam step: its first step is rnn_core.train's", file=sys.stderr)
    ms = median_ms([step], steps)[0]
    return [
        f"one Adam step of the LSTM, adding problem, B = {B}, T = {T}, H = {H}, lr {lr:g}, norm clip "
        f"{threshold:g}: median of {steps} consecutive steps",
        "",
        "| step | ms |",
        "|---|---:|",
        f"| forward + bptt + clip_by_norm + adam.update | {ms:.1f} |",
    ]


if __name__ == "__main__":
    main()
