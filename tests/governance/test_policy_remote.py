"""The OPA engine against a real HTTP server speaking OPA's Data API.

The server evaluates with regorus (the Rust Rego engine, from the PyPI wheel
``gordon-to-regorus``): a second implementation, independent of rego-cpp, so
identical decisions from both mean the policies — not one engine's quirks —
decide. It also plays an OPA that is slow, failing or gone, for fail-closed.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from keel.governance.policy import (
    DECISION_POINTS,
    AgentIdentity,
    EmbeddedPolicyEngine,
    InjectionFacts,
    ModelCandidate,
    OpaPolicyEngine,
    OutputFacts,
    PolicyBundle,
    PolicyEngine,
    Principal,
    RequestFacts,
    ToolFacts,
    policy_input,
)

regorus = pytest.importorskip("regorus", reason="the parity server needs gordon-to-regorus")


@dataclass
class RegorusOpa:
    """OPA's ``POST /v1/data/<path>`` on regorus; ``mode`` makes it misbehave."""

    bundle: PolicyBundle
    mode: str = "normal"  # normal | slow | error | garbage
    requests: list[dict[str, Any]] = field(default_factory=list)

    engine: Any = None

    def load(self) -> Any:
        # A regorus engine must stay on the thread that made it: the server's.
        if self.engine is None:
            self.engine = regorus.Engine()
            self.engine.add_data(dict(self.bundle.data))
            for module in self.bundle.modules:
                self.engine.add_policy(module.path, module.source)
        return self.engine

    def answer(self, path: str, query: str, body: bytes) -> tuple[int, bytes]:
        self.requests.append({"path": path, "query": query})
        if self.mode == "slow":
            time.sleep(0.5)
        if self.mode == "error":
            return 500, b'{"code": "internal_error", "message": "eval_conflict_error"}'
        if self.mode == "garbage":
            return 200, b"<html>not OPA</html>"
        if not path.startswith("/v1/data/"):
            return 404, b'{"code": "resource_not_found", "message": "not found"}'
        rule = "data." + path.removeprefix("/v1/data/").replace("/", ".")
        document = json.loads(body or b"{}").get("input")
        engine = self.load()
        engine.set_input(document)
        try:
            result = engine.eval_query(rule)
        except RuntimeError as e:
            return 500, json.dumps({"code": "internal_error", "message": str(e)}).encode()
        rows = result.get("result", [])
        if not rows:
            return 200, b"{}"  # undefined, as OPA answers it
        return 200, json.dumps({"result": rows[0]["expressions"][0]["value"]}).encode()


