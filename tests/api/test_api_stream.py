"""Token streaming over HTTP, in process: ``token`` and ``retract`` events on a run's
event stream, and real deltas from ``POST /v1/chat/completions`` with ``stream: true``
for an agent whose spec says ``output.stream: tokens``.

(That the deltas leave while the model still writes is proven against a live server
in ``test_api_live_stream.py``: the test client collects whole bodies.)
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import Api, make_settings
from default_governor import default_governor
from keel.agent import Agent
from keel.api.app import create_app, service_for
from keel.api.registry import AgentRegistry
from keel.api.service import ApiService
from keel.governance.pii import PiiPolicy
from keel.models import ModelRequest, ScriptedModel, ToolCall
from keel.models.scripted import ScriptItem
from keel.tools import ToolContext, tool

ANSWER = (
    "Your order shipped on Monday and should arrive by Thursday. The tracking link is "
    "in the e-mail we sent when it left the warehouse; reply here if it does not come."
)
DENIED = f"{ANSWER} For the record, the card on file is 4242 4242 4242 4242."


class Listened:
    """A tool that returns once someone listens to its run's tokens, so that the
    answer turn after it is streamed (the server is set after start-up)."""

    def __init__(self) -> None:
        self.svc: ApiService | None = None

        @tool(name="look_up_order")
        async def look_up_order(context: ToolContext) -> str:
            """Look the order up."""
            assert self.svc is not None
            for _ in range(1000):
                if self.svc.engine.tokens.listening(context.run_id):
                    break
                await asyncio.sleep(0.01)
            return "shipped Monday"

        self.tool = look_up_order


def after_tool(answer: str) -> Any:
    def script(request: ModelRequest) -> ScriptItem:
        if request.messages[-1].role == "tool":
            return answer
        return ToolCall("c1", "look_up_order", {})

    return script


@pytest.fixture
def stream_api(tmp_path: Path, offline: None) -> Iterator[Api]:
    listened = Listened()
    restricted_kept = PiiPolicy(operators={"output": {"restricted": "keep"}})
    agents = [
        Agent.define(
            "teller",
            model=ScriptedModel(after_tool(ANSWER), delta_chars=7),
            tools=[listened.tool],
            governor=default_governor(),
            stream="tokens",
        ),
        Agent.define(
            "chatty",
            model=ScriptedModel(lambda _r: ANSWER, delta_chars=7),
            governor=default_governor(),
            stream="tokens",
        ),
        Agent.define(
            "leaky",
            model=ScriptedModel(after_tool(DENIED), delta_chars=7),
            tools=[listened.tool],
            governor=default_governor(restricted_kept),
            stream="tokens",
        ),
        Agent.define(
            "terse",
            model=ScriptedModel(lambda _r: "Card 4242 4242 4242 4242."),
            governor=default_governor(restricted_kept),
            stream="tokens",
        ),
        Agent.define("whole", model=ScriptedModel(lambda _r: ANSWER), governor=default_governor()),
    ]
    svc = service_for(make_settings(tmp_path), AgentRegistry(agents))
    listened.svc = svc
    with TestClient(create_app(svc)) as client:
        yield Api(client, svc)


def sse(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for block in text.strip().split("\n\n"):
        if block.startswith(":"):
            continue
        lines = dict(line.split(": ", 1) for line in block.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def events_of(api: Api, agent: str) -> tuple[str, list[tuple[str, dict[str, Any]]]]:
    auth = api.headers()
    r = api.client.post(
        f"/v1/agents/{agent}/runs", json={"input": "where?", "wait_s": 0}, headers=auth
    )
    assert r.status_code == 202, r.text
    run_id = r.json()["run_id"]
    with api.client.stream("GET", f"/v1/runs/{run_id}/events", headers=auth) as s:
        assert s.status_code == 200
        return run_id, sse("".join(s.iter_text()))


def test_the_event_stream_sends_tokens_then_the_run(stream_api: Api) -> None:
    run_id, events = events_of(stream_api, "teller")
    names = [name for name, _ in events]
    tokens = [data for name, data in events if name == "token"]

    assert names[-1] == "run"
    assert len(tokens) > 2
    assert all(t["run_id"] == run_id and t["step"] == 3 for t in tokens)
    assert "".join(t["text"] for t in tokens) == events[-1][1]["output"] == ANSWER
    assert max(i for i, n in enumerate(names) if n == "token") < names.index("run")
    assert "retract" not in names


def test_a_denial_at_the_end_is_a_retract_event_then_the_failed_run(stream_api: Api) -> None:
    run_id, events = events_of(stream_api, "leaky")
    names = [name for name, _ in events]
    sent = "".join(data["text"] for name, data in events if name == "token")

    assert sent
    assert ANSWER.startswith(sent)
    assert "4242" not in sent
    retract = dict(events)["retract"]
    assert retract == {
        "run_id": run_id,
        "step": 3,
        "reason": "run_ended",
        "code": "POLICY_DENIED",
        "message": events[-1][1]["error"]["message"],
    }
    assert names.index("retract") < names.index("run")
    assert events[-1][1]["status"] == "failed"
    assert events[-1][1]["error"]["code"] == "POLICY_DENIED"


def chat(api: Api, model: str, **extra: Any) -> Any:
    body = {"model": model, "messages": [{"role": "user", "content": "where?"}], **extra}
    return api.client.post("/v1/chat/completions", json=body, headers=api.headers("acme", "client"))


def data_lines(text: str) -> list[Any]:
    out = []
    for block in text.strip().split("\n\n"):
        payload = block.removeprefix("data: ")
        out.append(payload if payload == "[DONE]" else json.loads(payload))
    return out


def test_chat_streaming_sends_the_released_deltas(stream_api: Api) -> None:
    whole = chat(stream_api, "chatty").json()["choices"][0]["message"]["content"]
    r = chat(stream_api, "chatty", stream=True)

    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    chunks = data_lines(r.text)
    assert chunks[-1] == "[DONE]"
    deltas = [c["choices"][0]["delta"].get("content", "") for c in chunks[:-1]]
    assert "".join(deltas) == whole == ANSWER
    assert chunks[-2]["choices"][0]["finish_reason"] == "stop"
    # The guard's pieces, not final mode's fixed pieces of about 24 characters.
    final_mode = data_lines(chat(stream_api, "whole", stream=True).text)
    assert deltas != [c["choices"][0]["delta"].get("content", "") for c in final_mode[:-1]]


def test_chat_streaming_a_run_denied_after_tokens_ends_with_an_error_event(
    stream_api: Api,
) -> None:
    # The chat run has no listener until the request listens: the tool waits for it.
    r = chat(stream_api, "leaky", stream=True)

    assert r.status_code == 200
    chunks = data_lines(r.text)
    assert "[DONE]" not in chunks
    error = chunks[-1]["error"]
    assert error["code"] == "POLICY_DENIED"
    assert error["trace_id"] == r.headers["x-trace-id"]
    sent = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks[:-1])
    assert sent
    assert ANSWER.startswith(sent)


def test_chat_streaming_a_run_denied_before_any_token_is_an_http_error(stream_api: Api) -> None:
    r = chat(stream_api, "terse", stream=True)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "POLICY_DENIED"


def test_a_final_mode_agent_streams_nothing_before_the_run(stream_api: Api) -> None:
    _run_id, events = events_of(stream_api, "whole")
    names = [name for name, _ in events]
    assert "token" not in names
    assert names[-1] == "run"
    assert events[-1][1]["output"] == ANSWER
