r"""What sending a cached computation to the worker process costs the server, against computing it in place.

Run from the repository root:

    python benchmarks/offload.py            # three computations, 40 distinct misses each
    python benchmarks/offload.py --quick    # a smoke run

A cached function marked ``offload`` (ui/offload.py) has its misses computed by a worker process
while the run gives the server's turn away. That frees the server for the other sessions only if
sending the call and taking its result back costs less of the server's CPU than the computation
itself. For each computation, --calls distinct misses (a new seed each, so that nothing is a hit)
are made in a thread holding the turn, first through the worker, then in place, with the offload
switched off; the results of the two are checked to be equal first. Prints the server's CPU
(time.process_time of this process: what the other sessions would have lost) and the wall time
per call, in milliseconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the app runs

import numpy as np  # noqa: E402
import streamlit.logger  # noqa: E402

from ui import jobs, offload  # noqa: E402
from ui.bug_lab import calls as lab  # noqa: E402
from ui.data import live_network  # noqa: E402
from ui.state import DEFAULT  # noqa: E402
from ui.turns import TURNS  # noqa: E402
from ui.update_rules import calls as rules  # noqa: E402

CASES = {
    # name: (what it computes, the call for seed i)
    "live network, 25 steps at T = 20 (the smallest descent sent away)": lambda i: (
        live_network,
        (replace(DEFAULT, seed=i), 25),
    ),
    "Update rules' path report at T = 100, H = 64 (the smallest network sent away)": lambda i: (
        rules.path_report,
        (replace(DEFAULT, T=100, H=64, seed=i), 0, 100, "W"),
    ),
    "Bug lab check at the defaults": lambda i: (lab.lab_check, (replace(DEFAULT, seed=i), 0, "prev_state")),
}


def canonical(obj):
    """``obj`` as nested tuples of plain values, every array as (dtype, shape, bytes): two results
    are the same to the last bit when their canonical forms are equal (their pickles may differ in
    which objects they share)."""
    if dataclasses.is_dataclass(obj):
        return (type(obj).__name__, *(canonical(getattr(obj, f.name)) for f in dataclasses.fields(obj)))
    if isinstance(obj, np.ndarray):
        return (obj.dtype.str, obj.shape, obj.tobytes())
    if isinstance(obj, (tuple, list)):
        return tuple(canonical(x) for x in obj)
    if isinstance(obj, dict):
        return tuple((k, canonical(v)) for k, v in obj.items())
    if isinstance(obj, float):
        return np.float64(obj).tobytes()
    return obj


def run(fn, calls: list[tuple]) -> tuple[float, float, list]:
    """(server CPU ms, wall ms) per call, and the results, of ``fn`` on each argument tuple."""
    fn.clear()
    out = []
    with TURNS.turn():
        c0, w0 = time.process_time(), time.perf_counter()
        for args in calls:
            out.append(fn(*args))
        c1, w1 = time.process_time(), time.perf_counter()
    n = len(calls)
    return (c1 - c0) / n * 1e3, (w1 - w0) / n * 1e3, out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=40)
    ap.add_argument("--quick", action="store_true", help="3 calls each")
    args = ap.parse_args(argv)
    n = 3 if args.quick else args.calls
    streamlit.logger.set_log_level("ERROR")
    logging.disable(logging.WARNING)  # Streamlit's caches say they run without a server, once each
    worker = offload.Offload(jobs.ProcessBackend(1, setup=offload._worker_setup))
    try:
        offload.OFFLOAD = worker
        warm_fn, warm_args = CASES[next(iter(CASES))](10_000)
        run(warm_fn, [warm_args])  # the worker started and its imports done
        print(
            "| computation | sent away: server CPU / wall (ms per call) | in place: server CPU / wall | server CPU saved |"
        )
        print("|---|---:|---:|---:|")
        for name, case in CASES.items():
            calls = [case(i)[1] for i in range(1, n + 1)]
            fn = case(0)[0]
            offload.OFFLOAD = worker
            started = worker.registry.started
            sent_cpu, sent_wall, sent = run(fn, calls)
            if worker.registry.started - started != n:
                raise SystemExit(f"{name}: {worker.registry.started - started} of {n} calls were sent away")
            offload.OFFLOAD = offload.Offload(None)
            here_cpu, here_wall, here = run(fn, calls)
            if canonical(sent) != canonical(here):
                raise SystemExit(f"{name}: the worker's results differ from the ones computed in place")
            saved = 1 - sent_cpu / here_cpu
            print(
                f"| {name} | {sent_cpu:.2f} / {sent_wall:.2f} | {here_cpu:.2f} / {here_wall:.2f} | {saved:.0%} |"
            )
    finally:
        worker.backend.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
