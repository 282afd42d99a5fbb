"""Markup that carries an attack: exfiltration URLs and text hidden from a human reader.

* **Exfiltration URLs**: images and links whose URL sends data out (see ``_links``).
* **Hidden text.** HTML comments, markdown comments (``[//]: # (...)``,
  ``[comment]: <> (...)``) and elements styled invisible (``display:none``,
  ``font-size:0``, white-on-white) are read by the model and not by the person who
  checked the page. An instruction inside them — text addressed to an AI, or an
  imperative a model would act on — is evidence; a comment that merely contains a
  word like "summary" or "reply" is an author's note. The regions are also returned
  so that any other signal inside them can be marked as hidden.

All regular expressions run on the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keel.governance.injection._links import url_signals
from keel.governance.injection._verdict import Category, Signal, Source

_COMMENT = re.compile(r"<!--(.{0,4000}?)-->", re.DOTALL)
# "[//]: # (text)", "[comment]: <> (text)", "[_]: # "text"": link reference definitions
# that no renderer shows, the markdown idiom for a comment. Also found inline, where an
# attacker glued one to the end of a sentence.
_MD_COMMENT = re.compile(
    r"(?:^|(?<=\s))\[(?://|comment|_|#|\s?)\]:[ \t]*(?:#|<>|<#>)[ \t]*"
    r"(?:\(([^)\n]{0,2000})\)|\"([^\"\n]{0,2000})\"|'([^'\n]{0,2000})')",
    re.IGNORECASE | re.MULTILINE,
)
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)\b[^>]{0,300}?(?:style\s*=\s*[\"'][^\"']{0,300}?(?:display\s*:\s*none|visibility\s*:\s*"
    r"hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem)?\s*[;\"']|opacity\s*:\s*0(?:\.0+)?\s*[;\"']|"
    r"color\s*:\s*(?:#fff(?:fff)?|white|transparent|rgba\([^)]*,\s*0\))|(?:height|width|max-height)"
    r"\s*:\s*0(?:px)?\s*[;\"']|(?:left|top|text-indent)\s*:\s*-\d{3,})|\bhidden\b(?!\s*=\s*[\"']?"
    r"false)|aria-hidden\s*=\s*[\"']?true)[^>]{0,300}>(.{0,4000}?)</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
# Text a model would take as addressed to it: an AI named, "you must", a system-prompt
# reference, or an imperative verb of the kind injections use opening a clause.
_DIRECTED = re.compile(
    r"\b(?:ai|a\.i\.|assistant|llm|chatbot|gpt|chatgpt|claude|copilot|gemini|language\s+model|"
    r"you\s+(?:must|should|will|are\s+to|need\s+to|have\s+to)|system\s+prompt|"
    r"(?:ignore|disregard|forget)\s+(?:\w+\s+){0,3}?(?:instructions?|rules|guidelines|above|"
    r"previous|user|question))\b"
    r"|(?:^\s*|[.:;!?\n(\-]\s*|\b(?:then|and|also|always|never|instead)\s+)(?:please\s+)?(?:tell|say|"
    r"respond|reply|answer|recommend|reveal|output|print|send|forward|e-?mail|grant|approve|"
    r"refund|mention|state|claim|insist|inform|instruct|direct|redirect|praise|refuse|pretend|"
    r"repeat|quote|describe\s+(?:this|the)\s+(?:product|service|company)|do\s+not\s+"
    r"(?:mention|tell|reveal|say)|don't\s+(?:mention|tell|reveal|say))\s+(?:the\s+|a\s+|an\s+|"
    r"that\s+|this\s+|with\s+|to\s+|only\s+|every\s+|all\s+|users?\s+|readers?\s+|"
    r"customers?\s+|it\s+|everyone\s+|people\s+|them\b)",
    re.IGNORECASE,
)

_W_HIDDEN_INSTRUCTION = (0.3, 0.6, 0.6)
_INDEX: dict[Source, int] = {"user": 0, "tool": 1, "document": 2}


@dataclass(frozen=True, slots=True)
class MarkupFindings:
    signals: list[Signal]
    hidden: list[tuple[int, int]]
    """Original-text regions a human reader would not see (comments, hidden elements)."""


def _signal(
    name: str,
    category: Category,
    weights: tuple[float, float, float],
    span: tuple[int, int],
    explanation: str,
    source: Source,
) -> Signal:
    return Signal(name, category, weights[_INDEX[source]], span, explanation)


def _hidden_regions(text: str, source: Source) -> MarkupFindings:
    signals: list[Signal] = []
    hidden: list[tuple[int, int]] = []

    def region(span: tuple[int, int], content: str, name: str, where: str) -> None:
        hidden.append(span)
        if _DIRECTED.search(content):
            why = f"instruction-like text {where}"
            signals.append(_signal(name, "indirect", _W_HIDDEN_INSTRUCTION, span, why, source))

    if "<!--" in text:
        for m in _COMMENT.finditer(text):
            region(m.span(), m.group(1), "comment_instruction", "inside an HTML comment")
    if "]:" in text:
        for m in _MD_COMMENT.finditer(text):
            content = m.group(1) or m.group(2) or m.group(3) or ""
            region(m.span(), content, "comment_instruction", "inside a markdown comment")
    lowered = text.lower()
    if "style" in lowered or "hidden" in lowered:
        for m in _HIDDEN_ELEMENT.finditer(text):
            region(m.span(), m.group(2), "hidden_element", "in an element hidden from view")
    return MarkupFindings(signals, hidden)


def _may_carry_urls(text: str) -> bool:
    """Whether ``url_signals`` may find something: markdown images and links need "](",
    reference definitions "]:", HTML images a "<" ("<img" once lower-cased, or a letter
    that folds to one of its letters when case is ignored, as a dotless "ı" does); a
    bare URL is judged only when it has a query ("?") and a placeholder character. A
    JSON tool result with a plain URL (its braces count as a placeholder character)
    meets none of them."""
    return (
        "](" in text
        or "]:" in text
        or "<img" in text.lower()
        or (
            "://" in text
            and ("?" in text or "<" in text)
            and ("{" in text or "%7" in text or "$" in text or "[" in text or "<" in text)
        )
    )


def _may_hide(text: str) -> bool:
    return "<" in text or "]:" in text


def may_hold_markup(text: str) -> bool:
    """``False`` when ``scan_markup(text, ...)`` certainly finds nothing (no link or image
    syntax, no tag, no reference definition, no URL with a placeholder character)."""
    return _may_carry_urls(text) or _may_hide(text)


def scan_markup(text: str, source: Source) -> MarkupFindings:
    """Exfiltration URLs and hidden regions in ``text``."""
    signals: list[Signal] = []
    if _may_carry_urls(text):
        signals += url_signals(text, source)
    if _may_hide(text):
        found = _hidden_regions(text, source)
        return MarkupFindings(signals + found.signals, found.hidden)
    return MarkupFindings(signals, [])
