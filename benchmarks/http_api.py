"""HTTP throughput and latency of ``keel serve``: runs created per second, p50/p99.

One server process (uvicorn, the app ``keel serve`` builds, a durable SQLite store,
authentication on with a real API key, rate limiting off) serves the shared peer
scenario's agent — a scripted model that calls one tool, then answers. A separate
client process keeps 64 connections busy with ``POST /v1/agents/bench/runs`` (each
waits for its run to end, so a response means a completed, journaled, audited run)
and times every request.

Rows:
  http[default]   the agent as keel serve runs it (journal + audit)
  http[governed]  plus Keel's default governance on every step (policy pack, PII,
                  injection and content checks)

Each row is measured twice: closed loop (every connection sends its next request as
soon as it has an answer: the most the server can do, latency = queueing behind 63
others) and open loop at ``--rate`` runs/s (requests due on a fixed schedule, latency
counted from when each was due). Each line also gives the server process's CPU time
per run (all its threads, read from ``/proc``; "n/a" elsewhere), and a second line
what the store's group writer did per run meanwhile (``GroupWriter.counts``): groups
committed inline on the event loop and by the writer thread, inline attempts that
found the connection busy, writer thread wake-ups, hand-offs of committed futures
back to the loop (``call_soon_threadsafe``), the writer thread's CPU, the
client's own CPU per request (the instrument must not starve the server), and the
share of the machine's CPU time its hypervisor took for others meanwhile ("host
steal", from ``/proc/stat``): on a virtual machine, a phase that lost a third of its
CPU time is a measurement of the host, not of Keel.

Usage: python benchmarks/http_api.py [--requests N] [--concurrency C] [--rate R]
                                    [--row default|governed ...]
Goal (issue 6): >= 500 runs/s, and p99 <= 50 ms at 64 connections, one process.
"""

from __future__ import annotations

# Not "http.py": Python puts a script's folder first on the import path, so a
# benchmarks/http.py would shadow the standard library's ``http`` package for every
# script in this folder.
import argparse
import asyncio
import dataclasses
import gc
import importlib.util
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

_HERE = Path(__file__).resolve().parent


