r"""Load test: N real Streamlit sessions over the app's websocket, each run timed to ``script_finished``.

Each simulated visitor is one websocket session that speaks the browser's own protocol: a
``BackMsg.rerun_script`` carrying a ``ClientState`` (query string, page, widget states, context
info) asks for a run, and the server streams ``ForwardMsg``\ s back (``new_session``, deltas,
``script_finished``). A visitor opens a page (deep links included), then keeps changing a slider,
select box, … that it discovered in the page's deltas, sending every widget value it has seen, as a
browser does. The server's CPU time and peak RSS come from /proc; st.cache_data hits and misses
from ``/_stcore/metrics``. Usage, from the repository root (more in benchmarks/LOADTEST.md)::

    python benchmarks/loadtest.py --quick
    python benchmarks/loadtest.py --sessions 1,10 --duration 30 --json loadtest.json
    python benchmarks/loadtest.py --url http://127.0.0.1:8501 --server-pid 1234 --sessions 5
    python benchmarks/loadtest.py --scenario herd --sessions 20 --json benchmarks/results/herd.json

Scenarios (``--scenario``): ``mix`` (sessions spread over every page, the default), ``link`` (a class
following one link), ``explore`` (students moving the sidebar's network on their own), ``herd``
(everyone presses Train on one run) and ``soak`` (random configurations for a long while, memory
sampled). Each run also measures the floor: Streamlit's own cost of a rerun of a trivial page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import hashlib
import json
import math
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import streamlit
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.RootContainer_pb2 import RootContainer
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

REPO = Path(__file__).resolve().parents[1]
DEFAULT_APP = REPO / "streamlit_app.py"
# Streamlit's websocket carries one ForwardMsg per frame, up to server.maxMessageSize (200 MB by
# default); the websockets client's own 1 MiB default would drop a session on a large chart.
MAX_FRAME_BYTES = 256 * 2**20
FINISHED_EARLY = ForwardMsg.FINISHED_EARLY_FOR_RERUN
FINISHED_FRAGMENT = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
FINISHED_ERRORS = {ForwardMsg.FINISHED_WITH_COMPILE_ERROR: "script compile error"}
# The browser keeps large element messages (≥ global.minCachedMessageSize, 10 kB) and tells the
# server their hashes with each rerun; the server then sends a small reference instead of an element
# that did not change. A message unused for this many finished runs is dropped (as
# global.maxCachedMessageAge, 2, tells the frontend).
MAX_CACHED_MESSAGE_AGE = 2


# ---------------------------------------------------------------------------------------------
# Configuration


@dataclass
class Config:
    app: Path = DEFAULT_APP
    sessions: tuple[int, ...] = (1, 10, 50, 100)
    rate: float = 0.2  # widget changes per second per session (one every ~5 s)
    duration: float = 30.0  # seconds during which sessions start new actions, per N
    ramp: float = 5.0  # sessions arrive spread uniformly over this many seconds
    run_timeout: float = 30.0  # a run not finished by then counts as failed
    deep_link: float = 0.5  # fraction of sessions that arrive through a link with query values
    nav: float = 0.1  # fraction of actions that switch page instead of changing a widget
    min_actions: int = 0  # actions every session makes even after the deadline
    seed: int = 0
    url: str | None = None  # an already running server; None starts one per N
    server_pid: int | None = None  # with --url: the process to measure
    json_path: Path | None = None
    scenario: str = "mix"  # one of SCENARIOS
    link: str = "/vanishing?act=ReLU&T=50&scale=1.5"  # the link scenario's link
    herd_link: str = "/training?tT=60"  # the herd's page: the run its Train button trains
    herd_button: str = "ttrain"  # the key of the button the herd presses
    herd_window: float = 5.0  # the herd presses within this many seconds
    herd_others: int = 5  # sessions that keep using other pages meanwhile
    herd_others_rate: float = 1.0  # their widget changes per second (enough reruns to time them)
    herd_timeout: float = 600.0  # a press whose result has not come by then fails
    rss_period: float = 10.0  # seconds between two RSS samples of the series (soak: memory over time)
    floor: bool = True  # measure the trivial page's rerun in the same run
    page_only: bool = False  # link: the class moves the page's own controls only, not the sidebar


SCENARIOS = ("mix", "link", "explore", "herd", "soak")
# What each scenario changes in the defaults: the link scenario's class arrives within 10 s and
# stays on its page; the soak runs for 10 minutes.
SCENARIO_DEFAULTS = {
    "link": dict(ramp=10.0, nav=0.0, deep_link=1.0),
    "explore": dict(deep_link=0.0),
    "herd": dict(ramp=5.0),
    "soak": dict(duration=600.0, deep_link=0.5),
}
FLOOR_APP = REPO / "benchmarks" / "floor_app.py"
FLOOR_RERUNS = 20
JOB_LOG = "training job"  # the Training registry's lines that ui.jobs writes when BPTT_JOB_LOG is set
OFFLOAD_LOG = "offload job"  # ui.offload's registry's lines: cached computations sent to a worker


def quick_config(**overrides: Any) -> Config:
    """The smoke version: 5 sessions for a few seconds, every session changes at least one widget."""
    cfg = Config(sessions=(5,), rate=1.0, duration=3.0, ramp=0.5, min_actions=1, floor=False)
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


# ---------------------------------------------------------------------------------------------
# The server: start, wait for health, measure from /proc, always stop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


class StreamlitServer:
    """``streamlit run`` on 127.0.0.1 and a free port, headless, no usage stats, no file watcher.

    It runs in the repository's root, so that the project's ``.streamlit/config.toml`` applies to
    whatever page it serves: the floor's trivial page is measured under the app's own settings (a
    trivial page under Streamlit's default ``runner.postScriptGC = true`` costs ~90 ms of CPU per
    rerun here, against ~22 ms under the app's ``false``).

    A context manager: the process is stopped on exit, whatever happened (error, Ctrl-C).
    """

    def __init__(
        self,
        app: Path = DEFAULT_APP,
        port: int | None = None,
        start_timeout: float = 90.0,
        env: dict[str, str] | None = None,
    ):
        self.app = Path(app).resolve()
        self.env = env
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def __enter__(self) -> StreamlitServer:
        fd, log = tempfile.mkstemp(prefix="loadtest-server-", suffix=".log")
        self.log_path = Path(log)
        cmd = [
            sys.executable, "-m", "streamlit", "run", str(self.app),
            "--server.headless", "true",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
            "--server.fileWatcherType", "none",
            "--server.runOnSave", "false",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        # Its own process group, so a Ctrl-C in the terminal reaches only the load generator,
        # which then stops the server itself (below) after collecting its numbers.
        self.proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdout=fd,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
            env=None if self.env is None else {**os.environ, **self.env},
        )
        os.close(fd)
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            with contextlib.suppress(OSError):
                if http_get(f"{self.url}/_stcore/health", timeout=2.0).strip() == "ok":
                    return
            time.sleep(0.2)
        raise RuntimeError(f"streamlit not healthy after {self.start_timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, n: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the load generator dies, even by SIGKILL, which
    leaves no chance to run ``stop``."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG (Linux)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _proc_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds user + system) of ``pid``, or None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _proc_status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    children = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _proc_stat(int(entry.name))) is not None:
            children[stat[0]].append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children[p])
    return tree


class ProcessMeter:
    """CPU seconds and peak RSS of a process and its children, read from /proc (Linux)."""

    def __init__(self, pid: int | None):
        self.pid = pid
        self.peak_rss_kb = 0

    def cpu_seconds(self) -> float | None:
        if self.pid is None:
            return None
        return sum(stat[1] for p in process_tree(self.pid) if (stat := _proc_stat(p)) is not None)

    def sample_rss(self) -> None:
        if self.pid is None:
            return
        tree = process_tree(self.pid)
        total = sum(_proc_status_kb(p, "VmRSS") for p in tree)
        # VmHWM is the kernel's own high-water mark of the server process: it catches a peak that
        # falls between two samples.
        self.peak_rss_kb = max(self.peak_rss_kb, total, _proc_status_kb(self.pid, "VmHWM"))

    async def sample_forever(self, period: float = 0.5) -> None:
        while True:
            self.sample_rss()
            await asyncio.sleep(period)


# ---------------------------------------------------------------------------------------------
# /_stcore/metrics: OpenMetrics text


def parse_openmetrics(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Samples of an OpenMetrics text page as {(name, sorted labels): value}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, labels = head, ()
        if "{" in head:
            name, rest = head.split("{", 1)
            pairs = []
            for part in rest.rstrip("}").split('",'):
                if "=" in part:
                    k, v = part.split("=", 1)
                    pairs.append((k.strip(), v.strip().strip('"')))
            labels = tuple(sorted(pairs))
        with contextlib.suppress(ValueError):
            samples[(name, labels)] = float(value)
    return samples


def fetch_metrics(base_url: str) -> dict | None:
    try:
        return parse_openmetrics(http_get(f"{base_url}/_stcore/metrics"))
    except (OSError, urllib.error.URLError):
        return None


def metrics_delta(before: dict | None, after: dict | None) -> dict[str, Any]:
    """What the server's own counters say happened between two scrapes."""
    if before is None or after is None:
        return {"available": False}

    def diff(name: str, **match: str) -> float:
        total = 0.0
        for (n, labels), value in after.items():
            if n == name and all(dict(labels).get(k) == v for k, v in match.items()):
                total += value - before.get((n, labels), 0.0)
        return total

    caches: dict[str, dict[str, float]] = {}
    for (name, labels), _ in after.items():
        d = dict(labels)
        if name == "cache_lookups_total" and d.get("cache_type") == "st_cache_data":
            caches.setdefault(d["cache"], {})[d["result"]] = diff(name, **d)
    hits = sum(c.get("hit", 0.0) for c in caches.values())
    misses = sum(c.get("miss", 0.0) for c in caches.values())
    memory = sum(
        v for (n, labels), v in after.items() if n == "cache_memory_bytes" and "st_cache_data" in str(labels)
    )
    return {
        "available": True,
        "sessions_connected": diff("session_events_total", type="connect"),
        "cache_data": {
            "hits": hits,
            "misses": misses,
            "hit_ratio": hits / (hits + misses) if hits + misses else None,
            "per_function": caches,
            "memory_bytes": memory or None,
        },
        "families": sorted({name for name, _ in after}),
    }


# ---------------------------------------------------------------------------------------------
# Widgets, as a browser holds them: discovered in the deltas, sent back with every rerun

CHANGEABLE = ("slider", "select_slider", "selectbox", "radio", "number_input", "checkbox")


@dataclass
class Widget:
    """A widget seen in a delta: what its value looks like and which values it accepts.

    Values: slider → tuple of floats, select_slider → tuple of option labels, selectbox and radio
    → the option label (that is what the wire carries since widgets bind to the URL), number_input
    → float, checkbox → bool.
    """

    id: str
    kind: str
    label: str
    default: Any
    url_key: str | None = None
    fragment_id: str | None = None
    changeable: bool = True
    options: tuple[str, ...] = ()
    lo: float = 0.0
    hi: float = 0.0
    step: float = 1.0
    sidebar: bool = False  # drawn in the sidebar (the shared network)

    def state(self, value: Any) -> WidgetState:
        s = WidgetState(id=self.id)
        if self.kind == "slider":
            s.double_array_value.data[:] = list(value)
        elif self.kind == "select_slider":
            s.string_array_value.data[:] = list(value)
        elif self.kind in ("selectbox", "radio"):
            s.string_value = value
        elif self.kind == "number_input":
            s.double_value = value
        else:
            s.bool_value = value
        return s

    def url_value(self, value: Any) -> str | list[str]:
        """The value as the URL carries it (Streamlit's own formatting for bound widgets)."""
        if self.kind == "slider":
            return [_num(v) for v in value]
        if self.kind == "select_slider":
            return list(value)
        if self.kind == "number_input":
            return _num(value)
        if self.kind == "checkbox":
            return str(value).lower()
        return value

    def random_value(self, current: Any, rng: random.Random) -> Any:
        """A different value: half the time a small step from ``current`` (someone nudging a
        slider), half the time anywhere in the range (someone trying an extreme)."""
        if self.kind in ("selectbox", "radio", "select_slider"):
            opts = [o for o in self.options if (o,) != current and o != current] or list(self.options)
            pick = rng.choice(opts)
            return (pick,) * len(current) if self.kind == "select_slider" else pick
        if self.kind == "checkbox":
            return not current
        n_steps = max(1, math.floor((self.hi - self.lo) / self.step + 1e-9))
        base = current[0] if self.kind == "slider" else current

        def pick() -> float:
            if rng.random() < 0.5:
                k = round((base - self.lo) / self.step) + rng.choice([-3, -2, -1, 1, 2, 3])
            else:
                k = rng.randint(0, n_steps)
            return round(self.lo + min(max(k, 0), n_steps) * self.step, 10)

        new = pick()
        for _ in range(10):  # at the edge of the range a nudge can land back on the same value
            if new != base:
                break
            new = pick()
        if self.kind == "slider":
            return (new,) if len(current) == 1 else tuple(sorted((new, pick())))
        return new


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def widget_from_element(el: Element, fragment_id: str) -> tuple[Widget, Any] | None:
    """The widget in a delta's element and the value the server set (None: keep the browser's).

    Only the kinds in CHANGEABLE are tracked; the server keeps the others' last values itself.
    """
    kind = el.WhichOneof("type")
    if kind not in ("slider", "selectbox", "radio", "number_input", "checkbox"):
        return None
    p = getattr(el, kind)
    common = dict(
        id=p.id,
        label=p.label,
        url_key=p.query_param_key if p.HasField("query_param_key") else None,
        fragment_id=fragment_id or None,
        # A widget in a form waits for the submit button; an ignore_rerun one does not rerun.
        changeable=not (p.disabled or p.form_id or getattr(p, "ignore_rerun", False)),
    )
    if kind == "slider" and p.type == Slider.SELECT_SLIDER:
        opts = tuple(p.options)
        w = Widget(
            kind="select_slider", default=tuple(opts[int(i)] for i in p.default), options=opts, **common
        )
        return w, (tuple(p.raw_value) if p.set_value and p.raw_value else None)
    if kind == "slider":
        w = Widget(kind="slider", default=tuple(p.default), lo=p.min, hi=p.max, step=p.step or 1, **common)
        return w, (tuple(p.value) if p.set_value else None)
    if kind in ("selectbox", "radio"):
        opts = tuple(p.options)
        default = opts[p.default] if p.HasField("default") and p.default < len(opts) else None
        w = Widget(kind=kind, default=default, options=opts, **common)
        if default is None and not p.set_value:
            w.changeable = w.changeable and bool(opts)
        return w, (p.raw_value if p.set_value and p.HasField("raw_value") else None)
    if kind == "number_input":
        default = p.default if p.HasField("default") else None
        lo = p.min if p.has_min else (default or 0) - 100 * (p.step or 1)
        hi = p.max if p.has_max else (default or 0) + 100 * (p.step or 1)
        w = Widget(kind=kind, default=default, lo=lo, hi=hi, step=p.step or 1, **common)
        return w, (p.value if p.set_value and p.HasField("value") else None)
    w = Widget(kind="checkbox", default=p.default, **common)
    return w, (p.value if p.set_value else None)


def expander_from_block(block, fragment_id: str) -> tuple[Widget, Any] | None:
    """An expander with state (``st.expander(key=…, on_change=…)``) is a widget whose value is
    whether it is open: a student opens or closes it, and the page computes what it holds only while
    it is open. As a checkbox here (its state is a bool); the server sends its current state."""
    if block.WhichOneof("type") != "expandable" or not block.expandable.id:
        return None
    e = block.expandable
    w = Widget(
        id=e.id,
        kind="checkbox",
        label=e.label,
        default=e.default_expanded,
        url_key=e.query_param_key or None,
        fragment_id=fragment_id or None,
    )
    return w, e.expanded


# ---------------------------------------------------------------------------------------------
# One session: a websocket, a reader task, and the state a browser tab keeps


@dataclass
class RunResult:
    """One request (page load, widget change, page switch) and the run(s) it caused."""

    status: str  # ok | error | timeout | disconnected
    latency: float | None  # seconds from sending the BackMsg to the final script_finished
    errors: list[str] = field(default_factory=list)
    digest: str = ""  # of the main area the run left: equal digests, equal page
    n_deltas: int = 0
    n_bytes: int = 0
    runs: int = 0  # > 1 when the script called st.rerun()


@dataclass
class _Pending:
    sent: float
    future: asyncio.Future
    run_id: str | None = None
    page: dict[tuple, bytes] = field(default_factory=dict)  # the main area: delta path → what is there
    result: RunResult = field(default_factory=lambda: RunResult("ok", None))
    seen: set[str] = field(default_factory=set)
    fragment_id: str = ""  # a fragment's rerun (a widget inside an st.fragment moved): its id
    fragment_root: tuple | None = None  # where that fragment's container is on the page


def _page_content(delta) -> bytes:
    """A delta's bytes without the server's echo of a widget value it set (``raw_value``,
    ``set_value``, ``has_one_shot_effect``): whether a value arrived by a link or was sent back
    by the browser changes that echo, not what the page shows."""
    if delta.WhichOneof("type") != "new_element":
        return delta.SerializeToString(deterministic=True)
    copy = type(delta)()
    copy.CopyFrom(delta)
    el = copy.new_element
    kind = el.WhichOneof("type")
    if kind is not None:
        widget = getattr(el, kind)
        fields = widget.DESCRIPTOR.fields_by_name
        # a number input echoes a value the script set in ``value`` (next to ``set_value``)
        echo = ("raw_value", "set_value", "value") if "set_value" in fields and widget.set_value else ()
        for name in ("raw_value", "set_value", *echo):
            if name in fields:
                widget.ClearField(name)
    if "has_one_shot_effect" in el.DESCRIPTOR.fields_by_name:
        el.ClearField("has_one_shot_effect")
    return copy.SerializeToString(deterministic=True)


def _apply(page: dict[tuple, bytes], path: tuple, delta) -> None:
    """``delta`` drawn at ``path`` of ``page``, as the browser does: what a run leaves at a path is
    its last delta there, and an element put where a block was takes the block's contents with it.

    A run's deltas are not a fixed sequence: Streamlit merges the deltas still queued for one path
    (a placeholder and what fills it) when it sends them, and how many are still queued depends on
    the server's load. The page they leave is the same.
    """
    kind = delta.WhichOneof("type")
    if kind == "new_transient":  # a spinner or the like, gone when the run ends
        return
    content = _page_content(delta)
    if kind == "new_element":
        for p in [p for p in page if len(p) > len(path) and p[: len(path)] == path]:
            del page[p]
    page[path] = content


def _page_digest(page: dict[tuple, bytes]) -> str:
    """A short digest of a page left by :func:`_apply`: equal digests, equal page."""
    digest = hashlib.blake2b()
    for path in sorted(page):
        digest.update(repr(path).encode())
        digest.update(page[path])
    return digest.hexdigest()[:16]


class Session:
    """A browser tab, as far as the server can tell.

    After each run it knows the pages (``navigation``), the current page's script hash, the URL's
    query string (``page_info_changed``), and every widget of the page with its current value.
    """

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.base_url = base_url.rstrip("/")
        scheme = "wss" if parts.scheme == "https" else "ws"
        self.ws_url = f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.ws: ClientConnection | None = None
        self.reader: asyncio.Task | None = None
        self.pages: dict[str, str] = {}  # url path → page_script_hash
        self.page_hash = ""
        self.page_name = ""
        self.query_string = ""
        self.widgets: dict[str, Widget] = {}
        self.values: dict[str, Any] = {}
        self.pending: _Pending | None = None
        self.abandoned: set[str] = set()
        self.closed_reason: str | None = None
        self.msg_cache: dict[str, tuple[ForwardMsg, int]] = {}  # hash → (message, run last used)
        self.finished_runs = 0
        self.buttons: dict[str, str] = {}  # a button's key → its element id, as last drawn
        self.page: dict[tuple, bytes] = {}  # the main area the last finished run left

    async def connect(self) -> None:
        # The frontend offers the "streamlit" subprotocol (followed by an XSRF token and a session
        # id to resume, both unused here) and sends the page's Origin.
        self.ws = await connect(
            self.ws_url,
            subprotocols=[Subprotocol("streamlit")],
            origin=Origin(self.origin),
            max_size=MAX_FRAME_BYTES,
            open_timeout=30,
        )
        self.reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)
        if self.reader is not None:
            self.reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.reader

    # -- requests ------------------------------------------------------------------------------

    def client_state(self, *, page_hash: str = "", page_name: str = "", fragment_id: str = "") -> ClientState:
        cs = ClientState(
            query_string=self.query_string,
            page_script_hash=page_hash,
            page_name=page_name,
            fragment_id=fragment_id,
            cached_message_hashes=sorted(self.msg_cache),
        )
        cs.widget_states.SetInParent()
        for wid, value in self.values.items():
            if value is not None:
                cs.widget_states.widgets.append(self.widgets[wid].state(value))
        ci = cs.context_info
        ci.timezone, ci.timezone_offset, ci.locale = "UTC", 0, "en-US"
        ci.url = f"{self.origin}/{self.page_name}" + (f"?{self.query_string}" if self.query_string else "")
        ci.is_embedded, ci.color_scheme = False, "light"
        return cs

    async def request(self, cs: ClientState, timeout: float) -> RunResult:
        """Send one rerun request and wait for the script_finished that ends it."""
        if self.closed_reason is not None:
            return RunResult("disconnected", None, [self.closed_reason])
        loop = asyncio.get_running_loop()
        self.pending = pending = _Pending(sent=time.perf_counter(), future=loop.create_future())
        pending.fragment_id = cs.fragment_id  # a fragment's rerun: that fragment only
        msg = BackMsg()
        msg.rerun_script.CopyFrom(cs)
        try:
            await self.ws.send(msg.SerializeToString())
            return await asyncio.wait_for(asyncio.shield(pending.future), timeout)
        except TimeoutError:
            # Its late messages must not end the next request.
            if pending.run_id:
                self.abandoned.add(pending.run_id)
            return RunResult("timeout", None, [f"no script_finished within {timeout:g} s"])
        except ConnectionClosed as e:
            return RunResult("disconnected", None, [repr(e)])
        finally:
            self.pending = None

    async def load(self, page: str, query_string: str, timeout: float) -> RunResult:
        """Open ``/page?query_string`` as a fresh tab does: the page by its URL path, no hash yet."""
        self.page_name, self.query_string = page, query_string
        return await self.request(self.client_state(page_name=page), timeout)

    async def change(self, widget: Widget, value: Any, timeout: float) -> RunResult:
        self.values[widget.id] = value
        if widget.url_key:  # the frontend writes a bound widget into the URL itself
            params = [
                (k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True) if k != widget.url_key
            ]
            if value != widget.default:
                url_value = widget.url_value(value)
                params += [
                    (widget.url_key, v) for v in (url_value if isinstance(url_value, list) else [url_value])
                ]
            self.query_string = urlencode(params)
        cs = self.client_state(page_hash=self.page_hash, fragment_id=widget.fragment_id or "")
        return await self.request(cs, timeout)

    async def navigate(self, page: str, timeout: float) -> RunResult:
        """Click a page in the navigation: its script hash, widget values kept, the query string too
        (bound widgets carry their values across pages)."""
        self.page_name = page
        return await self.request(self.client_state(page_hash=self.pages[page]), timeout)

    async def press(self, key: str, timeout: float) -> RunResult:
        """Click the button whose key is ``key``: a trigger sent once, with every widget's value."""
        if key not in self.buttons:
            return RunResult("error", None, [f"no button with key {key!r} on /{self.page_name}"])
        cs = self.client_state(page_hash=self.page_hash)
        cs.widget_states.widgets.append(WidgetState(id=self.buttons[key], trigger_value=True))
        return await self.request(cs, timeout)

    def changeable(self) -> list[Widget]:
        return [w for wid, w in self.widgets.items() if w.changeable and self.values.get(wid) is not None]

    # -- the reader ----------------------------------------------------------------------------

    async def _read(self) -> None:
        try:
            async for data in self.ws:
                msg = ForwardMsg()
                msg.ParseFromString(data)
                self._handle(msg, len(data))
        except ConnectionClosed as e:
            self.closed_reason = f"websocket closed: {e!r}"
        except Exception as e:  # a bug here must fail the request, not hang it
            self.closed_reason = f"reader failed: {e!r}"
        if self.closed_reason is None:
            self.closed_reason = "websocket closed by the server"
        if self.pending and not self.pending.future.done():
            self.pending.future.set_exception(ConnectionClosed(None, None))

    def _resolve(self, msg: ForwardMsg) -> ForwardMsg | None:
        """A reference replaced by the cached message it names (None if it is not cached), and a
        cacheable message kept."""
        if msg.WhichOneof("type") == "ref_hash":
            cached = self.msg_cache.get(msg.ref_hash)
            if cached is None:
                return None
            full = ForwardMsg()
            full.CopyFrom(cached[0])
            full.metadata.CopyFrom(msg.metadata)  # where this run puts it
            self.msg_cache[msg.ref_hash] = (cached[0], self.finished_runs)
            return full
        if msg.metadata.cacheable and msg.hash:
            self.msg_cache[msg.hash] = (msg, self.finished_runs)
        return msg

    def _expire_cache(self) -> None:
        self.finished_runs += 1
        for h, (_, used) in list(self.msg_cache.items()):
            if self.finished_runs - used > MAX_CACHED_MESSAGE_AGE:
                del self.msg_cache[h]

    def _handle(self, msg: ForwardMsg, size: int) -> None:
        p = self.pending
        resolved = self._resolve(msg)
        if resolved is None:
            if p is not None:
                p.result.errors.append(f"reference to a message not in the cache: {msg.ref_hash}")
            return
        msg = resolved
        kind = msg.WhichOneof("type")
        run_id = msg.metadata.run.script_run_id if msg.metadata.HasField("run") else ""
        if kind == "new_session":
            # The first new_session after a request starts its run; one after an early finish
            # (st.rerun) starts the next run of the same request.
            if p is not None and p.run_id is None and run_id not in self.abandoned:
                p.run_id = run_id
                # a fragment's run redraws that fragment on the page as it was (see _handle_delta)
                p.page, p.seen = (dict(self.page) if p.fragment_id else {}), set()
                p.fragment_root = None
                p.result.runs += 1
        elif kind == "navigation":
            self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
            self.page_hash = msg.navigation.page_script_hash
            self.page_name = next((u for u, h in self.pages.items() if h == self.page_hash), self.page_name)
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            if p is not None:
                p.result.errors.append(f"page not found: {msg.page_not_found.page_name!r}")
        elif kind == "delta":
            self._handle_delta(msg, p, size)
        elif kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
            if p is not None:
                e = msg.session_event.script_compilation_exception
                p.result.errors.append(f"{e.type}: {e.message}")
        elif kind == "script_finished":
            self._expire_cache()
            if run_id in self.abandoned or p is None or p.run_id is None or (run_id and run_id != p.run_id):
                return
            if msg.script_finished == FINISHED_EARLY:
                p.run_id = None
                return
            if msg.script_finished in FINISHED_ERRORS:
                p.result.errors.append(FINISHED_ERRORS[msg.script_finished])
            if msg.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT):
                # The browser drops the state of widgets the finished run did not draw (a
                # fragment's run: those of that fragment), and shows the page the run left.
                drawn_by_run = [
                    w
                    for w in self.widgets
                    if not p.fragment_id or self.widgets[w].fragment_id == p.fragment_id
                ]
                for wid in set(drawn_by_run) - p.seen:
                    del self.widgets[wid]
                    self.values.pop(wid, None)
                self.page = p.page
            r = p.result
            r.latency = time.perf_counter() - p.sent
            r.digest = _page_digest(p.page)
            r.status = "error" if r.errors else "ok"
            if not p.future.done():
                p.future.set_result(r)

    def _handle_delta(self, msg: ForwardMsg, p: _Pending | None, size: int) -> None:
        delta = msg.delta
        if p is not None:
            p.result.n_deltas += 1
            p.result.n_bytes += size
            # The digest covers the main area, the page itself. Sidebar deltas differ with how a
            # value arrived (a URL seed is echoed in the slider's delta, a value the browser sent
            # is not), not with what the page shows.
            if msg.metadata.delta_path[:1] == [RootContainer.MAIN]:
                path = tuple(msg.metadata.delta_path)
                if p.fragment_id and p.fragment_root is None:
                    # the run's first delta is the fragment's container: the browser replaces it
                    p.fragment_root = path
                    for old in [q for q in p.page if q[: len(path)] == path]:
                        del p.page[old]
                _apply(p.page, path, delta)
        if delta.WhichOneof("type") == "add_block":
            found = expander_from_block(delta.add_block, delta.fragment_id)
            if found is not None:
                self._track(msg, p, *found)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        if el.WhichOneof("type") == "exception":
            if p is not None:
                p.result.errors.append(f"{el.exception.type}: {el.exception.message}".strip())
            return
        if el.WhichOneof("type") == "button":  # pressed by id: "$$ID-<hash>-<key>"
            self.buttons[el.button.id.split("-", 2)[-1]] = el.button.id
            return
        found = widget_from_element(el, delta.fragment_id)
        if found is None:
            return
        self._track(msg, p, *found)

    def _track(self, msg: ForwardMsg, p: _Pending | None, widget: Widget, server_value: Any) -> None:
        """Keep ``widget`` (seen in ``msg``) and its value, as the browser does."""
        widget.sidebar = msg.metadata.delta_path[:1] == [RootContainer.SIDEBAR]
        self.widgets[widget.id] = widget
        if p is not None:
            p.seen.add(widget.id)
        if server_value is not None:  # the server set it (URL seed, session_state): adopt it
            self.values[widget.id] = server_value
        elif widget.id not in self.values:  # a newly mounted widget starts at its default
            self.values[widget.id] = widget.default


