"""What one rerun of each page costs the server, as a multiple of Streamlit's own floor.

    python benchmarks/page_cost.py                      # every page, 30 reruns of each kind
    python benchmarks/page_cost.py --pages vanishing --reruns 50 --json page_cost.json
    python benchmarks/page_cost.py --pages vanishing --largest-only --repeat 3 --rerun-key scale \
        --query "vpaths=true"                           # the largest settings, one section open

One server, one session at a time (nothing else loads the server). For each page of ui/site.py:

- **hit**: the page opened (from a link with ``--query``, if given), then the sidebar's T slider
  moved back and forth between two values, so that after the first two runs every cached result is
  a hit: what a revisited configuration costs;
- **miss**: the sidebar's seed set to a new value each time, so that every network-dependent result
  is computed afresh: what a new configuration costs;
- **largest**: the page opened at its largest settings (H = 128, T = 200) and one sidebar control
  moved by one step (``--rerun-key``: T from 200 to 199, or σ_max(W) ``scale`` up one step): the
  wall time and the server's CPU time of the first page and of that rerun. Each of ``--repeat``
  rounds opens a fresh session with its own seed, so that every round computes afresh (no cache
  hit from the round before). ``--query`` adds to that link (a page's own controls, or the
  sections it opens); ``--largest-only`` measures this alone.

The cost of a run is the server's CPU seconds (from /proc, the process and its children) over the
runs, divided by their number; the floor is the same measure on benchmarks/floor_app.py (a title,
a slider, a small Altair chart) in the same invocation. Also reported: the wall latency (p50) and
the bytes a run sends.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks import loadtest as lt  # noqa: E402
from ui.site import PAGES  # noqa: E402

TIMEOUT = 120.0
LARGEST = "H=128&T=200"


def _widget(s: lt.Session, url_key: str) -> lt.Widget:
    for w in s.widgets.values():
        if w.url_key == url_key:
            return w
    bound = sorted(w.url_key for w in s.widgets.values() if w.url_key)
    raise ValueError(f"/{s.page_name} draws no widget bound to {url_key!r}; it has {bound}")


async def _measure(s: lt.Session, meter: lt.ProcessMeter, changes) -> dict:
    cpu0, lat, sizes = meter.cpu_seconds(), [], []
    for widget, value in changes:
        r = await s.change(widget, value, TIMEOUT)
        if r.status != "ok":
            raise RuntimeError(f"/{s.page_name}: {r.status} {r.errors}")
        lat.append(r.latency)
        sizes.append(r.n_bytes)
    cpu = meter.cpu_seconds() - cpu0
    return {
        "cpu_ms": 1000 * cpu / len(changes),
        "wall_p50_ms": 1000 * statistics.median(lat),
        "kb": statistics.median(sizes) / 1024,
    }


async def _page(url: str, pid: int, path: str, reruns: int, query: str = "") -> dict:
    meter = lt.ProcessMeter(pid)
    out: dict = {"page": path or "overview", "query": query}
    s = lt.Session(url)
    await s.connect()
    try:
        first = await s.load(path, query, TIMEOUT)
        out["first_ms"] = 1000 * first.latency
        T = _widget(s, "T")
        t0 = s.values[T.id][0]
        a, b = (t0,), (t0 - 1,)
        await s.change(T, b, TIMEOUT)  # both values computed once
        await s.change(T, a, TIMEOUT)
        out["hit"] = await _measure(s, meter, [(T, b if k % 2 == 0 else a) for k in range(reruns)])
        seed = _widget(s, "seed")
        base = int(s.values[seed.id] if seed.kind == "number_input" else s.values[seed.id][0])
        values = [base + 1 + k for k in range(reruns)]
        out["miss"] = await _measure(
            s, meter, [(seed, float(v) if seed.kind == "number_input" else (float(v),)) for v in values]
        )
    finally:
        await s.close()
    out.update(await _largest(url, pid, path, query, "T", 1, seed0=0))
    return out


def _step(w: lt.Widget, value: tuple) -> tuple:
    """``value`` one step of the slider ``w`` along: down for T (200 → 199), up otherwise."""
    v = float(value[0])
    return (v - w.step,) if w.url_key == "T" or v + w.step > w.hi else (round(v + w.step, 10),)


async def _largest(
    url: str, pid: int, path: str, query: str, rerun_key: str, repeat: int, seed0: int
) -> dict:
    """The page at H = 128, T = 200 (+ ``query``), then ``rerun_key`` moved one step; ``repeat``
    fresh sessions, round i with seed ``seed0 + i`` so that each computes afresh. Wall and server
    CPU milliseconds of each round's first page and rerun, and their medians."""
    meter = lt.ProcessMeter(pid)
    rounds = []
    for i in range(repeat):
        link = "&".join(q for q in (LARGEST, query, f"seed={seed0 + i}" if seed0 + i else "") if q)
        s = lt.Session(url)
        await s.connect()
        try:
            cpu0 = meter.cpu_seconds()
            first = await s.load(path, link, TIMEOUT)
            cpu1 = meter.cpu_seconds()
            if first.status != "ok":
                raise RuntimeError(f"/{path}?{link}: {first.status} {first.errors}")
            w = _widget(s, rerun_key)
            r = await s.change(w, _step(w, s.values[w.id]), TIMEOUT)
            cpu2 = meter.cpu_seconds()
            if r.status != "ok":
                raise RuntimeError(f"/{path}?{link}, {rerun_key} moved: {r.status} {r.errors}")
        finally:
            await s.close()
        rounds.append(
            {
                "first_ms": 1000 * first.latency,
                "first_cpu_ms": 1000 * (cpu1 - cpu0),
                "rerun_ms": 1000 * r.latency,
                "rerun_cpu_ms": 1000 * (cpu2 - cpu1),
            }
        )
    med = {f"largest_{k}": statistics.median(r[k] for r in rounds) for k in rounds[0]}
    return {**med, "largest_rounds": rounds, "largest_query": query, "rerun_key": rerun_key}


