"""Telemetry off (the default) costs nothing: OpenTelemetry is never imported."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from keel.config import Settings, load_settings
from keel.telemetry import TelemetryConfig

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, tempfile
    from keel import Agent, ScriptedModel, Store, ToolCall, tool
    from keel.config import Settings
    import keel.cli.app  # the whole CLI, as `keel run` loads it
    import keel.host

    @tool(idempotent=True)
    def lookup(ticket_id: str) -> str:
        '''Look up a ticket.'''
        return "ok"

    def script(request):
        if request.messages[-1].role == "tool":
            return "done"
        return ToolCall("c1", "lookup", {"ticket_id": "T-1"})

    async def main():
        store = Store.open(f"sqlite:///{tempfile.mkdtemp()}/k.db")
        engine = keel.host.engine(store, Settings())  # how `keel run` builds it
        agent = Agent.define("a", model=ScriptedModel(script), tools=[lookup])
        rec = await engine.run(agent, "go", traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01")
        assert rec.status == "completed", rec
        await engine.close()
        store.close()

    asyncio.run(main())
    loaded = sorted(m for m in sys.modules if m.startswith(("opentelemetry", "prometheus_client")))
    print(loaded)
    """
)


def test_a_run_without_telemetry_never_imports_opentelemetry() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_settings_build_the_telemetry_config() -> None:
    s = load_settings(
        {
            "KEEL_TELEMETRY_EXPORTER": "otlp",
            "KEEL_TELEMETRY_PROTOCOL": "grpc",
            "KEEL_TELEMETRY_ENDPOINT": "http://collector:4317",
            "KEEL_TELEMETRY_HEADERS": "api-key=s3cret, x-team = ops",
            "KEEL_TELEMETRY_CAPTURE_CONTENT": "true",
            "KEEL_ALERT_WEBHOOKS": "https://a.example/hook, https://b.example/hook",
            "KEEL_ALERT_WEBHOOK_SECRET": "hush",
        },
        cwd=Path("/nonexistent"),
    )
    config = TelemetryConfig.from_settings(s, prometheus=True)
    assert config.exporter == "otlp"
    assert config.protocol == "grpc"
    assert config.endpoint == "http://collector:4317"
    assert dict(config.headers) == {"api-key": "s3cret", "x-team": "ops"}
    assert config.capture_content
    assert config.prometheus
    assert config.enabled
    assert s.alert_webhooks == ["https://a.example/hook", "https://b.example/hook"]
    # Secrets stay out of reprs (and so out of logs).
    assert "s3cret" not in repr(s)
    assert "hush" not in repr(s)
    assert s.alert_webhook_secret is not None
    assert s.alert_webhook_secret.get_secret_value() == "hush"
    assert not TelemetryConfig.from_settings(Settings()).enabled


def test_bad_telemetry_settings_are_config_errors() -> None:
    from keel.errors import ConfigError

    with pytest.raises(ConfigError, match="telemetry_exporter"):
        load_settings({"KEEL_TELEMETRY_EXPORTER": "zipkin"}, cwd=Path("/nonexistent"))
    with pytest.raises(ConfigError, match="name=value"):
        load_settings({"KEEL_TELEMETRY_HEADERS": "novalue"}, cwd=Path("/nonexistent"))
    with pytest.raises(ConfigError, match="exporter"):
        TelemetryConfig(exporter="zipkin")  # type: ignore[arg-type]
