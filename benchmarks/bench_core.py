r"""Speed of rnn_core against the plain per-step references of benchmarks/reference.py.

Run from the repository root:

    python benchmarks/bench_core.py                     # the sizes of the DESIGN.md §5 goals
    python benchmarks/bench_core.py --quick             # small sizes, a few seconds: a smoke run
    python benchmarks/bench_core.py --repeat 9          # median of 9 runs instead of 5
    python benchmarks/bench_core.py --blas-threads 1    # OpenBLAS/MKL/OpenMP limited to 1 thread

Every row first checks that rnn_core and the reference agree (the run stops with an
AssertionError otherwise, so a fast wrong answer cannot pass), then times both: one warm-up call
each, then the median of --repeat calls each, with time.perf_counter, the two alternating so that
both meet the same load. The network is the app's default kind: tanh, softmax_ce, W orthogonal
with σ_max(W) = 1, seed 0, inputs N(0, 1); one row repeats jacobian_log_norms with W = I, where
the Jacobian is diagonal. Prints the machine, a Markdown table (with a PyTorch autograd column when
``import torch`` works), and the peak memory that ``contributions`` allocates. On a shared machine
a multi-threaded BLAS can be much slower than one thread: compare runs made with the same
--blas-threads.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import statistics
import sys
import time
import tracemalloc
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")
AGREE = 1e-9  # relative error (log₁₀ units for jacobian_log_norms) allowed between the two


def load(blas_threads: int | None):
    """rnn_core and the references from this clone (no install); the BLAS reads its threads at import."""
    if blas_threads is not None:
        for name in THREAD_VARIABLES:
            os.environ[name] = str(blas_threads)
    sys.path.insert(0, str(ROOT))
    return importlib.import_module("rnn_core"), importlib.import_module("benchmarks.reference")


def median_ms(fns: list, repeat: int) -> list[float]:
    """Median wall time of ``repeat`` calls of each fn after one warm-up call each, in ms.

    The calls alternate (f, g, f, g, …) so that every fn meets the same load on a shared machine.
    """
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeat):
        for fn, fn_times in zip(fns, times):
            start = time.perf_counter()
            fn()
            fn_times.append(time.perf_counter() - start)
    return [1e3 * statistics.median(fn_times) for fn_times in times]


def rel_error(x, y) -> float:
    """‖x − y‖ / max(‖x‖, ‖y‖), 0 when both are zero."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    scale = max(np.linalg.norm(x), np.linalg.norm(y))
    return 0.0 if scale == 0 else float(np.linalg.norm(x - y) / scale)