# ---------------------------------------------------------------------------------------------
# The pages: discovered by one probe session that visits each of them


@dataclass
class PageInfo:
    path: str  # url path ("" for the default page)
    url_widgets: list[Widget]  # widgets bound to the URL on this page (sidebar included)
    cold: RunResult | None = None  # the probe's run of it


async def probe_pages(base_url: str, timeout: float) -> list[PageInfo]:
    """Open the default page, read the navigation, then click through every page once."""
    s = Session(base_url)
    await s.connect()
    try:
        first = await s.load("", "", timeout)
        if first.status != "ok":
            raise RuntimeError(f"the default page did not load: {first.status} {first.errors}")
        default_path = s.page_name
        infos = [PageInfo(default_path, [w for w in s.widgets.values() if w.url_key], first)]
        for path in s.pages:
            if path == default_path:
                continue
            r = await s.navigate(path, timeout)
            infos.append(PageInfo(path, [w for w in s.widgets.values() if w.url_key], r))
        return infos
    finally:
        await s.close()


def deep_link(page: PageInfo, rng: random.Random, max_params: int = 3) -> str:
    """A query string with 1..max_params bound widgets of ``page`` set to random values."""
    chosen = rng.sample(page.url_widgets, k=min(len(page.url_widgets), rng.randint(1, max_params)))
    params = []
    for w in chosen:
        if w.default is None:
            continue
        value = w.url_value(w.random_value(w.default, rng))
        params += [(w.url_key, v) for v in (value if isinstance(value, list) else [value])]
    return urlencode(params)


