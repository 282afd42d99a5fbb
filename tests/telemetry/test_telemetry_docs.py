"""docs/observability.md names every attribute and metric keel.telemetry reports."""

from __future__ import annotations

from pathlib import Path

from keel.telemetry import Telemetry, TelemetryConfig, semconv

PAGE = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def test_every_attribute_and_metric_is_documented() -> None:
    text = PAGE.read_text()
    names = {
        value
        for key, value in vars(semconv).items()
        if key.isupper() and isinstance(value, str) and "." in value
    }
    missing = sorted(n for n in names if f"`{n}`" not in text)
    assert not missing, f"docs/observability.md does not mention {missing}"


def test_every_metric_is_in_the_metrics_table_with_its_prometheus_name() -> None:
    text = PAGE.read_text()
    telemetry = Telemetry(TelemetryConfig(prometheus=True))
    exposed = telemetry.prometheus()[0].decode()
    telemetry.shutdown()
    for inst in telemetry.metrics.declared:
        row = next(
            (line for line in text.splitlines() if line.startswith(f"| `{inst.name}` (")), None
        )
        assert row is not None, f"{inst.name} has no row in the metrics table"
        prom = row.split("(`", 1)[1].split("`", 1)[0]
        assert f"# TYPE {prom} " in exposed, f"{inst.name}: {prom} is not what /metrics shows"
