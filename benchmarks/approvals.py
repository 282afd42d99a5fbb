"""Pending approvals hold rows, not memory: N runs through the engine, each stopped
at a tool call that needs approval.

Goal (issue 4): 10,000 pending approvals hold no process memory beyond their rows.

Usage: python benchmarks/approvals.py [--approvals N]   (default 10000)

Reports the process RSS before and after (and after a GC), the rows in
``approvals`` and the runs in ``awaiting_approval``, and the asyncio tasks left:
one (the benchmark's own), since nothing waits in the process.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from keel import Agent, LocalEngine, ScriptedModel, Store, ToolCall
from keel.hitl import Approvals


def _rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _agent() -> Agent:
    async def wire(amount: float) -> str:
        """Send money."""
        return "sent"

    from keel.tools import tool

    risky = tool(risk="financial", requires_approval=True)(wire)
    model = ScriptedModel(lambda r: ToolCall("c1", "wire", {"amount": 10}))
    return Agent.define("payer", model=model, tools=[risky], version="1.0.0")


async def _main(n: int, db: Path) -> dict[str, object]:
    store = Store.open(f"sqlite:///{db}")
    agent = _agent()
    engine = LocalEngine(store)
    await engine.run(agent, "warm up")
    gc.collect()
    before = _rss_mib()
    started = time.perf_counter()
    model = agent.model
    assert isinstance(model, ScriptedModel)
    for _ in range(n):
        await engine.run(agent, "pay")
        # The test double records every request it got; that is its memory, not ours.
        model.requests.clear()
    await engine.close()
    elapsed = time.perf_counter() - started
    after = _rss_mib()
    gc.collect()
    after_gc = _rss_mib()
    tasks = len(asyncio.all_tasks())
    rows = Approvals(store).repo.count(status="pending")
    waiting = store.runs.count_by_status().get("awaiting_approval", 0)
    store.close()
    return {
        "approvals_created": n,
        "pending_rows": rows,
        "runs_awaiting_approval": waiting,
        "rss_before_mib": round(before, 1),
        "rss_after_mib": round(after, 1),
        "rss_after_gc_mib": round(after_gc, 1),
        "rss_growth_per_approval_bytes": round((after_gc - before) * 1024 * 1024 / max(n, 1)),
        "asyncio_tasks_left": tasks,
        "seconds": round(elapsed, 2),
        "approvals_per_s": round(n / elapsed) if elapsed else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(_main(args.approvals, Path(tmp) / "keel.db"))
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