# ---------------------------------------------------------------------------------------------
# The load: N sessions at once


@dataclass
class Record:
    session: int
    kind: str  # first | rerun | nav | press
    page: str
    status: str
    latency: float | None
    connect: float | None = None  # first only: websocket open + session creation
    detail: str = ""  # the link, the widget and its new value, or the target page
    errors: list[str] = field(default_factory=list)
    changed: bool | None = None  # rerun/nav: did the deltas differ from the previous run's?
    n_deltas: int = 0
    n_bytes: int = 0
    sent: float | None = None  # seconds from the start of the load to the request
    role: str = ""  # herd: "herd" or "other"


@dataclass
class Plan:
    """What one session does: the page it opens, the link's query, the widgets it moves."""

    page: PageInfo
    query: str = ""
    sidebar_only: bool = False  # explore: move only the shared network (the sidebar)
    page_only: bool = False  # link --page-only: move only the page's own controls
    role: str = ""


async def drive_session(
    i: int,
    base_url: str,
    plan: Plan,
    cfg: Config,
    deadline: float,
    rng: random.Random,
    out: list,
    t0: float,
    stop: asyncio.Event | None = None,
) -> None:
    """One visitor: open the page, then act every think time until ``deadline`` (or ``stop``)."""
    page, query = plan.page, plan.query
    await asyncio.sleep(rng.uniform(0, cfg.ramp))
    s = Session(base_url)
    t_start = time.perf_counter()
    try:
        await asyncio.wait_for(s.connect(), cfg.run_timeout)
    except Exception as e:
        out.append(
            Record(i, "first", page.path, "disconnected", None, detail=query, errors=[f"connect: {e!r}"])
        )
        return
    connected = time.perf_counter() - t_start
    try:
        r = await s.load(page.path, query, cfg.run_timeout)
        total = None if r.latency is None else connected + r.latency
        out.append(
            _record(i, "first", page.path, r, detail=f"/{page.path}?{query}" if query else f"/{page.path}")
        )
        out[-1].latency, out[-1].connect = total, connected
        out[-1].sent, out[-1].role = t_start - t0, plan.role
        if r.status in ("timeout", "disconnected"):
            return
        last = r.digest
        actions = 0
        while True:
            think = rng.uniform(0.5, 1.5) / (cfg.herd_others_rate if plan.role == "other" else cfg.rate)
            over = time.perf_counter() + think > deadline or (stop is not None and stop.is_set())
            if over and actions >= cfg.min_actions:
                break
            await asyncio.sleep(think)
            others = [p for p in s.pages if p != s.page_name]
            widgets = s.changeable()
            if plan.sidebar_only:
                widgets = [w for w in widgets if w.sidebar] or widgets
            elif plan.page_only:
                widgets = [w for w in widgets if not w.sidebar] or widgets
            nav = 0.0 if plan.role == "other" else cfg.nav  # the herd's other sessions stay put
            sent = time.perf_counter() - t0
            if others and (rng.random() < nav or not widgets):
                target = rng.choice(others)
                r = await s.navigate(target, cfg.run_timeout)
                rec = _record(i, "nav", target, r, detail=f"→ /{target}")
            elif widgets:
                w = rng.choice(widgets)
                value = w.random_value(s.values[w.id], rng)
                page_before = s.page_name
                r = await s.change(w, value, cfg.run_timeout)
                rec = _record(i, "rerun", page_before, r, detail=f"{w.url_key or w.label} = {value!r}")
            else:
                break
            rec.changed = None if r.status != "ok" else r.digest != last
            rec.sent, rec.role = sent, plan.role
            out.append(rec)
            actions += 1
            if r.status in ("timeout", "disconnected"):
                return
            last = r.digest
    finally:
        await s.close()


