"""Running detectors over a text: the detector registry and the scanner.

The registry is where detectors are plugged in. Keel's own detectors are registered
by :func:`default_registry` exactly the way a third party registers one, and an
optional extra (an NER model, say) can ship an entry point in the
``keel.pii_detectors`` group that :meth:`DetectorRegistry.load_entry_points` picks up:

.. code-block:: toml

    [project.entry-points."keel.pii_detectors"]
    person = "keel_ner:PersonDetector"     # a Detector class or zero-argument factory

Nothing is loaded at import time; the edge (API or CLI start-up) decides whether to
call ``load_entry_points``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from importlib.metadata import entry_points
from typing import Final

from keel.errors import KeelError, UserError
from keel.governance.pii._finding import Detector, Finding, resolve_overlaps
from keel.governance.pii._phone import DEFAULT_PHONE_REGIONS, PhoneDetector
from keel.governance.pii._runs import ascii_of, digit_count, digit_runs, iban_anchors
from keel.governance.pii._secrets import SecretDetector, may_hold_a_token, may_name_a_secret
from keel.governance.pii._structured import (
    CardDetector,
    EmailDetector,
    IbanDetector,
    IpDetector,
    SsnDetector,
    may_hold_ipv6,
)

ENTRY_POINT_GROUP: Final = "keel.pii_detectors"

DetectorFactory = Callable[[], Detector]


class DetectorRegistry:
    """Named detectors. Order of registration is the order they run in (which does not
    change results: overlaps are settled independently of order)."""

    def __init__(self) -> None:
        self._detectors: dict[str, Detector] = {}

    def register(self, name: str, detector: Detector, *, replace: bool = False) -> None:
        """Add ``detector`` under ``name``.

        Raises :class:`~keel.errors.UserError` if ``name`` is taken and ``replace`` is
        false, or if ``detector`` has no ``detect`` method.
        """
        if not isinstance(detector, Detector):
            raise UserError(f"PII detector {name!r} has no detect(text) method")
        if name in self._detectors and not replace:
            raise UserError(f"a PII detector named {name!r} is already registered")
        self._detectors[name] = detector

    def unregister(self, name: str) -> None:
        """Remove a detector; raises :class:`~keel.errors.UserError` if there is none."""
        if self._detectors.pop(name, None) is None:
            raise UserError(f"no PII detector named {name!r} is registered")

    def names(self) -> list[str]:
        return list(self._detectors)

    def get(self, name: str) -> Detector:
        try:
            return self._detectors[name]
        except KeyError:
            raise UserError(
                f"no PII detector named {name!r}; registered: {', '.join(self._detectors)}"
            ) from None

    def scanner(self, names: Iterable[str] | None = None) -> PiiScanner:
        """A scanner over the named detectors (all of them when ``names`` is ``None``)."""
        chosen = self.names() if names is None else list(names)
        return PiiScanner([self.get(n) for n in chosen])

    def load_entry_points(self, group: str = ENTRY_POINT_GROUP) -> list[str]:
        """Register every detector advertised in ``group`` by installed distributions.

        Each entry point must load a zero-argument callable (usually the detector's
        class) that returns a :class:`Detector`. Returns the names registered. Raises
        :class:`~keel.errors.UserError` naming the entry point that failed to load.
        """
        loaded: list[str] = []
        for ep in entry_points(group=group):
            try:
                factory: DetectorFactory = ep.load()
                detector = factory()
            except Exception as e:
                raise UserError(f"PII detector plug-in {ep.name!r} ({ep.value}) failed: {e}") from e
            self.register(ep.name, detector)
            loaded.append(ep.name)
        return loaded


def default_registry(
    *, phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS, entropy: bool = True
) -> DetectorRegistry:
    """A registry holding Keel's built-in detectors.

    ``phone_regions`` are the ISO 3166 regions whose national phone formats are
    recognised; ``entropy`` switches the high-entropy secret rule on or off.
    """
    registry = DetectorRegistry()
    registry.register("secret", SecretDetector(entropy=entropy))
    registry.register("card", CardDetector())
    registry.register("iban", IbanDetector())
    registry.register("ssn", SsnDetector())
    registry.register("email", EmailDetector())
    registry.register("ip", IpDetector())
    registry.register("phone", PhoneDetector(phone_regions))
    return registry


class PiiScanner:
    """Runs detectors over a text and returns non-overlapping findings in text order.

    When every detector is one of Keel's own (of exactly its class), a text that holds
    none of what they all start from — see ``_may_hold_builtin_pii`` — is not given to
    them: they would find nothing in it. A plug-in detector turns that off.
    """

    def __init__(self, detectors: Sequence[Detector]) -> None:
        self.detectors = tuple(detectors)
        # The detectors the gate was checked for (None: not all Keel's): a scanner given
        # other detectors later scans every text.
        self._gated_for: tuple[Detector, ...] | None = (
            self.detectors if all(type(d) in _BUILTIN_DETECTORS for d in self.detectors) else None
        )

    def scan(self, text: str) -> list[Finding]:
        """Every finding in ``text`` after overlap resolution (see ``resolve_overlaps``).

        Raises :class:`~keel.errors.KeelError` (``INTERNAL``) if a detector reports a
        span whose text does not match the source, which would make masking splice the
        wrong place; a detector's own exceptions propagate. Either way the caller fails
        closed: nothing is masked, so nothing is sent.
        """
        if not text or (self._gated_for is self.detectors and not _may_hold_builtin_pii(text)):
            return []
        found: list[Finding] = []
        for detector in self.detectors:
            for f in detector.detect(text):
                if f.start >= f.end or text[f.start : f.end] != f.text:
                    raise KeelError(
                        f"PII detector {type(detector).__name__} reported a {f.type!r} span "
                        f"{f.start}:{f.end} whose text does not match the scanned text"
                    )
                found.append(f)
        return found if len(found) < 2 else resolve_overlaps(found)


_BUILTIN_DETECTORS: Final = frozenset(
    {
        SecretDetector,
        CardDetector,
        IbanDetector,
        SsnDetector,
        EmailDetector,
        IpDetector,
        PhoneDetector,
    }
)


# Longer texts are scanned without asking: they nearly always hold two digits or a
# colon, and the questions read the whole text.
_GATED_LENGTH: Final = 256


def _may_hold_builtin_pii(text: str) -> bool:
    """Whether any built-in detector can find something in ``text`` (``True`` for a text
    over ``_GATED_LENGTH``): each needs one of these, whatever its settings (see the
    detectors' own gates).

    * an ``@`` (email);
    * a run of four or more ASCII digits (``digit_runs``: cards, SSNs, phone numbers and
      IPv4 addresses live in them) or an IBAN's country code and check digits
      (``iban_anchors``), each of which holds two digits;
    * "::" or ":h:" with one to four hex digits, where an IPv6 address is looked for
      (``may_hold_ipv6``), which takes two colons;
    * ``=`` or ``:`` after a name that can be a secret's (assignments);
    * a run of twenty token characters (API keys, tokens, high-entropy strings), or the
      literal a multi-part secret format starts from (PEM block, JWT, Slack webhook,
      ``Bearer`` / ``Basic`` credentials).
    """
    if "@" in text or len(text) > _GATED_LENGTH:
        return True
    ascii_text = ascii_of(text)
    # The digit count first: most short texts have fewer than two digits. The runs and
    # anchors it leads to are the ones the detectors read next (shared, see ``_runs``).
    if digit_count(text) >= 2 and (digit_runs(text) or iban_anchors(text)):
        return True
    colons = text.count(":")
    if colons >= 2 and may_hold_ipv6(text):
        return True
    if (colons or "=" in text) and may_name_a_secret(ascii_text):
        return True
    return may_hold_a_token(text, ascii_text)
