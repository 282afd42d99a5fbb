"""An in-process Keel server: the helpdesk example plus small scripted agents, a real
SQLite store in ``tmp_path``, real API keys, FastAPI's TestClient (lifespan on)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from keel import host
from keel.agent import Agent
from keel.api.app import create_app, service_for
from keel.api.registry import AgentRegistry
from keel.api.service import ApiService
from keel.config import Settings
from keel.models import ModelRequest, ScriptedModel, ToolCall

EXAMPLE = Path(__file__).parents[2] / "examples" / "helpdesk"


def slow_agent() -> Agent:
    """Calls a tool that blocks until the run is cancelled."""

    async def wait_forever() -> str:
        """Block."""
        await asyncio.sleep(3600)
        return "never"

    def script(request: ModelRequest) -> Any:
        if request.messages[-1].role == "user":
            return ToolCall("c1", "wait_forever", {})
        return "done"

    return Agent.define("slow", model=ScriptedModel(script), tools=[wait_forever])


def echo_agent() -> Agent:
    """Answers with what it was told, and with how many earlier turns it saw."""

    def script(request: ModelRequest) -> str:
        earlier = sum(1 for m in request.messages[:-1] if m.role in ("user", "assistant"))
        return f"echo: {request.messages[-1].content} (after {earlier} messages)"

    return Agent.define("echo", model=ScriptedModel(script), version="2.0.0")


@dataclass
class Api:
    client: TestClient
    svc: ApiService

    def headers(self, tenant: str = "acme", *roles: str) -> dict[str, str]:
        """Authorization headers of a new API key of ``tenant`` with ``roles``."""
        _record, key = self.svc.auth.keys.create(tenant, list(roles or ("admin",)), actor="test")
        return {"authorization": f"Bearer {key}"}


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", api_rate_limit_per_s=0, **overrides)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


def open_api(settings: Settings) -> Iterator[Api]:
    agents = [host.load_agent(EXAMPLE, settings, credentials={}), slow_agent(), echo_agent()]
    svc = service_for(settings, AgentRegistry(agents))
    with TestClient(create_app(svc)) as client:
        yield Api(client, svc)


@pytest.fixture
def api(tmp_path: Path, offline: None) -> Iterator[Api]:
    yield from open_api(make_settings(tmp_path))