async def drive_herd_session(
    i: int,
    base_url: str,
    plan: Plan,
    cfg: Config,
    rng: random.Random,
    out: list,
    t0: float,
    loaded: asyncio.Barrier,
) -> None:
    """One of the herd: open the herd's link, wait until every one of the herd has its page, then
    press the button once at a random moment of the herd's window and wait for the result."""
    await asyncio.sleep(rng.uniform(0, cfg.ramp))
    s = Session(base_url)
    t_start = time.perf_counter()
    pressed = False
    try:
        await asyncio.wait_for(s.connect(), cfg.run_timeout)
        r = await s.load(plan.page.path, plan.query, cfg.run_timeout)
        out.append(_record(i, "first", plan.page.path, r, detail=f"/{plan.page.path}?{plan.query}"))
        out[-1].sent, out[-1].role = t_start - t0, "herd"
        if r.latency is not None:
            out[-1].latency = time.perf_counter() - t_start
        await loaded.wait()
        if r.status != "ok":
            return
        await asyncio.sleep(rng.uniform(0, cfg.herd_window))
        sent = time.perf_counter() - t0
        pressed = True
        r = await s.press(cfg.herd_button, cfg.herd_timeout)
        rec = _record(i, "press", plan.page.path, r, detail=f"press {cfg.herd_button}")
        rec.sent, rec.role = sent, "herd"
        out.append(rec)
    except Exception as e:
        out.append(Record(i, "first", plan.page.path, "disconnected", None, errors=[f"connect: {e!r}"]))
        if not pressed:
            with contextlib.suppress(Exception):
                await loaded.wait()
    finally:
        await s.close()