def entrywise_rel_error(x, y) -> float:
    """max |x − y| / |y| over the entries, so that the tiny entries of a vanishing gradient count
    as much as the large ones; an entry zero in one and not in the other counts as inf."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if ((x == 0) != (y == 0)).any():
        return np.inf
    nonzero = y != 0
    return float(np.max(np.abs(x[nonzero] - y[nonzero]) / np.abs(y[nonzero]), initial=0.0))


def log_norm_error(x, y) -> float:
    """max |x − y| over the finite entries of two log₁₀ profiles, inf unless ±inf/nan agree."""
    finite = np.isfinite(y)
    if not (np.isfinite(x) == finite).all() or not np.array_equal(x[~finite], y[~finite], equal_nan=True):
        return np.inf
    return float(np.max(np.abs(x[finite] - y[finite]), initial=0.0))


def network(rc, *, T, B, D, H, K, w_init="orthogonal", seed=0):
    """Parameters, inputs (T, B, D) ~ N(0, 1) and integer targets (T, B), all from ``seed``."""
    params = rc.RNNParams.init(D, H, K, w_init=w_init, seed=seed)
    rng = np.random.default_rng(seed)
    return params, rng.standard_normal((T, B, D)), rng.integers(0, K, (T, B))


def torch_forward_bptt(torch, params, xs, targets):
    """The same loss by PyTorch autograd (tanh, softmax_ce, float64); returns the gradients."""
    p = {name: torch.tensor(arr, requires_grad=True) for name, arr in params.arrays().items()}
    x, y = torch.from_numpy(xs), torch.from_numpy(targets)
    h = torch.zeros(xs.shape[1], params.n_hidden, dtype=torch.float64)
    loss = 0.0
    for t in range(xs.shape[0]):
        h = torch.tanh(p["b"] + h @ p["W"].T + x[t] @ p["U"].T)
        loss = loss + torch.nn.functional.cross_entropy(p["c"] + h @ p["V"].T, y[t], reduction="sum")
    loss.backward()
    return {name: tensor.grad.numpy() for name, tensor in p.items()}


def run(rc, ref, torch, *, quick: bool, repeat: int) -> list[dict]:
    """Every row: check agreement, then time; returns the rows of the table."""
    rows = []

    def row(what, size, reference, core, error, goal=None, torch_fn=None):
        ref_ms, core_ms, *torch_ms = median_ms([reference, core] + ([torch_fn] if torch_fn else []), repeat)
        rows.append(
            dict(
                what=what,
                size=size,
                ref_ms=ref_ms,
                core_ms=core_ms,
                torch_ms=torch_ms[0] if torch_ms else None,
                goal=goal,
                error=error,
            )
        )
        print(f"  {what}, {size}: {ref_ms:.1f} ms → {core_ms:.1f} ms", file=sys.stderr)

    # forward + BPTT, one sequence
    T, H = (100, 32) if quick else (1000, 128)
    params, xs, y = network(rc, T=T, B=1, D=8, H=H, K=8)
    trace = rc.forward(params, xs, y)
    grads = rc.bptt(params, trace)
    ref_trace = ref.forward(params, xs, y)
    ref_grads = ref.bptt(params, ref_trace)
    fwd_error = max(rel_error(trace.h, ref_trace.h), rel_error(trace.losses, ref_trace.losses))
    grad_error = max(rel_error(getattr(grads, name), ref_grads[name]) for name in "UWVbc")
    assert fwd_error < AGREE and grad_error < AGREE, (fwd_error, grad_error)
    torch_fn = None
    if torch is not None:
        torch_grads = torch_forward_bptt(torch, params, xs, y)
        torch_error = max(rel_error(getattr(grads, name), torch_grads[name]) for name in "UWVbc")
        assert torch_error < AGREE, torch_error
        torch_fn = partial(torch_forward_bptt, torch, params, xs, y)
    size = f"T={T}, B=1, H={H}, D=K=8"
    row(
        "forward + bptt",
        size,
        lambda: ref.bptt(params, ref.forward(params, xs, y)),
        lambda: rc.bptt(params, rc.forward(params, xs, y)),
        max(fwd_error, grad_error),
        goal=("ms", 15.0),
        torch_fn=torch_fn,
    )
    row("forward", size, partial(ref.forward, params, xs, y), partial(rc.forward, params, xs, y), fwd_error)
    row("bptt", size, partial(ref.bptt, params, ref_trace), partial(rc.bptt, params, trace), grad_error)

    # ‖∂h⁽ᵀ⁾/∂h⁽ᵏ⁾‖₂ for every k: W orthogonal, then W = I (a diagonal Jacobian)
    for w_init, label in (("orthogonal", "jacobian_log_norms"), ("identity", "jacobian_log_norms, W = I")):
        params, xs, y = network(rc, T=T, B=1, D=8, H=H, K=8, w_init=w_init)
        trace, ref_trace = rc.forward(params, xs, y), ref.forward(params, xs, y)
        error = log_norm_error(
            rc.jacobian_log_norms(params, trace), ref.jacobian_log_norms(params, ref_trace)
        )
        assert error < AGREE, (label, error)
        row(
            label,
            f"T={T}, H={H}",
            partial(ref.jacobian_log_norms, params, ref_trace),
            partial(rc.jacobian_log_norms, params, trace),
            error,
            goal=("x", 10.0) if w_init == "orthogonal" else None,
        )

    # all T² path terms: contributions (norms) and distance_terms (sums by distance)
    T, H = (40, 16) if quick else (200, 64)
    for B in (1, 8):
        params, xs, y = network(rc, T=T, B=B, D=8, H=H, K=8)
        trace, ref_trace = rc.forward(params, xs, y), ref.forward(params, xs, y)
        error = entrywise_rel_error(rc.contributions(params, trace), ref.contributions(params, ref_trace))
        assert error < AGREE, ("contributions", B, error)
        row(
            "contributions (wrt W)",
            f"T={T}, B={B}, H={H}",
            partial(ref.contributions, params, ref_trace),
            partial(rc.contributions, params, trace),
            error,
            goal=("x", 10.0),
        )
    for B in (1, 8):
        params, xs, y = network(rc, T=T, B=B, D=8, H=H, K=8)
        trace, ref_trace = rc.forward(params, xs, y), ref.forward(params, xs, y)
        error = rel_error(rc.distance_terms(params, trace), ref.distance_terms(params, ref_trace))
        assert error < AGREE, ("distance_terms", B, error)
        row(
            "distance_terms (wrt W)",
            f"T={T}, B={B}, H={H}",
            partial(ref.distance_terms, params, ref_trace),
            partial(rc.distance_terms, params, trace),
            error,
        )
    return rows


def contributions_memory(rc, *, quick: bool) -> str:
    """Peak memory allocated during contributions(B=8), against what materialising would take."""
    T, B, H = (40, 8, 16) if quick else (200, 8, 64)
    params, xs, y = network(rc, T=T, B=B, D=8, H=H, K=8)
    trace = rc.forward(params, xs, y)
    rc.contributions(params, trace)  # warm-up: numpy's own first-call allocations are not ours
    tracemalloc.start()
    rc.contributions(params, trace)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    pairs = T * (T + 1) // 2
    mb = 1e-6 * 8  # bytes of a float64, in MB
    return (
        f"Peak memory allocated by contributions (wrt W), T={T}, B={B}, H={H} (tracemalloc): "
        f"{1e-6 * peak:.2f} MB, of which the (T, T) result is {T * T * mb:.2f} MB. For scale: the "
        f"{pairs} path terms as H×H matrices would take {pairs * H * H * mb:.0f} MB, their "
        f"errors δₖ⁽ˢ⁾ (B, H) {pairs * B * H * mb:.1f} MB, the trace's h {trace.h.size * mb:.2f} MB."
    )


def machine(blas_threads: int | None) -> str:
    blas = "?"
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{config['name']} {config['version']}"
    except Exception:  # the layout of show_config's dict is not a stable API
        pass
    threads = blas_threads if blas_threads is not None else os.environ.get("OPENBLAS_NUM_THREADS", "default")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"numpy {np.__version__} ({blas}, BLAS threads: {threads}), Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} CPUs, load average {load}"
    )


def table(rows: list[dict], with_torch: bool) -> str:
    head = ["what", "size", "reference ms", "rnn_core ms", "speed-up"]
    head += ["PyTorch autograd ms"] if with_torch else []
    head += ["goal", "agreement"]
    align = ["---"] * 2 + ["---:"] * (len(head) - 4) + ["---", "---:"]  # numbers to the right
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for r in rows:
        speedup = r["ref_ms"] / r["core_ms"]
        cells = [r["what"], r["size"], f"{r['ref_ms']:.1f}", f"{r['core_ms']:.1f}", f"{speedup:.1f}×"]
        if with_torch:
            cells.append("—" if r["torch_ms"] is None else f"{r['torch_ms']:.1f}")
        if r["goal"] is None:
            cells.append("")
        elif r["goal"][0] == "ms":
            cells.append(f"< {r['goal'][1]:g} ms: {'met' if r['core_ms'] < r['goal'][1] else 'NOT met'}")
        else:
            cells.append(f"≥ {r['goal'][1]:g}×: {'met' if speedup >= r['goal'][1] else 'NOT met'}")
        cells.append(f"{r['error']:.0e}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per measurement (median)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run of a few seconds")
    parser.add_argument("--blas-threads", type=int, default=None, help="limit the BLAS to this many threads")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be ≥ 1")
    rc, ref = load(args.blas_threads)
    try:
        import torch
    except ImportError:
        torch = None
    print(f"Machine: {machine(args.blas_threads)}")
    rows = run(rc, ref, torch, quick=args.quick, repeat=args.repeat)
    print(f"Median of {args.repeat} runs after a warm-up; agreement = largest relative error against the")
    print("reference (log₁₀ units for jacobian_log_norms, entrywise for contributions).\n")
    print(table(rows, with_torch=torch is not None))
    print()
    print(contributions_memory(rc, quick=args.quick))


if __name__ == "__main__":
    main()
