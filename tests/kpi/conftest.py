"""The KPI tests share the telemetry tests' webhook receiver (tests/telemetry)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "telemetry"))