def _record(i: int, kind: str, page: str, r: RunResult, detail: str) -> Record:
    return Record(i, kind, page, r.status, r.latency, None, detail, r.errors, None, r.n_deltas, r.n_bytes)


def _page(pages: list[PageInfo], path: str) -> PageInfo:
    for p in pages:
        if p.path == path:
            return p
    raise ValueError(f"no page /{path} in the navigation; received {[p.path for p in pages]}")


def plans_for(n: int, pages: list[PageInfo], cfg: Config, rng: random.Random) -> list[Plan]:
    """The sessions of a scenario (the herd's are planned by run_load)."""
    if cfg.scenario == "link":
        path, _, query = cfg.link.lstrip("/").partition("?")
        return [Plan(_page(pages, path), query, page_only=cfg.page_only) for _ in range(n)]
    order = [pages[k % len(pages)] for k in range(n)]
    rng.shuffle(order)  # an even mix of pages, in random order
    linked = set(rng.sample(range(n), k=math.floor(n * cfg.deep_link + 0.5)))
    return [
        Plan(
            page, deep_link(page, rng) if page.url_widgets and k in linked else "", cfg.scenario == "explore"
        )
        for k, page in enumerate(order)
    ]


async def sample_series(meter: ProcessMeter, t0: float, period: float, series: list) -> None:
    """(seconds since the start of the load, RSS of the process tree in MB) every ``period`` s."""
    while True:
        if meter.pid is not None:
            rss = sum(_proc_status_kb(p, "VmRSS") for p in process_tree(meter.pid))
            series.append((round(time.perf_counter() - t0, 1), round(rss / 1024, 1)))
        await asyncio.sleep(period)


