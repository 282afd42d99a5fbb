"""The overhead benchmark runs and prints its rows in the peers' format (not its speed)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "overhead.py"
# The format ../shared/bench/peers/common.py prints, which the comparison table parses.
ROW = re.compile(
    r"keel\[(memory|durable|durable,no-audit)\]: \d+\.\d{3} ms/run sequential, "
    r"\d+ runs/s at 20 concurrent"
)
AUDIT = re.compile(
    r"audit log: [+-]\d+\.\d{3} ms/run \(keel\[durable\] \d+\.\d{3} vs "
    r"keel\[durable,no-audit\] \d+\.\d{3}, medians of 20 alternating rounds of 10-run blocks\): "
    r"building and chaining the records [+-]\d+\.\d{3}, storing them [+-]\d+\.\d{3}, "
    r"signed checkpoints [+-]\d+\.\d{3}"
)


def test_overhead_benchmark_prints_its_rows_and_the_audit_cost(tmp_path: Path) -> None:
    env = {**os.environ, "PEER_N_SEQ": "20", "PEER_N_CONC": "20", "TMPDIR": str(tmp_path)}

    done = subprocess.run(
        [sys.executable, str(BENCHMARK)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    rows = [m.group(1) for m in map(ROW.fullmatch, done.stdout.splitlines()) if m]
    assert rows == ["memory", "durable", "durable,no-audit"]
    assert any(map(AUDIT.fullmatch, done.stdout.splitlines())), done.stdout
    # 50 warm-up + 20 sequential + 20 concurrent runs, all completed (the script checks).
    assert "writes in" in done.stderr
    assert "90 runs in" in done.stderr
