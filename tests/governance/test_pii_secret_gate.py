"""The secret detector reads assignments only in text that can hold a secret's name
(``may_name_a_secret``): the gate must never hide one."""

from __future__ import annotations

import random

import pytest

from keel.governance.pii import SecretDetector, is_secret_key
from keel.governance.pii import _secrets as secrets_module
from keel.governance.pii._runs import ascii_of
from keel.governance.pii._secrets import (
    _SECRET_NAME_PARTS,
    _SECRET_NAME_SUFFIXES,
    _SECRET_NAMES,
    may_name_a_secret,
)
from pii_corpus_loader import corpus_texts

NAMES = sorted(_SECRET_NAMES) + sorted(_SECRET_NAME_SUFFIXES)


def test_every_secret_name_holds_a_part() -> None:
    for name in NAMES:
        assert any(part in name for part in _SECRET_NAME_PARTS), name


@pytest.mark.parametrize("name", NAMES)
def test_a_secret_name_spelled_any_way_opens_the_gate(name: str) -> None:
    rng = random.Random(name)
    for _ in range(20):
        # Upper case and separators anywhere: is_secret_key still accepts it.
        spelled = "".join(
            (c.upper() if rng.random() < 0.5 else c) + rng.choice(["", "", "_", "-", "."])
            for c in name
        )
        spelled = f"x{spelled}"  # a prefix keeps suffix names suffixes
        assert is_secret_key(spelled) or name in _SECRET_NAMES, spelled
        text = f"é {spelled}=s3cr3t-Value and {spelled}: 'x9y8z7'"
        assert may_name_a_secret(ascii_of(text)), text
        found = SecretDetector().detect(text)
        if is_secret_key(spelled):
            assert any(f.detail == "assignment" for f in found), text


@pytest.mark.parametrize(
    "text",
    [
        '{"id": "T-1", "queue": "network"}',
        "done: ticket routed",
        "meeting at 14:30, room=4B",
        "ratio = 3:4; see https://example.com/a?b=c",
    ],
)
def test_text_without_a_secret_name_finds_no_assignment(text: str) -> None:
    assert not may_name_a_secret(ascii_of(text))
    assert SecretDetector().detect(text) == []


def test_the_gate_changes_no_finding_on_the_benchmark_corpus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = corpus_texts(2000, seed=11)
    detector = SecretDetector()
    gated = [detector.detect(t) for t in texts]
    # The reference: every text read for assignments, as before the gate.
    monkeypatch.setattr(secrets_module, "may_name_a_secret", lambda ascii_text: True)
    assert [detector.detect(t) for t in texts] == gated
    assert sum(f.detail == "assignment" for found in gated for f in found) >= 10
