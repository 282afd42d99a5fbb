"""benchmarks/http_api.py runs end to end (figures are not asserted: timing belongs in
benchmarks, not tests) and prints its four rows, each with the store writer's counters."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parents[2] / "benchmarks" / "http_api.py"


def test_the_http_benchmark_prints_every_row() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--requests", "64", "--concurrency", "8", "--rate", "200"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("http[")]
    assert [r.split()[0] for r in rows] == [
        "http[default]",
        "http[default]",
        "http[governed]",
        "http[governed]",
    ]
    assert all("runs/s" in r and "p99" in r for r in rows)
    # Who committed, and the hand-offs between threads, per run (issue 6).
    counters = [line for line in done.stdout.splitlines() if "per run:" in line]
    assert len(counters) == 4
    assert all("inline" in c and "writer thread" in c for c in counters)
    assert sum("hand-offs" in line for line in done.stdout.splitlines()) == 4
    # The hypervisor's share of the CPU time, which decides whether a phase measured Keel.
    assert sum("host steal" in line for line in done.stdout.splitlines()) == 4
