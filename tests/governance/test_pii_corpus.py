"""The benchmark's labelled corpus, small: it is deterministic, its labels are right, and
the detectors keep precision and recall >= 0.95 on it per structured type."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from types import ModuleType

import pytest

from keel.governance.pii import PiiGuard, card_brand, iban_valid, luhn_valid, ssn_valid
from pii_corpus_loader import pii_corpus


@pytest.fixture(scope="module")
def corpus() -> Iterator[ModuleType]:
    with pii_corpus() as module:
        yield module


def test_same_seed_same_corpus(corpus: ModuleType) -> None:
    a = corpus.generate(50, seed=3)
    b = corpus.generate(50, seed=3)
    assert [(m.text, m.labels) for m in a] == [(m.text, m.labels) for m in b]
    assert [m.text for m in corpus.generate(50, seed=4)] != [m.text for m in a]


def test_labels_point_at_valid_values(corpus: ModuleType) -> None:
    for message in corpus.generate(300, seed=11):
        for start, end, pii_type in message.labels:
            value = message.text[start:end]
            compact = value.replace(" ", "").replace("-", "")
            if pii_type == "card":
                assert luhn_valid(compact)
                assert card_brand(compact) is not None
            elif pii_type == "iban":
                assert iban_valid(compact)
            elif pii_type == "ssn":
                assert ssn_valid(compact)
            elif pii_type == "email":
                assert "@" in value


@pytest.mark.parametrize("rates", [{}, {"pii_rate": 0.05, "negative_rate": 0.10}])
def test_precision_and_recall_per_type(corpus: ModuleType, rates: dict[str, float]) -> None:
    guard = PiiGuard(hash_key=b"corpus-test-key-0123456789abcdef")
    counts: dict[str, Counter[str]] = {}
    for message in corpus.generate(600, seed=21, **rates):
        gold = set(message.labels)
        predicted = {(f.start, f.end, f.type) for f in guard.scan(message.text)}
        for label in gold | predicted:
            outcome = "fp" if label not in gold else "tp" if label in predicted else "fn"
            counts.setdefault(label[2], Counter())[outcome] += 1
    for pii_type in ("email", "phone", "card", "iban", "ssn", "ip", "secret"):
        c = counts[pii_type]
        assert c["tp"] / (c["tp"] + c["fp"]) >= 0.95, (pii_type, c)
        assert c["tp"] / (c["tp"] + c["fn"]) >= 0.95, (pii_type, c)
