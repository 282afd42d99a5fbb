"""``StreamGuard``: output governance for an answer that leaves Keel while it is written.

An agent whose spec says ``output.stream: tokens`` sends its answer to listeners as
the model writes it. Each text delta goes through one guard per model turn before
anything leaves, and the guard releases only text that is proven safe:

* **vault tokens** the model quotes are restored first, as ``Governor.release`` does;
  a token cut in half by a delta boundary is held until it closes;
* **PII hold-back**: the last :data:`HOLD_BACK_CHARS` characters are never released
  while the answer goes on, nor any part of a run of non-space characters that
  reaches into them (an e-mail address, a key, a JWT arrive whole), nor a PEM block
  that has begun and not ended, nor a PII value the scanner finds across the cut.
  Released text is masked for the ``output`` destination with findings from a scan
  that includes :data:`CONTEXT_CHARS` of already released text, so an assignment's
  name (``password=``), an ``SSN:`` label or a ``Bearer`` before a value still counts;
* **content rules** (stage ``output``) and the **canary** are checked on the pending
  text and the context before each release: a block or escalate match, or a leaked
  canary, stops the stream at once, and nothing more is released. So does restricted
  PII that the ``output`` operators would leave unmasked, which Keel's policy pack
  denies. The run's final governance (``Governor.release`` on the whole answer) then
  decides, and (with the shipped policies) denies.

``policy(output)`` and the output schema see only the whole answer, as in ``final``
mode: they run once the model has finished, after most of the text has left. That
is why ``tokens`` mode is opt-in: text already sent cannot be recalled; a denial
ends the stream with a retraction (``keel.loop.stream``).

The guard is synchronous and holds one turn's text; it is not shared between runs.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Final

from keel.governance.governor import Governor
from keel.governance.pii import BUILTIN_TYPES, Finding
from keel.governance.pii._vault import TOKEN_CLOSE, TOKEN_OPEN

HOLD_BACK_CHARS: Final = 64
"""Characters at the end of an unfinished answer that are never released. Longer than
any PII value written with spaces (an IBAN in groups of four is at most 42 characters,
a card number 23, an IPv6 address 39); values without spaces are held whole."""

CONTEXT_CHARS: Final = 96
"""Characters of released text scanned again as context for the next release."""

MIN_RELEASE_CHARS: Final = 32
"""The least an unfinished answer releases at a time: each release costs a scan of the
window, so deltas are released in pieces of a few words, not token by token."""

# A vault token: TOKEN_OPEN + type (at most 32) + ":tok_" + 16 hex + TOKEN_CLOSE.
_MAX_TOKEN_CHARS: Final = 1 + 32 + 5 + 16 + 1
_PEM_BEGIN: Final = "-----BEGIN "
_PEM_END: Final = re.compile(r"-----END [A-Z0-9 ]*-----")
_SPACES: Final = (" ", "\n", "\t", "\r")


class StreamGuard:
    """Releases one model turn's streamed text as it becomes safe (see the module doc).

    ``governor`` ``None`` (an agent without governance) releases every delta at once.
    ``feed`` returns the text that may leave now, often ``""``; ``finish`` returns the
    rest, and must only be called once the whole answer has passed output governance.
    Nothing here raises for what the text contains: a guard that stops says why in
    :attr:`stopped` and releases nothing more.
    """

    __slots__ = (
        "_checked",
        "_gov",
        "_hold",
        "_out",
        "_pending",
        "_plain",
        "_types",
        "released",
        "stopped",
    )

    def __init__(self, governor: Governor | None, *, hold_back: int = HOLD_BACK_CHARS) -> None:
        self._gov = governor
        self._hold = hold_back
        self._pending = ""  # model text not yet in _plain: a vault token still open
        # The turn's text, vault tokens restored, from a little before what was released
        # last (older text is dropped); _out and _checked are offsets into it.
        self._plain = ""
        self._out = 0  # where the unreleased text starts
        self._checked = 0  # where the text not yet seen by content rules and canary starts
        self._types: frozenset[str] = frozenset()
        if governor is not None:
            self._types = frozenset(BUILTIN_TYPES) | frozenset(governor.pii.policy.classes)
        self.released = ""  # everything released so far, masked, joined
        self.stopped: str | None = None

    def feed(self, delta: str) -> str:
        """Take the next delta; return the text that may be released now."""
        self._absorb(delta, final=False)
        if self.stopped is not None or (
            self._gov is not None and len(self._plain) - self._hold - self._out < MIN_RELEASE_CHARS
        ):
            return ""  # nothing could be released yet: the usual delta costs no scan
        return self._release(final=False)

    def finish(self) -> str:
        """The held rest, masked: the whole answer is known and was approved."""
        self._absorb("", final=True)
        return self._release(final=True)

    # -- internals ---------------------------------------------------------------------

    def _absorb(self, delta: str, *, final: bool) -> None:
        text = self._pending + delta
        gov = self._gov
        if gov is None:
            self._plain += text
            self._pending = ""
            return
        head, self._pending = text, ""
        if not final:
            opened = text.rfind(TOKEN_OPEN)
            if (
                opened != -1
                and text.find(TOKEN_CLOSE, opened) == -1
                and len(text) - opened < _MAX_TOKEN_CHARS
            ):
                head, self._pending = text[:opened], text[opened:]
        if TOKEN_OPEN in head:
            head = gov.pii.detokenize(head, self._types)
        self._plain += head

    def _release(self, *, final: bool) -> str:
        plain, out, gov = self._plain, self._out, self._gov
        end = len(plain)
        if gov is None:
            piece = plain[out:end]
            self._plain, self._out = "", 0
            self.released += piece
            return piece
        cut = end if final else self._safe_cut(plain, out, end - self._hold)
        if cut <= out or (not final and cut - out < MIN_RELEASE_CHARS):
            return ""
        if not final:
            # A match of up to hold_back characters is whole in this window before any
            # of it can be released.
            seen = plain[max(0, self._checked - self._hold) :]
            self._checked = end
            if not self._allowed(gov, seen):
                return ""
        base = _context_start(plain, out)
        window = plain[base:]
        kept: list[Finding] = []
        for f in gov.pii.scan(window):
            start, stop = f.start + base, f.end + base
            if stop <= out:
                continue
            if start < cut < stop and not final:
                cut = start  # a value the cut would split stays held whole
                break
            if start >= cut:
                break
            if not final and self._restricted_kept(gov, f.type):
                # The shipped output policy denies this; the final check decides.
                self.stopped = f"unmasked {f.type} in the answer"
                cut = max(start, out)
                break
            if start < out:
                # Its beginning left in an earlier release (only a value longer than the
                # hold-back window can do that): mask what is left of it.
                start = out
            kept.append(dataclasses.replace(f, start=start - out, end=stop - out))
        if cut <= out:
            return ""
        kept = [f for f in kept if f.end <= cut - out]
        piece = gov.pii.mask_findings(plain[out:cut], kept, "output")
        self._out = cut
        self.released += piece
        self._trim()
        return piece

    def _trim(self) -> None:
        """Drop released text that no later scan reads (``_context_start`` looks back
        at most twice the context), so a long answer is not copied on every delta."""
        drop = self._out - 4 * CONTEXT_CHARS
        if drop > 0:
            self._plain = self._plain[drop:]
            self._out -= drop
            self._checked = max(0, self._checked - drop)

    def _safe_cut(self, plain: str, out: int, cut: int) -> int:
        """``cut`` moved back so that it splits no run of non-space characters and no
        PEM block that has begun and not ended."""
        if cut <= out:
            return out
        if not plain[cut].isspace() and not plain[cut - 1].isspace():
            cut = max(plain.rfind(s, out, cut) for s in _SPACES) + 1
            cut = max(cut, out)
        begun = plain.rfind(_PEM_BEGIN, out)
        if begun != -1 and begun < cut and _PEM_END.search(plain, begun) is None:
            cut = begun
        return cut

    def _restricted_kept(self, gov: Governor, pii_type: str) -> bool:
        policy = gov.pii.policy
        return (
            policy.class_of(pii_type) == "restricted"
            and policy.operator_for(pii_type, "output") == "keep"
        )

    def _allowed(self, gov: Governor, window: str) -> bool:
        verdict = gov.content.check(window, stage="output")
        if verdict.outcome in ("block", "escalate"):
            self.stopped = f"content rules: {', '.join(verdict.categories)}"
            return False
        if gov.canary is not None and gov.canary.leaked(window):
            self.stopped = "canary"
            return False
        return True


def _context_start(plain: str, out: int) -> int:
    """Where the scan before a release starts: up to :data:`CONTEXT_CHARS` before
    ``out``, at the start of a run of non-space characters."""
    base = max(0, out - CONTEXT_CHARS)
    if base == 0:
        return 0
    # Never further back than twice the context: a huge run has no useful start.
    floor = max(0, out - 2 * CONTEXT_CHARS)
    space = max(plain.rfind(s, floor, base) for s in _SPACES)
    return floor if space == -1 else space + 1
