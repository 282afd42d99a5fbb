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
per run (all its threads, read from ``/proc``; "n/a" elsewhere).

Usage: python benchmarks/http_api.py [--requests N] [--concurrency C] [--rate R]
Goal (issue 6): >= 500 runs/s, and p99 <= 50 ms at 64 connections, one process.
"""

from __future__ import annotations

# Not "http.py": Python puts a script's folder first on the import path, so a
# benchmarks/http.py would shadow the standard library's ``http`` package for every
# script in this folder.
import argparse
import asyncio
import gc
import importlib.util
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
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
    uvicorn.run(
        create_app(svc),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        server_header=False,
    )


async def _load(
    url: str, key: str, n: int, concurrency: int, rate: float | None = None
) -> tuple[float, list[float]]:
    """Send ``n`` requests over ``concurrency`` keep-alive connections; time each.

    Without ``rate``, closed loop: every connection sends its next request as soon as
    the last is answered (the most the server can do). With ``rate``, open loop:
    request ``i`` is due at ``i / rate`` seconds and its latency counts from then, so
    time spent waiting for a free connection is not hidden (no coordinated omission).

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
    gc.disable()
    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(k, True) for k in share))
        return time.perf_counter() - t0, latencies
    finally:
        gc.enable()


def _cpu_s(pid: int) -> float | None:
    """CPU time (user + system, all threads) of process ``pid`` so far; None off Linux."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
            rows = []
            for offered in (None, rate):
                cpu_before = _cpu_s(server.pid)
                elapsed, latencies = asyncio.run(_load(url, key, n, concurrency, offered))
                cpu_after = _cpu_s(server.pid)
                cpu = (
                    "server CPU n/a"
                    if cpu_before is None or cpu_after is None
                    else f"server CPU {(cpu_after - cpu_before) / n * 1e3:.2f} ms/run"
                )
                ms = sorted(x * 1e3 for x in latencies)
                p50 = statistics.median(ms)
                p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
                load = "as fast as answered" if offered is None else f"offered {offered:g}/s"
                rows.append(
                    f"{name:<16} {len(ms) / elapsed:6.0f} runs/s   p50 {p50:6.1f} ms   "
                    f"p99 {p99:6.1f} ms   {cpu}   ({len(ms)} runs, {concurrency} connections, "
                    f"{load})"
                )
            return rows
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop offered runs/s")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--governed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.governed, args.data)
        return
    print("keel serve, one process; client in its own process on the same machine")
    for name, governed in (("http[default]", False), ("http[governed]", True)):
        rows = bench(
            name, governed=governed, n=args.requests, concurrency=args.concurrency, rate=args.rate
        )
        print("\n".join(rows))


if __name__ == "__main__":
    main()
