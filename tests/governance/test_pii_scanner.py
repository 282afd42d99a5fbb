"""Running detectors together: overlap resolution, the registry and plug-ins."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

from keel.errors import KeelError, UserError
from keel.governance.pii import (
    Detector,
    DetectorRegistry,
    Finding,
    PiiScanner,
    default_registry,
    resolve_overlaps,
)


def f(start: int, end: int, pii_type: str, score: float = 1.0) -> Finding:
    return Finding(start, end, pii_type, "x" * (end - start), score)


def test_no_overlap_keeps_everything_in_order() -> None:
    found = [f(10, 12, "ip"), f(0, 5, "email"), f(5, 9, "phone")]
    assert resolve_overlaps(found) == [found[1], found[2], found[0]]


def test_longer_span_wins() -> None:
    iban, card_inside = f(0, 27, "iban"), f(5, 24, "card")
    assert resolve_overlaps([card_inside, iban]) == [iban]


def test_equal_length_goes_to_higher_priority() -> None:
    card, phone = f(0, 16, "card"), f(0, 16, "phone")
    assert resolve_overlaps([phone, card]) == [card]
    assert resolve_overlaps([f(0, 16, "person"), phone]) == [phone]  # plug-in types rank last


def test_then_higher_score_then_earlier_start() -> None:
    assert resolve_overlaps([f(0, 5, "secret", 0.7), f(0, 5, "secret", 0.9)])[0].score == 0.9
    assert resolve_overlaps([f(3, 8, "secret"), f(0, 5, "secret")]) == [f(0, 5, "secret")]


def test_overlap_resolution_does_not_depend_on_order() -> None:
    found = [
        f(0, 10, "phone"),
        f(5, 20, "card"),
        f(18, 30, "email"),
        f(25, 27, "ip"),
        f(0, 4, "ssn"),
    ]
    results = {tuple(resolve_overlaps(list(p))) for p in itertools.permutations(found)}
    assert len(results) == 1


def test_duplicates_collapse() -> None:
    assert resolve_overlaps([f(0, 4, "ip"), f(0, 4, "ip")]) == [f(0, 4, "ip")]


def test_default_scan_settles_cross_detector_overlaps() -> None:
    scanner = default_registry().scanner()
    text = "IBAN DE89 3704 0044 0532 0130 00 and card 4111 1111 1111 1111 and ::ffff:192.0.2.1"
    assert [(x.type, x.text) for x in scanner.scan(text)] == [
        ("iban", "DE89 3704 0044 0532 0130 00"),
        ("card", "4111 1111 1111 1111"),
        ("ip", "::ffff:192.0.2.1"),
    ]


def test_scan_of_empty_text() -> None:
    assert default_registry().scanner().scan("") == []


class Shouting:
    """A plug-in detector: words in capitals are 'shout'."""

    def detect(self, text: str) -> Iterable[Finding]:
        start = 0
        for word in text.split(" "):
            if len(word) > 3 and word.isupper():
                yield Finding(start, start + len(word), "shout", word)
            start += len(word) + 1


class Liar:
    def detect(self, text: str) -> Iterable[Finding]:
        return [Finding(0, 3, "liar", "not what is there")]


def test_registry_runs_a_plug_in_alongside_the_built_ins() -> None:
    registry = default_registry()
    registry.register("shout", Shouting())
    found = registry.scanner().scan("PLEASE call 020 7946 0958")
    assert [(x.type, x.text) for x in found] == [("shout", "PLEASE"), ("phone", "020 7946 0958")]


def test_registry_selects_detectors_by_name() -> None:
    scanner = default_registry().scanner(["email"])
    assert [x.type for x in scanner.scan("a@b.io 4111 1111 1111 1111")] == ["email"]


def test_registry_rejects_duplicates_unknown_names_and_non_detectors() -> None:
    registry = DetectorRegistry()
    registry.register("shout", Shouting())
    with pytest.raises(UserError, match="already registered"):
        registry.register("shout", Shouting())
    registry.register("shout", Shouting(), replace=True)
    with pytest.raises(UserError, match="no PII detector named 'nope'"):
        registry.get("nope")
    with pytest.raises(UserError, match="no detect"):
        registry.register("bad", object())  # type: ignore[arg-type]
    registry.unregister("shout")
    assert registry.names() == []
    with pytest.raises(UserError):
        registry.unregister("shout")


def test_default_registry_names() -> None:
    assert default_registry().names() == ["secret", "card", "iban", "ssn", "email", "ip", "phone"]
    assert isinstance(Shouting(), Detector)


def test_a_detector_reporting_a_wrong_span_is_an_error() -> None:
    with pytest.raises(KeelError, match="Liar reported a 'liar' span 0:3"):
        PiiScanner([Liar()]).scan("abcdef")


def test_entry_point_plug_ins_are_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real distribution on sys.path advertising a detector in ``keel.pii_detectors``."""
    (tmp_path / "keel_shout_plugin.py").write_text(
        "from keel.governance.pii import Finding\n"
        "class Shout:\n"
        "    def detect(self, text):\n"
        "        i = text.find('HELLO')\n"
        "        return [] if i < 0 else [Finding(i, i + 5, 'shout', 'HELLO')]\n"
    )
    dist = tmp_path / "keel_shout_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: keel-shout-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[keel.pii_detectors]\nshout = keel_shout_plugin:Shout\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "keel_shout_plugin", raising=False)

    registry = default_registry()
    assert registry.load_entry_points() == ["shout"]
    assert [x.type for x in registry.scanner().scan("well HELLO there")] == ["shout"]


def test_a_broken_plug_in_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "keel_broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: keel-broken-plugin\nVersion: 1.0\n"
    )
    (dist / "entry_points.txt").write_text("[keel.pii_detectors]\nbroken = no_such_module:Nope\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(UserError, match="plug-in 'broken'"):
        DetectorRegistry().load_entry_points()
