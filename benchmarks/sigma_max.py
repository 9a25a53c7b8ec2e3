r"""Where σ_max of a Jacobian product's steps is cheaper batched than warm-started.

Run from the repository root:

    python benchmarks/sigma_max.py             # H = 4..128, T = 100: the crossover
    python benchmarks/sigma_max.py --quick     # a smoke run

rnn_core._numerics.SigmaMaxes takes σ_max of every step of a product either from one batched
eigenvalue call per 32 Gram matrices or from the warm-started, certified power iteration, by the
matrix's size m (``BATCHED_SIZE_MAX``). This times rnn_core.jacobian_log_norms (m = H) and the
LSTM's state_jacobian_log_norms (m = 2H) both ways on the app's default network kind (tanh, W
orthogonal, σ_max(W) = 1, seed 0), after checking that the two agree to 1e-12 in log₁₀. Median of
--repeat calls with time.perf_counter, the two alternating. Prints a Markdown table.
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
from rnn_core import _numerics  # noqa: E402


def _timed(call, batched: bool) -> tuple[float, np.ndarray]:
    saved = _numerics.BATCHED_SIZE_MAX
    _numerics.BATCHED_SIZE_MAX = 10**9 if batched else 0
    try:
        start = time.perf_counter()
        out = call()
        return time.perf_counter() - start, out
    finally:
        _numerics.BATCHED_SIZE_MAX = saved


def _row(label: str, m: int, call, repeat: int) -> str:
    _, warm = _timed(call, False)
    _, batched = _timed(call, True)
    np.testing.assert_allclose(batched, warm, rtol=0, atol=1e-12)
    times = {False: [], True: []}
    for _ in range(repeat):
        for mode in (False, True):
            times[mode].append(_timed(call, mode)[0])
    w, b = (1000 * statistics.median(times[mode]) for mode in (False, True))
    return f"| {label} | {m} | {w:.2f} | {b:.2f} | {w / b:.2f} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("-T", type=int, default=100)
    args = parser.parse_args(argv)
    sizes = (8, 16) if args.quick else (4, 8, 16, 24, 32, 48, 64, 96, 128)
    T = 10 if args.quick else args.T
    print(f"T = {T}; median of {args.repeat}; BATCHED_SIZE_MAX = {_numerics.BATCHED_SIZE_MAX}\n")
    print("| product | m | warm (ms) | batched (ms) | warm / batched |")
    print("|---|---:|---:|---:|---:|")
    for H in sizes:
        xs = np.random.default_rng(0).standard_normal((T, 1, 2))
        ys = np.zeros((T, 1), dtype=int)
        params = rc.RNNParams.init(2, H, 2, seed=0)
        trace = rc.forward(params, xs, ys)
        print(_row("RNN", H, partial(rc.jacobian_log_norms, params, trace), args.repeat))
        if 2 * H <= max(sizes):
            lstm = rc.LSTMParams.init(2, H, 2, seed=0)
            lt = rc.forward(lstm, xs, ys)
            print(_row("LSTM (h, s)", 2 * H, partial(rc.state_jacobian_log_norms, lstm, lt), args.repeat))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