def serve(opa: RegorusOpa) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status, payload = opa.answer(path, query, body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    def run() -> None:
        server.serve_forever()
        opa.engine = None  # dropped on the thread that made it, as regorus requires

    server = HTTPServer(("127.0.0.1", 0), Handler)  # one thread serves every request
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@pytest.fixture(scope="module")
def pack() -> PolicyBundle:
    return PolicyBundle.load()


@pytest.fixture
def opa(pack: PolicyBundle) -> RegorusOpa:
    return RegorusOpa(pack)


@pytest.fixture
def url(opa: RegorusOpa) -> Iterator[str]:
    yield from serve(opa)


AGENT = AgentIdentity("helpdesk", "1.0.0", "sha256:0f3c")
MODELS = (
    ModelCandidate("openai:gpt-4o-mini", ("region:us",)),
    ModelCandidate("azure:gpt-4o", ("pii:restricted", "region:eu")),
    ModelCandidate("rules:default", ("pii:restricted",)),
)
TOOLS = (
    ToolFacts("search_kb", "read", (), {"query": "vpn"}),
    ToolFacts("create_ticket", "write", ("tickets:write",), {"summary": "VPN"}),
    ToolFacts("reset_password", "irreversible", ("accounts:reset",), {"username": "jdoe"}),
    ToolFacts("refund", "financial", ("billing:refund",), {"amount": 120, "card": "tok_1"}),
    ToolFacts("refund", "financial", ("billing:refund",), {"amount": 500.01}),
    ToolFacts("refund", "financial", ("billing:refund",), {"amount": "600"}),
    ToolFacts("payout", "financial", (), {"total": 7, "iban": "tok_2"}),
)


def cases() -> Iterator[tuple[Any, dict[str, Any]]]:
    """Inputs across every point and outcome of the shipped pack."""
    roles = [(), ("employee",), ("helpdesk",), ("billing",), ("admin",), ("billing", "employee")]
    injections = [
        InjectionFacts(0.0),
        InjectionFacts(0.55, ("role_play",)),
        InjectionFacts(0.9, ("instruction_override", "obfuscation")),
    ]
    pii = [
        RequestFacts("hello"),
        RequestFacts("card [CARD]", ("restricted",), ("card",)),
        RequestFacts("mail [EMAIL]", ("confidential",), ("email",)),
    ]
    for r, inj, req in itertools.product(roles, injections, pii):
        common = {
            "principal": Principal("u-1", r, "acme"),
            "agent": AGENT,
            "request": req,
            "injection": inj,
        }
        yield "input", policy_input("input", **common)
        for models in (MODELS, MODELS[:1], ()):
            yield "route", policy_input("route", models=models, **common)
        for tool in TOOLS:
            yield "tool", policy_input("tool", tool=tool, **common)
        for classes in ((), ("confidential",), ("restricted",)):
            yield "output", policy_input("output", output=OutputFacts("answer", classes), **common)
    yield (
        "input",
        {"input_version": "keel.policy.input/v0", "injection": {"score": 0, "categories": []}},
    )
    yield "tool", {"input_version": "keel.policy.input/v1", "tool": {"name": "x"}}


async def test_remote_decisions_equal_embedded_ones(pack: PolicyBundle, url: str) -> None:
    embedded = EmbeddedPolicyEngine(pack, memo_size=0)
    seen = set()
    async with OpaPolicyEngine(url, policy_hash=pack.hash) as remote:
        assert isinstance(remote, PolicyEngine)
        n = 0
        for point, document in cases():
            local = await embedded.evaluate(point, document)
            far = await remote.evaluate(point, document)
            assert far == local, (point, document)
            seen.add((point, local.result))
            n += 1
    assert n > 300
    # the comparison covered every outcome the pack has at every point
    assert {("input", "allow"), ("input", "escalate"), ("input", "deny")} <= seen
    assert {("route", "allow"), ("route", "deny")} <= seen
    assert {("tool", r) for r in ("allow", "deny", "require_approval", "escalate")} <= seen
    assert {("output", "allow"), ("output", "deny")} <= seen


async def test_it_posts_to_the_data_api_with_strict_builtin_errors(
    opa: RegorusOpa, url: str
) -> None:
    async with OpaPolicyEngine(url) as remote:
        for point in DECISION_POINTS:
            await remote.evaluate(point, {"input_version": "keel.policy.input/v1"})
        assert remote.policy_hash == f"opa:{url}"
    assert [r["path"] for r in opa.requests] == [
        f"/v1/data/keel/on_{p}/decision" for p in DECISION_POINTS
    ]
    assert {r["query"] for r in opa.requests} == {"strict-builtin-errors=true"}


async def deny_reason(url: str, *, timeout_s: float = 2.0, point: Any = "tool") -> str:
    async with OpaPolicyEngine(url, timeout_s=timeout_s, policy_hash="sha256:1") as remote:
        decision = await remote.evaluate(point, {"input_version": "keel.policy.input/v1"})
    assert (decision.result, decision.policy_hash) == ("deny", "sha256:1")
    return decision.reasons[0]


async def test_server_down_denies() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reason = await deny_reason(f"http://127.0.0.1:{port}")
    assert reason.startswith(f"OPA at http://127.0.0.1:{port} is unreachable: ConnectError")


async def test_timeout_denies(opa: RegorusOpa, url: str) -> None:
    opa.mode = "slow"
    assert await deny_reason(url, timeout_s=0.05) == f"OPA at {url} did not answer within 0.05 s"


async def test_server_error_denies(opa: RegorusOpa, url: str) -> None:
    opa.mode = "error"
    assert await deny_reason(url) == (
        f"OPA at {url} answered HTTP 500 for data.keel.on_tool.decision: "
        "internal_error: eval_conflict_error"
    )


async def test_body_that_is_not_json_denies(opa: RegorusOpa, url: str) -> None:
    opa.mode = "garbage"
    assert await deny_reason(url) == f"OPA at {url} answered with a body that is not JSON"


async def test_undefined_and_malformed_decisions_deny(tmp_path: Any) -> None:
    (tmp_path / "p.rego").write_text(
        'package keel.on_tool\n\nimport rego.v1\n\ndecision := {"result": "yes"}\n'
    )
    for address in serve(RegorusOpa(PolicyBundle.load(tmp_path))):
        assert (
            await deny_reason(address, point="input")
            == "policy decision data.keel.on_input.decision is undefined"
        )
        assert await deny_reason(address) == (
            "malformed policy decision at data.keel.on_tool.decision: "
            "result 'yes' is not one of allow, deny, require_approval, escalate"
        )


async def test_input_that_is_not_json_denies_before_sending(opa: RegorusOpa, url: str) -> None:
    async with OpaPolicyEngine(url) as remote:
        decision = await remote.evaluate("tool", {"x": {1, 2}})
    assert decision.reasons[0].startswith("policy input is not a JSON document")
    assert opa.requests == []