def make_agent(*, governed: bool) -> Any:
    """The shared scenario's agent, as benchmarks/overhead.py builds it."""
    spec = importlib.util.spec_from_file_location("keel_bench_overhead", _HERE / "overhead.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_agent(governed=governed)


def serve(port: int, governed: bool, data_dir: str) -> None:
    """The server process: print its API key, then serve until terminated."""
    import uvicorn

    from keel.api.app import create_app, service_for
    from keel.api.registry import AgentRegistry
    from keel.config import Settings

    settings = Settings(data_dir=Path(data_dir), api_rate_limit_per_s=0)
    svc = service_for(settings, AgentRegistry([make_agent(governed=governed)]))
    _, key = svc.auth.keys.create("bench", ["client"], actor="benchmark")
    print(key, flush=True)
    app = create_app(svc)

    async def with_counters(scope: Any, receive: Any, send: Any) -> None:
        # The writer's counters for the client (benchmark only: not a Keel route).
        if scope["type"] != "http" or scope["path"] != "/_bench/writer":
            await app(scope, receive, send)
            return
        counts: dict[str, Any] = dataclasses.asdict(svc.store.writer.counts)
        # Python names its threads for itself only: /proc knows them by native id.
        counts["threads"] = {t.name: t.native_id for t in threading.enumerate()}
        counts["writes"] = svc.store.writer.writes
        if interval := os.environ.get("SWITCH"):
            sys.setswitchinterval(float(interval))
        body = json.dumps(counts).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(
        with_counters,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


async def _load(
    url: str,
    key: str,
    n: int,
    concurrency: int,
    rate: float | None = None,
    *,
    measured: Callable[[], None] = lambda: None,
) -> tuple[float, list[float]]:
    """Send ``n`` requests over ``concurrency`` keep-alive connections; time each.

    Without ``rate``, closed loop: every connection sends its next request as soon as
    the last is answered (the most the server can do). With ``rate``, open loop:
    request ``i`` is due at ``i / rate`` seconds and its latency counts from then, so
    time spent waiting for a free connection is not hidden (no coordinated omission).
    ``measured`` is called once the warm-up is over, just before the timed requests.

    A minimal HTTP/1.1 client on asyncio streams: a general-purpose client (httpx)
    spends more CPU per request than the server does, and on one machine that CPU
    is taken from the server being measured.
    """
    host, port = url.removeprefix("http://").split(":")
    body = b'{"input": "route ticket T-1"}'
    request = (
        f"POST /v1/agents/bench/runs HTTP/1.1\r\nhost: {host}\r\n"
        f"authorization: Bearer {key}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    next_slot = 0
    t0 = 0.0

    async def worker(count: int, record: bool) -> None:
        nonlocal next_slot
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for _ in range(count):
                started = time.perf_counter()
                if record and rate is not None:
                    slot, next_slot = next_slot, next_slot + 1
                    started = t0 + slot / rate
                    if (wait := started - time.perf_counter()) > 0:
                        await asyncio.sleep(wait)
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                answer = await reader.readexactly(length)
                if record:
                    latencies.append(time.perf_counter() - started)
                if not head.startswith(b"HTTP/1.1 200") or b'"status":"completed"' not in answer:
                    raise RuntimeError(f"{head[:40]!r}: {answer[:200]!r}")
        finally:
            writer.close()

    await asyncio.gather(*(worker(20, False) for _ in range(concurrency)))  # warm-up
    share = [n // concurrency + (1 if i < n % concurrency else 0) for i in range(concurrency)]
    # The client is the instrument: its own collector pauses would be counted as server
    # latency (a load generator in C has none). It allocates little, so it can do without.
    gc.collect()
    measured()
    gc.disable()
    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k, True) for k in share))
        return time.perf_counter() - t0, latencies
    finally:
        gc.enable()


def _client_loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where installed (uvicorn's own choice for the server): the
    client's CPU is taken from the machine the server is measured on."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _cpu_s(pid: int, thread: int | None = None) -> float | None:
    """CPU time (user + system) of process ``pid`` so far, all its threads or the one
    of native id ``thread``; None off Linux (or no such thread)."""
    path = Path(f"/proc/{pid}/stat" if thread is None else f"/proc/{pid}/task/{thread}/stat")
    try:
        fields = path.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_ticks() -> tuple[int, int] | None:
    """(steal, all) clock ticks of this machine's CPUs so far; None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    ticks = [int(x) for x in fields[1:9]]  # user … steal; guest time is inside user
    return ticks[7], sum(ticks)


def _steal(before: tuple[int, int] | None, after: tuple[int, int] | None) -> str:
    if before is None or after is None or after[1] == before[1]:
        return "n/a"
    return f"{(after[0] - before[0]) / (after[1] - before[1]) * 100:.0f} %"


def _writer_counts(url: str) -> dict[str, Any]:
    counts: dict[str, Any] = httpx.get(f"{url}/_bench/writer").json()
    return counts


def _counters(
    before: dict[str, Any],
    after: dict[str, Any],
    n: int,
    writer_cpu: float | None,
    client: float,
    steal: str,
) -> str:
    """The writer's counters per run over one phase (see the module docstring)."""
    d = {k: (after[k] - before[k]) / n for k in after if k != "threads"}
    cpu = "n/a" if writer_cpu is None else f"{writer_cpu / n * 1e3:.2f} ms"
    return (
        f"{'':<16} per run: {d['writes']:.1f} writes; commits {d['inline_commits']:.2f} inline "
        f"({d['inline_commit_s'] * 1e3:.2f} ms), {d['thread_commits']:.2f} by the writer "
        f"thread ({d['thread_commit_s'] * 1e3:.2f} ms); inline found the connection busy "
        f"{d['inline_busy']:.2f}, locked {d['inline_locked']:.2f}\n"
        f"{'':<16} thread wake-ups {d['thread_wakeups']:.2f}, hand-offs {d['handoffs']:.2f} "
        f"({d['handed_off']:.2f} futures); CPU: writer thread {cpu}, client "
        f"{client / n * 1e3:.2f} ms; host steal {steal} of CPU time"
    )


def _phase(
    name: str, url: str, key: str, pid: int, n: int, concurrency: int, offered: float | None
) -> list[str]:
    """One phase (closed loop, or open loop at ``offered``/s): its two lines."""
    # Read after the warm-up, so the figures are the timed requests' alone.
    marks: dict[str, Any] = {}

    def measured() -> None:
        marks["counts"] = counts = _writer_counts(url)
        marks["tid"] = counts["threads"].get("keel-writer")
        marks["cpu"] = _cpu_s(pid)
        marks["writer"] = None if marks["tid"] is None else _cpu_s(pid, marks["tid"])
        marks["client"] = time.process_time()
        marks["ticks"] = _cpu_ticks()

    with asyncio.Runner(loop_factory=_client_loop()) as runner:
        elapsed, latencies = runner.run(_load(url, key, n, concurrency, offered, measured=measured))
    client = time.process_time() - marks["client"]
    steal = _steal(marks["ticks"], _cpu_ticks())
    cpu_after = _cpu_s(pid)
    writer_after = None if marks["tid"] is None else _cpu_s(pid, marks["tid"])
    counts = _writer_counts(url)
    cpu_before, writer_before = marks["cpu"], marks["writer"]
    cpu = (
        "server CPU n/a"
        if cpu_before is None or cpu_after is None
        else f"server CPU {(cpu_after - cpu_before) / n * 1e3:.2f} ms/run"
    )
    writer_cpu = (
        None if writer_before is None or writer_after is None else writer_after - writer_before
    )
    ms = sorted(x * 1e3 for x in latencies)
    p50 = statistics.median(ms)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    load = "as fast as answered" if offered is None else f"offered {offered:g}/s"
    return [
        f"{name:<16} {len(ms) / elapsed:6.0f} runs/s   p50 {p50:6.1f} ms   "
        f"p99 {p99:6.1f} ms   {cpu}   ({len(ms)} runs, {concurrency} connections, {load})",
        _counters(marks["counts"], counts, n, writer_cpu, client, steal),
    ]


def bench(name: str, *, governed: bool, n: int, concurrency: int, rate: float) -> list[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="keel-http-bench-") as data:
        args = [sys.executable, __file__, "--serve", str(port), "--data", data]
        if governed:
            args.append("--governed")
        server = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout is not None
            key = server.stdout.readline().strip()
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{url}/healthz")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            return [
                row
                for offered in (None, rate)
                for row in _phase(name, url, key, server.pid, n, concurrency, offered)
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop offered runs/s")
    parser.add_argument(
        "--row", choices=("default", "governed"), action="append", help="only these rows"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--governed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.governed, args.data)
        return
    print("keel serve, one process; client in its own process on the same machine")
    for row in args.row or ("default", "governed"):
        name, governed = f"http[{row}]", row == "governed"
        rows = bench(
            name, governed=governed, n=args.requests, concurrency=args.concurrency, rate=args.rate
        )
        print("\n".join(rows))


if __name__ == "__main__":
    main()