async def run_load(
    base_url: str,
    n: int,
    pages: list[PageInfo],
    cfg: Config,
    meter: ProcessMeter,
    log_path: Path | None = None,
) -> dict:
    """N sessions of the scenario; the numbers for one row of the report."""
    rng = random.Random(f"{cfg.seed}-{n}")
    records: list[Record] = []
    series: list[tuple[float, float]] = []
    log_start = log_path.stat().st_size if log_path is not None else 0
    metrics_before = await asyncio.to_thread(fetch_metrics, base_url)
    cpu_before, own_before, t0 = meter.cpu_seconds(), _own_cpu(), time.perf_counter()
    samplers = [
        asyncio.create_task(meter.sample_forever()),
        asyncio.create_task(sample_series(meter, t0, cfg.rss_period, series)),
    ]
    try:
        deadline = t0 + cfg.duration
        if cfg.scenario == "herd":
            await _herd(base_url, n, pages, cfg, rng, records, t0)
        else:
            await asyncio.gather(
                *(
                    drive_session(
                        i, base_url, plan, cfg, deadline, random.Random(f"{cfg.seed}-{n}-{i}"), records, t0
                    )
                    for i, plan in enumerate(plans_for(n, pages, cfg, rng))
                )
            )
    finally:
        for task in samplers:
            task.cancel()
    wall = time.perf_counter() - t0
    meter.sample_rss()
    cpu_after, own_after = meter.cpu_seconds(), _own_cpu()
    # The server counts a session's disconnect a moment after the client closes it.
    await asyncio.sleep(0.5)
    metrics_after = await asyncio.to_thread(fetch_metrics, base_url)
    result = summarize(
        n,
        records,
        wall=wall,
        server_cpu=None if cpu_before is None else cpu_after - cpu_before,
        client_cpu=own_after - own_before,
        peak_rss_mb=meter.peak_rss_kb / 1024 if meter.pid else None,
        metrics=metrics_delta(metrics_before, metrics_after),
    )
    result["scenario"] = cfg.scenario + (" (the page's own controls only)" if cfg.page_only else "")
    result["rss_series"] = series
    result["rss"] = rss_summary(series)
    jobs_log = _jobs_in_log(log_path, log_start)
    if cfg.scenario == "herd":
        result["herd"] = herd_summary(records, jobs_log)
    result["training_jobs"] = jobs_log
    result["offload_jobs"] = _jobs_in_log(log_path, log_start, OFFLOAD_LOG)
    return result


async def _herd(base_url, n, pages, cfg, rng, records, t0) -> None:
    """N sessions press Train on one run within the herd window; others keep using another page."""
    path, _, query = cfg.herd_link.lstrip("/").partition("?")
    herd_page = _page(pages, path)
    elsewhere = [p for p in pages if p.path != path] or [herd_page]
    loaded = asyncio.Barrier(n)
    done = asyncio.Event()

    async def herd() -> None:
        await asyncio.gather(
            *(
                drive_herd_session(
                    i, base_url, Plan(herd_page, query), cfg, random.Random(f"{cfg.seed}-{n}-{i}"),
                    records, t0, loaded,
                )
                for i in range(n)
            )
        )  # fmt: skip
        done.set()

    others = [
        drive_session(
            n + k, base_url, Plan(elsewhere[k % len(elsewhere)], role="other"), cfg, math.inf,
            random.Random(f"{cfg.seed}-{n}-other-{k}"), records, t0, stop=done,
        )
        for k in range(cfg.herd_others)
    ]  # fmt: skip
    await asyncio.gather(herd(), *others)


def _jobs_in_log(log_path: Path | None, start: int, prefix: str = JOB_LOG) -> dict[str, Any] | None:
    """The jobs of one registry (``prefix``: the training jobs, or the offloaded computations) the
    server started and ended during the load (its BPTT_JOB_LOG lines)."""
    if log_path is None or not log_path.exists():
        return None
    with log_path.open("rb") as f:
        f.seek(start)
        lines = f.read().decode(errors="replace").splitlines()
    ends = [ln for ln in lines if ln.startswith(f"{prefix} end ")]
    seconds = [float(ln.split("seconds=")[1].split()[0]) for ln in ends if "seconds=" in ln]
    return {
        "started": sum(ln.startswith(f"{prefix} start ") for ln in lines),
        "ended": len(ends),
        "cancelled": sum(ln.startswith(f"{prefix} cancel ") for ln in lines),
        "failed": sum(ln.startswith(f"{prefix} end ") and "failed=True" in ln for ln in lines),
        "seconds": seconds,
    }


def herd_summary(records: list[Record], jobs_log: dict | None) -> dict[str, Any]:
    """Time from each press to its result, the runs computed, and the other pages' reruns during it."""
    presses = [r for r in records if r.kind == "press"]
    ok = [r for r in presses if r.status == "ok" and r.latency is not None]
    window = (
        (min(r.sent for r in presses), max(r.sent + (r.latency or 0.0) for r in presses)) if presses else None
    )
    during = [
        r
        for r in records
        if r.role == "other" and r.kind == "rerun" and window and window[0] <= r.sent <= window[1]
    ]
    before = [r for r in records if r.role == "other" and r.kind == "rerun" and window and r.sent < window[0]]
    run_seconds = max(jobs_log["seconds"], default=None) if jobs_log else None
    return {
        "presses": len(presses),
        "results": len(ok),
        "time_to_result": _lat(presses),
        "time_to_result_each": [r.latency for r in presses],
        "window_seconds": None if window is None else window[1] - window[0],
        "computed": None if jobs_log is None else jobs_log["started"],
        "run_seconds": run_seconds,
        "others_during": _lat(during),
        "others_before": _lat(before),  # the same sessions before the first press: their baseline
    }


def rss_summary(series: list[tuple[float, float]]) -> dict[str, Any]:
    """Peak RSS over the series and its value after the first two minutes (the soak's criterion:
    the peak within 20 % of the latter)."""
    if not series:
        return {"peak_mb": None, "after_2_min_mb": None, "peak_over_2_min": None}
    peak = max(v for _, v in series)
    later = [v for t, v in series if t >= 120.0]
    at_2 = later[0] if later else None
    return {"peak_mb": peak, "after_2_min_mb": at_2, "peak_over_2_min": peak / at_2 if at_2 else None}


