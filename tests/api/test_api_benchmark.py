"""benchmarks/http_api.py runs end to end (figures are not asserted: timing belongs in
benchmarks, not tests) and prints its four rows."""

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
