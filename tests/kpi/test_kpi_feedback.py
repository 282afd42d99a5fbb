"""Feedback on real runs: kinds, tenants, masking, validation, fine-tuning export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from keel.agent import Agent
from keel.engine import LocalEngine
from keel.errors import NotFound, UserError
from keel.governance.governor import Governor
from keel.governance.policy import ModelCandidate
from keel.kpi import FeedbackRepository, finetune_examples, record_feedback
from keel.models import ScriptedModel
from keel.store import RunRecord, Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(f"sqlite:///{tmp_path / 'k.db'}")
    yield s
    s.close()


def governed() -> Agent:
    model = ScriptedModel(lambda r: "Restart the VPN client.")
    gov = Governor.default(models=[ModelCandidate(model.name)], hash_key=b"kpi-tests-pii-key-01234")
    return Agent.define("helpdesk", model=model, governor=gov, version="1.4.0")


async def run(store: Store, text: str, *, tenant: str | None = None, **kw: object) -> RunRecord:
    engine = LocalEngine(store)
    rec = await engine.run(governed(), text, tenant=tenant, **kw)  # type: ignore[arg-type]
    await engine.close()
    return rec


async def test_feedback_is_linked_to_run_session_and_version(store: Store) -> None:
    rec = await run(store, "my vpn drops", session_id="sess-9")
    repo = FeedbackRepository(store, clock=lambda: 42.0)
    fb = repo.record(tenant=None, run_id=rec.id, kind="thumbs", value=-1, actor="u1")
    assert (fb.run_id, fb.session_id, fb.agent, fb.agent_version) == (
        rec.id,
        "sess-9",
        "helpdesk",
        "1.4.0",
    )
    assert (fb.kind, fb.value, fb.created_at, fb.actor) == ("thumbs", -1.0, 42.0, "u1")
    repo.record(tenant=None, run_id=rec.id, kind="score", value=4)
    repo.record(tenant=None, run_id=rec.id, kind="rephrase", text="vpn keeps dropping")
    repo.record(tenant=None, run_id=rec.id, kind="abandon")
    kinds = [f.kind for f in repo.list(tenant=None, run_id=rec.id)]
    assert sorted(kinds) == ["abandon", "rephrase", "score", "thumbs"]


@pytest.mark.parametrize(
    ("kind", "value", "text", "message"),
    [
        ("thumbs", 2, None, "value 1 .up. or -1"),
        ("score", 6, None, "whole number from 1 to 5"),
        ("score", 3.5, None, "whole number"),
        ("correction", None, "  ", "needs the corrected text"),
        ("abandon", None, "why", "takes no text"),
        ("rephrase", 1, "x", "takes no value"),
        ("like", None, None, "is not one of"),
    ],
)
async def test_feedback_that_does_not_fit_its_kind_is_refused(
    store: Store, kind: str, value: float | None, text: str | None, message: str
) -> None:
    rec = await run(store, "hello")
    with pytest.raises(UserError, match=message):
        record_feedback(store, tenant=None, run_id=rec.id, kind=kind, value=value, text=text)
    assert FeedbackRepository(store).list(tenant=None, all_tenants=True) == []


async def test_another_tenants_run_cannot_get_feedback(store: Store) -> None:
    theirs = await run(store, "hello", tenant="tenant-b")
    with pytest.raises(NotFound, match="no run"):
        record_feedback(store, tenant="tenant-a", run_id=theirs.id, kind="thumbs", value=1)
    with pytest.raises(NotFound):
        record_feedback(store, tenant=None, run_id=theirs.id, kind="thumbs", value=1)
    with pytest.raises(NotFound):
        record_feedback(store, tenant="tenant-b", run_id="run_missing", kind="thumbs", value=1)
    fb = record_feedback(store, tenant="tenant-b", run_id=theirs.id, kind="thumbs", value=1)
    with pytest.raises(NotFound):
        FeedbackRepository(store).get(fb.id, tenant="tenant-a")
    assert FeedbackRepository(store).list(tenant="tenant-a") == []


async def test_texts_are_stored_masked(store: Store) -> None:
    rec = await run(store, "hello")
    agent = governed()
    assert agent.governor is not None
    gov = agent.governor
    text = "Email jane.doe@example.com or call +1 415 555 0100."
    fb = record_feedback(
        store,
        tenant=None,
        run_id=rec.id,
        kind="correction",
        text=text,
        mask=lambda t: gov.mask(t, "journal"),
    )
    assert fb.text is not None
    assert "jane.doe@example.com" not in fb.text
    assert "555 0100" not in fb.text
    # With no masking given, Keel's default PII rules still apply.
    fb = record_feedback(store, tenant=None, run_id=rec.id, kind="edit", text=text)
    stored = FeedbackRepository(store).get(fb.id, tenant=None).text
    assert stored is not None
    assert "jane.doe@example.com" not in stored


async def test_only_consented_validated_corrections_are_exported(store: Store) -> None:
    repo = FeedbackRepository(store)
    runs = [await run(store, f"question {i} from jane.doe@example.com") for i in range(6)]
    # 0: consent + validated correction → exported (its latest one)
    repo.record(tenant=None, run_id=runs[0].id, kind="correction", text="old", consent=True,
                validated_by="lead")  # fmt: skip
    repo.record(tenant=None, run_id=runs[0].id, kind="correction", consent=True,
                text="Reset it, then write to ops@example.com", validated_by="lead")  # fmt: skip
    # 1: validated, no consent → not exported
    repo.record(tenant=None, run_id=runs[1].id, kind="correction", text="a", validated_by="x")
    # 2: consent, not validated → not exported until someone validates it
    pending = repo.record(tenant=None, run_id=runs[2].id, kind="correction", text="b",
                          consent=True)  # fmt: skip
    # 3: thumbs, however enthusiastic → not an example
    repo.record(tenant=None, run_id=runs[3].id, kind="thumbs", value=1, consent=True)
    # 4: an edited answer, consented and validated → exported
    repo.record(tenant=None, run_id=runs[4].id, kind="edit", text="edited", consent=True,
                validated_by="lead")  # fmt: skip
    examples = list(finetune_examples(store, system_prompt=lambda a, p: f"You are {a}."))
    assert [e["messages"][2]["content"] for e in examples][1:] == ["edited"]
    first = examples[0]["messages"]
    assert [m["role"] for m in first] == ["system", "user", "assistant"]
    assert first[0]["content"] == "You are helpdesk."
    assert "question 0" in first[1]["content"]
    dumped = json.dumps(examples)
    assert "jane.doe@example.com" not in dumped
    assert "ops@example.com" not in dumped
    assert "old" not in first[2]["content"]

    with pytest.raises(UserError, match="only corrections and edits"):
        repo.validate(repo.list(tenant=None, kinds=["thumbs"])[0].id, tenant=None, validator="x")
    repo.validate(pending.id, tenant=None, validator="reviewer")
    assert len(list(finetune_examples(store))) == 3
    # Another tenant's export sees none of them.
    assert list(finetune_examples(store, tenant="acme")) == []