def _own_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


# ---------------------------------------------------------------------------------------------
# Numbers


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0..100), linear between closest ranks; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def _lat(records: list[Record]) -> dict[str, Any]:
    ok = [r for r in records if r.status == "ok" and r.latency is not None]
    latencies = [r.latency for r in ok]
    return {
        "count": len(records),
        "ok": len(ok),
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "max": max(latencies, default=None),
        "kb_p50": percentile([r.n_bytes / 1000 for r in ok], 50),  # what the browser downloads
    }


def summarize(n: int, records: list[Record], *, wall, server_cpu, client_cpu, peak_rss_mb, metrics) -> dict:
    by_kind = {k: [r for r in records if r.kind == k] for k in ("first", "rerun", "nav", "press")}
    failed = [r for r in records if r.status in ("timeout", "disconnected")]
    errored = [r for r in records if r.status == "error"]
    changes = [r for r in by_kind["rerun"] if r.changed is not None]
    pages = {}
    for path in sorted({r.page for r in records}):
        rs = [r for r in records if r.page == path]
        pages[path or "(default)"] = {
            **_lat(rs),
            "errored": sum(r.status == "error" for r in rs),
            "failed": sum(r.status in ("timeout", "disconnected") for r in rs),
        }
    error_samples = sorted({e for r in errored + failed for e in r.errors})[:10]
    return {
        "sessions": n,
        "sessions_with_first_page": sum(r.status == "ok" for r in by_kind["first"]),
        "wall_seconds": wall,
        "first_page": _lat(by_kind["first"]),
        "connect_p50": percentile([r.connect for r in by_kind["first"] if r.connect is not None], 50),
        "rerun": _lat(by_kind["rerun"]),
        "nav": _lat(by_kind["nav"]),
        "press": _lat(by_kind["press"]),
        "runs": len(records),
        "failed": len(failed),
        "errored": len(errored),
        "error_samples": error_samples,
        "reruns_that_changed_the_page": sum(bool(r.changed) for r in changes),
        "reruns_compared": len(changes),
        "server_cpu_seconds": server_cpu,
        "server_cpu_percent_of_core": None if server_cpu is None else 100 * server_cpu / wall,
        "client_cpu_percent_of_core": 100 * client_cpu / wall,
        "peak_rss_mb": peak_rss_mb,
        "metrics": metrics,
        "pages": pages,
        "records": [asdict(r) for r in records],
    }


def _f(x: float | None, fmt: str = "{:.3f}") -> str:
    return "–" if x is None else fmt.format(x)


