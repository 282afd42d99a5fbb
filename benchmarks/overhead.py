"""Per-run overhead of Keel on the shared peer scenario, printed in the peers' format.

Scenario (identical for every system, see ../shared/bench/peers/common.py): one agent,
one tool ``lookup(ticket_id)``, a scripted model that answers the first turn with a
tool call and the second with text: model -> tool -> model -> answer.

Rows:
  keel[memory]   LocalEngine() with no store: the loop and tool execution only
  keel[durable]  LocalEngine(Store) on SQLite (WAL): every step journaled (the tool is
                 a read declared idempotent, so no "started" row is awaited before it
                 runs), the result committed before the run returns, and the audit
                 log's hash-chained record of the run's five events (one commit, so
                 one run.events record)
  keel[durable,no-audit]
                 keel[durable] without the audit log (no Keel configuration turns it
                 off; the benchmark detaches it), to show what the audit costs
  keel[governed] keel[durable] plus Keel's default governance on every step: the
                 shipped Rego policy pack at input, route, tool and output, PII masking
                 and prompt-injection checks of the request and the tool result, the
                 spotlighting fence, content rules and the canary
  keel[observed] keel[durable] plus telemetry on: the invoke_agent, chat and execute_tool
                 spans of every run through a real BatchSpanProcessor (its exporter
                 discards the batches, so no network is timed) and every metric into
                 a Prometheus reader, scraped once at the end

After the rows, "audit log:" is the audit's cost per run: keel[durable] against
keel[durable,no-audit] again, in rounds of blocks of runs that alternate between them
in one process (the median difference over the rounds), so that a noisy machine moves
both alike, on one engine and store whose audit log is detached for the no-audit
blocks; then the same cost in three parts, from two more engines in the same
rounds: building and chaining the records (never stored), storing them, and signing
Merkle checkpoints.

Usage: python benchmarks/overhead.py [--with-peers]
  PEER_N_SEQ / PEER_N_CONC set the run counts (defaults 500 / 500), as for the peers.
  --with-peers also runs ../shared/bench/peers/run.sh and prints one side-by-side table.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall, tool
from keel.audit import AuditLog, AuditOptions
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate, Principal

N_SEQ = int(os.environ.get("PEER_N_SEQ", "500"))
N_CONC = int(os.environ.get("PEER_N_CONC", "500"))
WARMUP = 50


@tool(risk="read", idempotent=True, blocking=False)
def lookup(ticket_id: str) -> dict[str, str]:
    """Look up a ticket."""
    return {"id": ticket_id, "queue": "network"}


def script(request: ModelRequest) -> str | ToolCall:
    if request.messages[-1].role == "tool":
        return "done: ticket routed"
    return ToolCall("c1", "lookup", {"ticket_id": "T-1"})


def make_agent(*, governed: bool = False) -> Agent:
    model = ScriptedModel(script)
    governor = None
    if governed:
        governor = Governor.default(
            models=[ModelCandidate(model.name)], hash_key=b"benchmark-pii-key-0123456789"
        )
    return Agent.define("bench", model=model, tools=[lookup], governor=governor)


async def measure(name: str, run_once: Callable[[], Awaitable[None]]) -> tuple[float, float]:
    for _ in range(WARMUP):
        await run_once()
    t = time.perf_counter()
    for _ in range(N_SEQ):
        await run_once()
    seq_ms = (time.perf_counter() - t) / N_SEQ * 1e3
    t = time.perf_counter()
    await asyncio.gather(*[run_once() for _ in range(N_CONC)])
    conc = N_CONC / (time.perf_counter() - t)
    print(f"{name}: {seq_ms:.3f} ms/run sequential, {conc:.0f} runs/s at {N_CONC} concurrent")
    sys.stdout.flush()
    return seq_ms, conc


async def bench_memory() -> tuple[float, float]:
    agent = make_agent()
    engine = LocalEngine(max_concurrency=N_CONC)

    async def run_once() -> None:
        rec = await engine.run(agent, "route ticket T-1")
        assert rec.output == "done: ticket routed", rec

    return await measure("keel[memory]", run_once)


def _discarding_exporter() -> Any:
    """A span exporter that counts each batch and drops it: the benchmark times Keel and
    the SDK, not I/O."""
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class Discard(SpanExporter):
        def __init__(self) -> None:
            self.spans = 0

        def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
            self.spans += len(spans)
            return SpanExportResult.SUCCESS

    return Discard()


async def bench_durable(
    data_dir: Path, *, governed: bool = False, observed: bool = False, audit: bool = True
) -> tuple[float, float]:
    agent = make_agent(governed=governed)
    name = "governed" if governed else "observed" if observed else "durable"
    if not audit:
        name += ",no-audit"
    store = Store.open(f"sqlite:///{data_dir / f'{name}.db'}")
    telemetry = None
    if observed:
        # Imported here: the other rows must not depend on OpenTelemetry.
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        from keel.telemetry import Telemetry, TelemetryConfig

        spans = _discarding_exporter()
        telemetry = Telemetry(
            TelemetryConfig(prometheus=True), span_processors=[BatchSpanProcessor(spans)]
        )
    engine = LocalEngine(store, max_concurrency=N_CONC, telemetry=telemetry)
    if not audit:
        engine.audit = None  # the benchmark's own switch: runs are not audited
    who = Principal("bench", ("employee",))

    async def run_once() -> None:
        rec = await engine.run(agent, "route ticket T-1", principal=who)
        assert rec.output == "done: ticket routed", rec

    try:
        result = await measure(f"keel[{name}]", run_once)
        await engine.close()
        counts = store.runs.count_by_status()
        assert counts == {"completed": WARMUP + N_SEQ + N_CONC}, counts
        print(
            f"  ({name}: {store.writer.writes} writes in {store.writer.commits} commits, "
            f"{counts['completed']} runs in {store.location})",
            file=sys.stderr,
        )
        if telemetry is not None:
            body, _ = telemetry.prometheus()
            assert b"gen_ai_client_token_usage_count" in body
            telemetry.shutdown()
            runs = WARMUP + N_SEQ + N_CONC
            assert spans.spans == 4 * runs, (spans.spans, runs)
        return result
    finally:
        store.close()


async def audit_cost(
    data_dir: Path, *, blocks: int = max(20, N_SEQ // 5), runs: int = max(10, N_SEQ // 20)
) -> float:
    """keel[durable] minus keel[durable,no-audit], ms/run: the median difference of
    ``blocks`` rounds of back-to-back blocks of ``runs`` sequential runs each (the order
    within a round is reversed every other round), so that a noisy machine moves all alike.
    At the default counts, 100 rounds of 25 runs (about 5 s): with 20 rounds, five runs
    in a row on the build machine gave anything from +0.016 to +0.172 ms/run.

    The no-audit blocks run the full audit's own engine with its audit log detached:
    the same store and engine object, so no difference between two stores enters the
    figure (two identical engines on stores opened one after the other differed by
    0.018 and 0.023 ms/run in two such runs, the first one faster: a separate no-audit
    store, opened last, made the cost read about that much low).

    Two more engines in the same rounds split the cost in three: records built and
    chained but not stored (no signing key, and the store's writer drops the audit
    inserts: the benchmark's own switch), then stored (still unsigned), then the full
    audit (signed Merkle checkpoints every 1,000 records, Keel's default). Those parts
    compare separate stores, so each is good to a few hundredths of a ms."""
    agent = make_agent()
    who = Principal("bench", ("employee",))
    # Full audit, unsigned, built but not stored.
    roles = ("audit", "unsigned", "unstored")
    stores = [Store.open(f"sqlite:///{data_dir / f'cost-{n}.db'}") for n in roles]
    for store in stores[1:]:
        AuditLog.of(store, AuditOptions(signing_key_path=None))
    # Their checkpointers warn that nothing is signed: here that is the point.
    logging.getLogger("keel.audit.checkpointer").setLevel(logging.ERROR)
    engines = [LocalEngine(store) for store in stores]
    _drop_audit_inserts(stores[2])
    # (engine, its audit log for the block): audit, unsigned, unstored, none.
    variants = [(engine, engine.audit) for engine in engines] + [(engines[0], None)]
    times: list[list[float]] = [[] for _ in variants]
    order = list(range(len(variants)))
    try:
        for block in range(blocks + 1):
            for i in order if block % 2 else order[::-1]:
                engine, log = variants[i]
                engine.audit = log
                t = time.perf_counter()
                for _ in range(runs):
                    rec = await engine.run(agent, "route ticket T-1", principal=who)
                    assert rec.output == "done: ticket routed", rec
                if block:  # the first round warms up
                    times[i].append((time.perf_counter() - t) / runs * 1e3)
        engines[0].audit = variants[0][1]
        for engine in engines:
            await engine.close()
    finally:
        for store in stores:
            store.close()

    def diff(a: int, b: int) -> float:
        return statistics.median(x - y for x, y in zip(times[a], times[b], strict=True))

    cost = diff(0, 3)
    print(
        f"audit log: {cost:+.3f} ms/run (keel[durable] {statistics.median(times[0]):.3f} vs "
        f"keel[durable,no-audit] {statistics.median(times[3]):.3f}, medians of {blocks} "
        f"alternating rounds of {runs}-run blocks): building and chaining the records "
        f"{diff(2, 3):+.3f}, storing them {diff(1, 2):+.3f}, signed checkpoints {diff(0, 1):+.3f}"
    )
    return cost


def _drop_audit_inserts(store: Store) -> None:
    """Have ``store``'s writer drop its audit log's inserts: records are built and
    chained as always, and never stored."""
    audit_insert = AuditLog.of(store)._insert
    submit_many = store.writer.submit_many

    def keep_others(statement: Any, rows: Sequence[Any], *, wait: bool = False) -> Any:
        if statement is audit_insert:
            return None
        return submit_many(statement, rows, wait=wait)

    store.writer.submit_many = keep_others  # type: ignore[method-assign]


def peers() -> str:
    script_path = (
        Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "peers" / "run.sh"
    )
    if not script_path.exists():
        sys.exit(f"peer script not found at {script_path}")
    return subprocess.run([str(script_path)], check=True, capture_output=True, text=True).stdout


_ROW = re.compile(r"(\S+): ([\d.]+) ms/run sequential, (\d+) runs/s")


def table(lines: str) -> str:
    rows = [m.groups() for m in map(_ROW.match, lines.splitlines()) if m]
    out = ["| system | ms/run sequential | runs/s at 500 concurrent |", "|---|---:|---:|"]
    out += [f"| {name} | {ms} | {rps} |" for name, ms, rps in rows]
    return "\n".join(out)


def main() -> None:
    with_peers = "--with-peers" in sys.argv[1:]
    peer_lines = peers() if with_peers else ""
    if peer_lines:
        print(peer_lines, end="")
    lines = []
    with tempfile.TemporaryDirectory(prefix="keel-bench-") as tmp:
        for name, coro in (
            ("memory", bench_memory()),
            ("durable", bench_durable(Path(tmp))),
            ("durable,no-audit", bench_durable(Path(tmp), audit=False)),
            ("observed", bench_durable(Path(tmp), observed=True)),
            ("governed", bench_durable(Path(tmp), governed=True)),
        ):
            seq, conc = asyncio.run(coro)
            lines.append(f"keel[{name}]: {seq:.3f} ms/run sequential, {conc:.0f} runs/s")
        asyncio.run(audit_cost(Path(tmp)))
    if with_peers:
        print()
        print(table(peer_lines + "\n".join(lines)))


if __name__ == "__main__":
    main()
