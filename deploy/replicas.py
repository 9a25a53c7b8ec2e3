"""Serve the app from several Streamlit processes behind HAProxy, with session affinity.

One Streamlit server runs every session's script in one Python process, so it uses about one CPU
core however many the machine has. For a larger class, start one replica per core:

    python deploy/replicas.py --replicas 2 --port 8501

Students open http://<machine>:8501. HAProxy (Debian/Ubuntu: `apt-get install haproxy`) sends each
new visitor to the replica with the fewest connections and sets a cookie so that the visitor's
later requests (reconnects, downloads) reach the same replica: a session's state lives in one
process only. Before HAProxy lets anyone in, one session opens every page in each replica, so that
the class's first pages do not pay each process's first imports and the start of its workers
(`--no-warm` skips it). Ctrl-C (or SIGTERM) stops HAProxy and every replica.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the repository's root

from deploy.subpaths import PAGE_SUBPATH, STREAMLIT_PATHS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

HAPROXY_CFG = """\
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    # a websocket lives as long as the browser tab
    timeout tunnel 2h

frontend app
    bind {bind}:{port}
    # A sub-path of a page (/vanishing/extra, /vanishing/) would get Streamlit's index.html, whose
    # ./static/ assets then resolve under that path and are answered with HTML: a blank page.
    # Send it to the page itself, with its query. Streamlit's own paths (/_stcore/, /static/, …,
    # and the frontend's base-path probe /<page>/_stcore/…) pass through (deploy/subpaths.py).
    acl page_subpath path_reg {page_subpath}
    acl streamlit_path path_reg {streamlit_paths}
    http-request redirect location /%[path,field(2,/)]?%[query] code 302 if page_subpath !streamlit_path {{ query -m found }}
    http-request redirect location /%[path,field(2,/)] code 302 if page_subpath !streamlit_path
    default_backend replicas

backend replicas
    balance leastconn
    # affinity: the replica a visitor first reached keeps serving them
    cookie BPTT_REPLICA insert indirect nocache
    option httpchk GET /_stcore/health
{servers}
"""


def haproxy_config(port: int, replica_ports: list[int], bind: str = "0.0.0.0") -> str:
    servers = "\n".join(
        f"    server r{i} 127.0.0.1:{p} check cookie r{i}" for i, p in enumerate(replica_ports, start=1)
    )
    return HAPROXY_CFG.format(
        bind=bind,
        port=port,
        servers=servers,
        page_subpath=PAGE_SUBPATH,
        streamlit_paths=" ".join(STREAMLIT_PATHS),
    )


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is fine
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_healthy(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not become healthy within {timeout:.0f} s")


def warm(ports: list[int], timeout: float = 120) -> list[str]:
    """Open every page once in each replica, the replicas side by side; what failed, one line each.

    A process's first run of a page imports its modules and builds its chart templates, and its
    first run at all starts the workers of ui/offload.py and the Training page; a class arriving
    at a fresh replica queues behind all of that (measured: README, "Beyond one process").
    """
    from benchmarks.loadtest import probe_pages  # the load generator's Streamlit client

    async def one(port: int) -> str | None:
        try:
            pages = await probe_pages(f"http://127.0.0.1:{port}", timeout)
        except Exception as error:  # a replica that cannot be warmed still serves; say why
            return f"the replica on port {port} was not warmed: {error}"
        failed = [f"/{p.path} ({p.cold.status})" for p in pages if p.cold.status != "ok"]
        return f"the replica on port {port} did not open {', '.join(failed)}" if failed else None

    async def every() -> list[str | None]:
        return await asyncio.gather(*(one(p) for p in ports))

    return [line for line in asyncio.run(every()) if line]


def stop_all(procs: list[subprocess.Popen]) -> None:
    """Terminate HAProxy first, then the replicas; kill what does not stop within 10 s."""
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicas", type=int, default=os.cpu_count() or 1, help="default: one per CPU core")
    ap.add_argument("--port", type=int, default=8501, help="the port students open")
    ap.add_argument("--bind", default="0.0.0.0", help="the address HAProxy listens on")
    ap.add_argument("--first-replica-port", type=int, default=8601)
    ap.add_argument("--no-warm", action="store_true", help="let visitors in before every page ran once")
    args = ap.parse_args(argv)
    haproxy = shutil.which("haproxy")
    if not haproxy:
        print("haproxy was not found: install it (apt-get install haproxy)", file=sys.stderr)
        return 2
    ports = [args.first_replica_port + i for i in range(args.replicas)]
    busy = [p for p in [args.port, *ports] if not port_free(p)]
    if busy:
        print(f"port(s) {busy} are in use: choose others (--port, --first-replica-port)", file=sys.stderr)
        return 2
    procs: list[subprocess.Popen] = []

    def on_sigterm(*_):
        raise SystemExit(0)  # unwinds to the finally below, which stops everything

    signal.signal(signal.SIGTERM, on_sigterm)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "haproxy.cfg"
        cfg.write_text(haproxy_config(args.port, ports, args.bind))
        try:
            for p in ports:
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
                         "--server.address", "127.0.0.1", "--server.port", str(p)],
                        cwd=ROOT,
                    )
                )  # fmt: skip
            for p in ports:
                wait_healthy(f"http://127.0.0.1:{p}")
            if not args.no_warm:
                started = time.monotonic()
                for line in warm(ports):
                    print(line, file=sys.stderr, flush=True)
                print(
                    f"every page opened once in each replica ({time.monotonic() - started:.1f} s)", flush=True
                )
            procs.append(subprocess.Popen([haproxy, "-f", str(cfg)]))
            wait_healthy(f"http://127.0.0.1:{args.port}")
            print(f"serving {len(ports)} replicas on port {args.port}", flush=True)
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            print("a replica or haproxy exited; stopping the others", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0
        finally:
            stop_all(procs)


if __name__ == "__main__":
    raise SystemExit(main())
