"""Within a run's masking scope a text is scanned for PII once, and masks exactly as if
it had been scanned again; outside one, every mask scans."""

from __future__ import annotations

import asyncio

from keel import Agent, LocalEngine, ModelRequest, ScriptedModel, Store, ToolCall, tool
from keel.governance.content import ContentRules
from keel.governance.governor import Governor, masking_scope
from keel.governance.injection import InjectionPolicy
from keel.governance.pii import (
    Destination,
    Finding,
    PiiGuard,
    PiiPolicy,
    default_registry,
    vault_scope,
)
from keel.governance.pii._scanner import PiiScanner
from keel.governance.policy import EmbeddedPolicyEngine, ModelCandidate, Principal

KEY = b"masking-test-key-0123456789"
CLEAN = "route ticket T-1 to the network queue"
PII = "refund card 4111 1111 1111 1111 for jane.doe@example.com"


class CountingScanner(PiiScanner):
    """The built-in detectors, counting what they are given."""

    def __init__(self) -> None:
        super().__init__(default_registry().scanner().detectors)
        self.texts: list[str] = []

    def scan(self, text: str) -> list[Finding]:
        self.texts.append(text)
        return super().scan(text)


def governor(policy: PiiPolicy | None = None) -> tuple[Governor, CountingScanner]:
    scanner = CountingScanner()
    gov = Governor(
        policy=EmbeddedPolicyEngine(),
        pii=PiiGuard(policy or PiiPolicy(), scanner=scanner, hash_key=KEY),
        injection=InjectionPolicy(),
        content=ContentRules.default(),
        models=[ModelCandidate("scripted:default")],
    )
    return gov, scanner


def fresh(text: str, destination: Destination, policy: PiiPolicy | None = None) -> str:
    """``text`` masked by a guard that has seen nothing (same key)."""
    return PiiGuard(policy or PiiPolicy(), hash_key=KEY).mask(text, destination).text


async def test_a_text_masked_for_the_journal_is_not_scanned_again_for_the_model() -> None:
    gov, scanner = governor()
    async with vault_scope("acme"), masking_scope():
        journal = gov.mask(PII, "journal")
        model = gov.mask(PII, "model")
        stored = gov.mask_json(PII, "journal")

    assert scanner.texts == [PII]
    assert model == journal == stored
    assert "4111" not in model
    assert "jane.doe" not in model
    assert "⟦card:tok_" in model


async def test_other_destinations_scan_again_unless_nothing_was_found() -> None:
    gov, scanner = governor()
    async with vault_scope(None), masking_scope():
        gov.mask(PII, "journal")
        shown = gov.mask(PII, "output")
        gov.mask(CLEAN, "model")
        logged = gov.mask(CLEAN, "log")
        gov.mask(CLEAN, "journal")

    assert scanner.texts == [PII, PII, CLEAN]
    assert shown == fresh(PII, "output")
    assert "4111" not in shown
    assert logged == CLEAN


async def test_a_policy_that_masks_the_journal_differently_scans_for_each() -> None:
    policy = PiiPolicy(operators={"journal": {"restricted": "redact", "confidential": "redact"}})
    gov, scanner = governor(policy)
    async with vault_scope(None), masking_scope():
        journal = gov.mask(PII, "journal")
        model = gov.mask(PII, "model")

    assert scanner.texts == [PII, PII]
    assert journal == fresh(PII, "journal", policy)
    assert "[CARD]" in journal
    assert "⟦card:tok_" in model


async def test_nothing_is_remembered_outside_a_scope_or_between_scopes() -> None:
    gov, scanner = governor()
    gov.mask(CLEAN, "journal")
    gov.mask(CLEAN, "model")
    for _ in range(2):
        async with masking_scope():
            gov.mask(CLEAN, "journal")
            gov.mask(CLEAN, "model")

    assert scanner.texts == [CLEAN] * 4


async def test_two_governors_in_one_scope_do_not_share_scans() -> None:
    first, first_scanner = governor()
    second, second_scanner = governor()
    async with masking_scope():
        first.mask(CLEAN, "journal")
        second.mask(CLEAN, "model")

    assert first_scanner.texts == second_scanner.texts == [CLEAN]


async def test_concurrent_runs_keep_their_own_scans() -> None:
    gov, scanner = governor()

    async def run(text: str) -> None:
        async with masking_scope():
            gov.mask(text, "journal")
            await asyncio.sleep(0)
            gov.mask(text, "model")

    await asyncio.gather(run("first run's text"), run("second run's text"))

    assert sorted(scanner.texts) == ["first run's text", "second run's text"]


@tool(risk="read", idempotent=True, blocking=False)
def lookup(ticket_id: str) -> dict[str, str]:
    """Look up a ticket."""
    return {"id": ticket_id, "queue": "network"}


def script(request: ModelRequest) -> str | ToolCall:
    if request.messages[-1].role == "tool":
        return "done: ticket routed"
    return ToolCall("c1", "lookup", {"ticket_id": "T-1"})


async def test_a_governed_durable_run_scans_each_of_its_texts_once(store: Store) -> None:
    gov, scanner = governor()
    agent = Agent.define("desk", model=ScriptedModel(script), tools=[lookup], governor=gov)
    engine = LocalEngine(store)

    rec = await engine.run(agent, CLEAN, principal=Principal("u", ("employee",)))

    assert rec.status == "completed"
    result = '{"id":"T-1","queue":"network"}'
    # The request (journal, then model), the tool's arguments, its result (journal,
    # then model) and the answer (output, then journal): each scanned once.
    assert sorted(scanner.texts) == sorted([CLEAN, "T-1", result, "done: ticket routed"])
    await engine.close()