def markdown(report: dict) -> str:
    rows = [
        "| N | first page p50 / p95 (s) | rerun p50 / p95 (s) | runs | failed | errored "
        "| server CPU (s) | server CPU (% core) | peak RSS (MB) | st.cache_data hits / lookups | client CPU (% core) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for res in report["results"]:
        cache = res["metrics"].get("cache_data") if res["metrics"]["available"] else None
        if cache is None:
            cache_cell = "metrics unavailable"
        elif cache["hits"] + cache["misses"] == 0:
            cache_cell = "no lookups"
        else:
            cache_cell = f"{cache['hits']:.0f} / {cache['hits'] + cache['misses']:.0f} ({100 * cache['hit_ratio']:.0f} %)"
        rows.append(
            f"| {res['sessions']} | {_f(res['first_page']['p50'])} / {_f(res['first_page']['p95'])} "
            f"| {_f(res['rerun']['p50'])} / {_f(res['rerun']['p95'])} | {res['runs']} | {res['failed']} "
            f"| {res['errored']} | {_f(res['server_cpu_seconds'], '{:.1f}')} "
            f"| {_f(res['server_cpu_percent_of_core'], '{:.0f}')} | {_f(res['peak_rss_mb'], '{:.0f}')} "
            f"| {cache_cell} | {_f(res['client_cpu_percent_of_core'], '{:.0f}')} |"
        )
    rows += [
        "",
        "| N | page | runs | p50 (s) | p95 (s) | max (s) | kB per run (median) | errored | failed |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in report["results"]:
        for page, st in res["pages"].items():
            rows.append(
                f"| {res['sessions']} | {page} | {st['count']} | {_f(st['p50'])} | {_f(st['p95'])} "
                f"| {_f(st['max'])} | {_f(st['kb_p50'], '{:.0f}')} | {st['errored']} | {st['failed']} |"
            )
    rows.append("")
    for res in report["results"]:
        cold = ", ".join(
            f"/{c['page']} {_f(c['latency'])} s" + ("" if c["status"] == "ok" else f" ({c['status']})")
            for c in res["cold_start"]
        )
        rows.append(f"- N = {res['sessions']}: before the load, one session visited each page: {cold}.")
        if res.get("server_log_tracebacks"):
            rows.append(
                f"  The server log holds {res['server_log_tracebacks']} tracebacks: {res['server_log']}"
            )
        rows += [f"  Error: {e}" for e in res["error_samples"]]
        rows += scenario_lines(res)
    floor = report.get("floor")
    if floor:
        rows.append(
            f"- Floor (a trivial page, one session, {floor['reruns']} reruns): rerun p50 / p95 "
            f"{_f(floor['rerun_p50'])} / {_f(floor['rerun_p95'])} s, "
            f"{_f(floor['server_cpu_ms_per_rerun'], '{:.0f}')} ms server CPU per rerun."
        )
    rows.append(f"- Load average before: {report.get('load_average_before', '–')}.")
    return "\n".join(rows)


def scenario_lines(res: dict) -> list[str]:
    """The lines a scenario adds under the tables: the herd's numbers, memory over time, jobs."""
    rows = [f"  Scenario {res.get('scenario', 'mix')}; load average {res.get('load_average', {})}."]
    herd = res.get("herd")
    if herd:
        t, o = herd["time_to_result"], herd["others_during"]
        rows.append(
            f"  Herd: {herd['results']} / {herd['presses']} presses got their result; time to result "
            f"p50 / p95 / max {_f(t['p50'])} / {_f(t['p95'])} / {_f(t['max'])} s; the run computed "
            f"{herd['computed'] if herd['computed'] is not None else '–'} time(s), "
            f"{_f(herd['run_seconds'], '{:.2f}')} s each; other pages' reruns meanwhile: "
            f"{o['ok']} runs, p50 / p95 / max {_f(o['p50'])} / {_f(o['p95'])} / {_f(o['max'])} s "
            f"(before the first press: {herd['others_before']['ok']} runs, p95 "
            f"{_f(herd['others_before']['p95'])} s)."
        )
    jobs = res.get("training_jobs")
    if jobs and not herd:
        rows.append(f"  Training jobs: {jobs['started']} started, {jobs['cancelled']} cancelled.")
    off = res.get("offload_jobs")
    if off:
        secs = sorted(off["seconds"])
        median = secs[len(secs) // 2] if secs else None
        rows.append(
            f"  Offloaded computations: {off['started']} sent to the worker, {off['failed']} failed, "
            f"{sum(secs):.1f} s of the worker's time (median {_f(median)} s each)."
        )
    rss = res.get("rss") or {}
    if rss.get("peak_mb") is not None:
        ratio = rss["peak_over_2_min"]
        rows.append(
            f"  RSS of the server's processes ({len(res['rss_series'])} samples): peak "
            f"{rss['peak_mb']:.0f} MB; after 2 min {_f(rss['after_2_min_mb'], '{:.0f}')} MB"
            + ("" if ratio is None else f" (peak / that = {ratio:.2f})")
            + "."
        )
    return rows


# ---------------------------------------------------------------------------------------------
# Driver


async def _one_n(base_url: str, n: int, cfg: Config, pid: int | None, log_path: Path | None = None) -> dict:
    pages = await probe_pages(base_url, cfg.run_timeout)
    result = await run_load(base_url, n, pages, cfg, ProcessMeter(pid), log_path)
    # On a fresh server these are the first runs of each page: imports, empty caches.
    result["cold_start"] = [
        {"page": p.path, "status": p.cold.status, "latency": p.cold.latency, "errors": p.cold.errors}
        for p in pages
    ]
    result["pages_discovered"] = {p.path: sorted(w.url_key for w in p.url_widgets) for p in pages}
    return result


async def _floor(base_url: str, pid: int, timeout: float) -> dict[str, Any]:
    """One session moving the trivial page's slider FLOOR_RERUNS times: Streamlit's own rerun."""
    s = Session(base_url)
    await s.connect()
    meter = ProcessMeter(pid)
    try:
        first = await s.load("", "", timeout)
        (slider,) = [w for w in s.widgets.values() if w.kind == "slider"]
        cpu_before, latencies = meter.cpu_seconds(), []
        for k in range(FLOOR_RERUNS):
            r = await s.change(slider, (slider.lo + 1 + k % 40,), timeout)
            if r.status == "ok":
                latencies.append(r.latency)
        cpu = meter.cpu_seconds() - cpu_before
    finally:
        await s.close()
    return {
        "first_page": first.latency,
        "reruns": len(latencies),
        "rerun_p50": percentile(latencies, 50),
        "rerun_p95": percentile(latencies, 95),
        "server_cpu_ms_per_rerun": 1000 * cpu / FLOOR_RERUNS,
    }


def measure_floor(cfg: Config) -> dict[str, Any] | None:
    """The floor, on a server of its own started for it (the app's server is not loaded meanwhile)."""
    if not cfg.floor:
        return None
    with StreamlitServer(FLOOR_APP) as server:
        floor = asyncio.run(_floor(server.url, server.proc.pid, cfg.run_timeout))
    server.log_path.unlink()
    return floor


def load_average() -> str:
    """The machine's load average (1, 5, 15 min): the tool shares the machine with whatever runs."""
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return "–"


def run(cfg: Config) -> dict:
    """The whole benchmark: the floor, then for each N a fresh server (unless ``cfg.url``), a probe,
    the load."""
    report: dict[str, Any] = {
        "streamlit": streamlit.__version__,
        "config": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(cfg).items()},
        "cpu_count": os.cpu_count(),
        "load_average_before": load_average(),
        "floor": measure_floor(cfg),
        "results": [],
    }
    for n in cfg.sessions:
        before = load_average()
        if cfg.url:
            result = asyncio.run(_one_n(cfg.url, n, cfg, cfg.server_pid))
        else:
            with StreamlitServer(cfg.app, env={"BPTT_JOB_LOG": "1"}) as server:
                result = asyncio.run(_one_n(server.url, n, cfg, server.proc.pid, server.log_path))
            tracebacks = server.log_path.read_text(errors="replace").count("Traceback")
            result["server_log_tracebacks"] = tracebacks
            if tracebacks:  # worth reading; a clean log is not
                result["server_log"] = str(server.log_path)
            else:
                server.log_path.unlink()
        result["load_average"] = {"before": before, "after": load_average()}
        report["results"].append(result)
    return report


def parse_args(argv: list[str] | None = None) -> Config:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--sessions", default="1,10,50,100", help="comma-separated list of N (default 1,10,50,100)"
    )
    ap.add_argument("--scenario", choices=SCENARIOS, default="mix", help="what the sessions do (mix)")
    # None: the scenario's default (SCENARIO_DEFAULTS), else Config's
    ap.add_argument("--rate", type=float, help="widget changes per second per session (0.2)")
    ap.add_argument("--duration", type=float, help="seconds of load per N (30; soak 600)")
    ap.add_argument("--ramp", type=float, help="sessions arrive over this many seconds (5; link 10)")
    ap.add_argument("--run-timeout", type=float, default=30.0, help="a run slower than this fails (30 s)")
    ap.add_argument("--deep-link", type=float, help="fraction of sessions arriving by a link (0.5)")
    ap.add_argument("--nav", type=float, help="fraction of actions that switch page (0.1; link 0)")
    ap.add_argument("--min-actions", type=int, default=0, help="actions per session even past the deadline")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--app", type=Path, default=DEFAULT_APP)
    ap.add_argument("--link", default=Config.link, help="link: the link the class follows")
    ap.add_argument("--herd-link", default=Config.herd_link, help="herd: the page and run of the herd")
    ap.add_argument("--herd-button", default=Config.herd_button, help="herd: the key of the button pressed")
    ap.add_argument(
        "--herd-window", type=float, default=Config.herd_window, help="herd: presses within (5 s)"
    )
    ap.add_argument(
        "--herd-others", type=int, default=Config.herd_others, help="herd: sessions elsewhere (5)"
    )
    ap.add_argument(
        "--herd-timeout", type=float, default=Config.herd_timeout, help="herd: a press fails after"
    )
    ap.add_argument("--rss-period", type=float, default=Config.rss_period, help="seconds between RSS samples")
    ap.add_argument("--no-floor", action="store_true", help="skip the trivial page's measurement")
    ap.add_argument(
        "--page-only", action="store_true", help="link: move the page's own controls, not the sidebar's"
    )
    ap.add_argument(
        "--url", help="target a running server (e.g. http://127.0.0.1:8501) instead of starting one"
    )
    ap.add_argument("--server-pid", type=int, help="with --url: the server's pid, to measure its CPU and RSS")
    ap.add_argument("--json", type=Path, dest="json_path", help="also write the full report as JSON here")
    ap.add_argument("--quick", action="store_true", help="smoke version: N = 5 for a few seconds")
    a = ap.parse_args(argv)
    fields = dict(
        app=a.app,
        url=a.url,
        server_pid=a.server_pid,
        json_path=a.json_path,
        seed=a.seed,
        run_timeout=a.run_timeout,
    )
    if a.quick:
        return quick_config(**fields)
    chosen = dict(rate=a.rate, duration=a.duration, ramp=a.ramp, deep_link=a.deep_link, nav=a.nav)
    scenario = {**SCENARIO_DEFAULTS.get(a.scenario, {}), **{k: v for k, v in chosen.items() if v is not None}}
    return Config(
        sessions=tuple(int(x) for x in a.sessions.split(",")),
        scenario=a.scenario,
        min_actions=a.min_actions,
        link=a.link,
        herd_link=a.herd_link,
        herd_button=a.herd_button,
        herd_window=a.herd_window,
        herd_others=a.herd_others,
        herd_timeout=a.herd_timeout,
        rss_period=a.rss_period,
        floor=not a.no_floor,
        page_only=a.page_only,
        **scenario,
        **fields,
    )


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM (a CI job cancelled) takes the same path as Ctrl-C, so the server is stopped.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    cfg = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in the background
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        report = run(cfg)
    except KeyboardInterrupt:
        print("interrupted; the server was stopped", file=sys.stderr)
        return 130
    print(markdown(report))
    if cfg.json_path:
        cfg.json_path.write_text(json.dumps(report, indent=1, default=str))
        print(f"\nJSON: {cfg.json_path}")
    bad = sum(r["failed"] + r["errored"] for r in report["results"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