async def _floor(url: str, pid: int, reruns: int) -> dict:
    meter = lt.ProcessMeter(pid)
    s = lt.Session(url)
    await s.connect()
    try:
        await s.load("", "", TIMEOUT)
        (slider,) = [w for w in s.widgets.values() if w.kind == "slider"]
        return await _measure(s, meter, [(slider, (slider.lo + 1 + k % 40,)) for k in range(reruns)])
    finally:
        await s.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", default=",".join(p.url_path or "overview" for p in PAGES))
    ap.add_argument("--reruns", type=int, default=30)
    ap.add_argument("--json", dest="json_path")
    ap.add_argument("--largest-only", action="store_true", help="measure only the largest settings")
    ap.add_argument(
        "--query", default="", help="the link's query (added to the largest settings'), e.g. vpaths=true"
    )
    ap.add_argument("--rerun-key", default="T", help="the sidebar control moved for the rerun: T or scale")
    ap.add_argument("--repeat", type=int, default=1, help="rounds at the largest settings (medians shown)")
    args = ap.parse_args(argv)
    if args.largest_only:
        return _largest_only(args)
    with lt.StreamlitServer(lt.FLOOR_APP) as server:
        floor = asyncio.run(_floor(server.url, server.proc.pid, args.reruns))
    rows = []
    with lt.StreamlitServer(REPO / "streamlit_app.py", env={"OPENBLAS_NUM_THREADS": "1"}) as server:
        for name in args.pages.split(","):
            path = "" if name == "overview" else name
            rows.append(asyncio.run(_page(server.url, server.proc.pid, path, args.reruns, args.query)))
    f = floor["cpu_ms"]
    print(f"floor: {f:.1f} ms server CPU per rerun (wall p50 {floor['wall_p50_ms']:.0f} ms, "
          f"{floor['kb']:.1f} kB); load average {lt.load_average()}"
          + (f"; each page opened with ?{args.query}" if args.query else ""))  # fmt: skip
    print("| page | hit: CPU ms (× floor) | miss: CPU ms (× floor) | wall p50 hit / miss (ms) | kB per run |"
          " first page (ms) | largest: first / rerun (s) |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        h, m = r["hit"], r["miss"]
        print(
            f"| {r['page']} | {h['cpu_ms']:.0f} ({h['cpu_ms'] / f:.1f}×) | {m['cpu_ms']:.0f} ({m['cpu_ms'] / f:.1f}×)"
            f" | {h['wall_p50_ms']:.0f} / {m['wall_p50_ms']:.0f} | {h['kb']:.0f} | {r['first_ms']:.0f}"
            f" | {r['largest_first_ms'] / 1000:.2f} / {r['largest_rerun_ms'] / 1000:.2f} |"
        )
    if args.json_path:
        Path(args.json_path).write_text(json.dumps({"floor": floor, "pages": rows}, indent=1))
    return 0


def _largest_only(args) -> int:
    rows = []
    with lt.StreamlitServer(REPO / "streamlit_app.py", env={"OPENBLAS_NUM_THREADS": "1"}) as server:
        for name in args.pages.split(","):
            path = "" if name == "overview" else name
            row = asyncio.run(_largest(server.url, server.proc.pid, path, args.query, args.rerun_key,
                                       args.repeat, seed0=0))  # fmt: skip
            rows.append({"page": path or "overview", **row})
    print(f"largest settings ({LARGEST}&{args.query}), rerun: {args.rerun_key} one step; "
          f"medians of {args.repeat}; load average {lt.load_average()}")  # fmt: skip
    print("| page | first: wall / CPU (s) | rerun: wall / CPU (s) | rounds: first CPU, rerun CPU (s) |")
    print("|---|---:|---:|---|")
    for r in rows:
        each = ", ".join(
            f"{x['first_cpu_ms'] / 1000:.2f}/{x['rerun_cpu_ms'] / 1000:.2f}" for x in r["largest_rounds"]
        )
        print(
            f"| {r['page']} | {r['largest_first_ms'] / 1000:.2f} / {r['largest_first_cpu_ms'] / 1000:.2f}"
            f" | {r['largest_rerun_ms'] / 1000:.2f} / {r['largest_rerun_cpu_ms'] / 1000:.2f} | {each} |"
        )
    if args.json_path:
        Path(args.json_path).write_text(
            json.dumps({"load_average": lt.load_average(), "pages": rows}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
