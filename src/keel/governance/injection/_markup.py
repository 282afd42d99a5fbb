"""Markup that carries an attack: exfiltration URLs and text hidden from a human reader.

* **Markdown exfiltration.** A model that renders ``![x](https://host/?q={data})`` with
  the conversation substituted into ``{data}`` has sent it to ``host`` the moment the
  client loads the image — no click needed. Links leak the same way on a click. The
  tell-tale is a URL whose query (or path) holds a *template*: ``{...}``, ``${...}``,
  ``[DATA]``, ``<secret>``, ``INSERT_...``. An image whose query carries a long opaque
  value is weaker evidence (tracking pixels look like that too).
* **Hidden text.** HTML comments and elements styled invisible (``display:none``,
  ``font-size:0``, white-on-white) are read by the model and not by the person who
  checked the page. Instruction-like words inside them are evidence; the regions are
  also returned so that any other signal inside them can be marked as hidden.

All regular expressions run on the original text (URLs keep their case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from keel.governance.injection._verdict import Category, Signal, Source

# The URL runs to the closing parenthesis, "<...>" placeholders included.
_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,300}\]\(\s*([^)\s]{1,2000})(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"(?<!!)\[[^\]\n]{0,300}\]\(\s*([^)\s]{1,2000})(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img\b[^>]{0,500}?\bsrc\s*=\s*[\"']?([^\"'\s>]{1,2000})", re.IGNORECASE)
_BARE_URL = re.compile(r"https?://(?:[^\s)\"'<>]|<[A-Za-z_ ]{1,40}>){1,2000}", re.IGNORECASE)
_PLACEHOLDER = re.compile(
    r"\{[^}\s]{0,60}\}|%7[bB]|\$\{|\$[A-Z_]{3,}|\[[A-Za-z_ ]{2,40}\]|%5[bB][A-Za-z_]{2,40}%5[dD]"
    r"|<[A-Za-z_ ]{2,40}>|%3[cC][A-Za-z_]{2,40}%3[eE]"
    r"|(?:INSERT|YOUR|USER|THE)[_-]?(?:DATA|INFO|SECRET|PASSWORD|EMAIL|NAME|ANSWER|MESSAGE|"
    r"CONVERSATION|HISTORY|SUMMARY|TOKEN|KEY|QUERY|CHAT)",
    re.IGNORECASE,
)
# Upper-case placeholders are case-sensitive: "?c=SUMMARY_OF_CHAT", "?m=DATA".
_SHOUTED_PLACEHOLDER = re.compile(
    r"=(?:[A-Z]{2,}(?:_[A-Z]{2,})+|DATA|SECRET|PASSWORD|EMAIL|TOKEN|SUMMARY|HISTORY|CHAT|"
    r"CONVERSATION|MESSAGE|QUERY|INFO|CONTEXT|ANSWER)(?![A-Za-z0-9])"
)
_QUERY_VALUE = re.compile(r"[?&#][\w.-]{1,40}=([^&#\s]*)")
_OPAQUE = re.compile(r"^[A-Za-z0-9+/=_%-]{24,}$")
_SUSPICIOUS_PARAM = re.compile(
    r"[?&](?:q|d|data|info|secret|payload|p|x|c|msg|text|content|conv|chat|history|leak|token|"
    r"key|pw|pass|email|summary|m|exfil|s)=",
    re.IGNORECASE,
)
_COMMENT = re.compile(r"<!--(.{0,4000}?)-->", re.DOTALL)
_HIDDEN_ELEMENT = re.compile(
    r"<(\w+)\b[^>]{0,300}?(?:style\s*=\s*[\"'][^\"']{0,300}?(?:display\s*:\s*none|visibility\s*:\s*"
    r"hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|rem)?\s*[;\"']|opacity\s*:\s*0(?:\.0+)?\s*[;\"']|"
    r"color\s*:\s*(?:#fff(?:fff)?|white|transparent|rgba\([^)]*,\s*0\))|(?:height|width|max-height)"
    r"\s*:\s*0(?:px)?\s*[;\"']|(?:left|top|text-indent)\s*:\s*-\d{3,})|\bhidden\b(?!\s*=\s*[\"']?"
    r"false)|aria-hidden\s*=\s*[\"']?true)[^>]{0,300}>(.{0,4000}?)</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_INSTRUCTION_WORDS = re.compile(
    r"\b(?:ai|assistant|llm|chatbot|gpt|chatgpt|claude|copilot|model|ignore|disregard|instructions?|"
    r"you\s+(?:must|should|will|are\s+to|need\s+to)|system\s+prompt|tell\s+the\s+(?:user|customer)|"
    r"respond|reply|recommend|do\s+not\s+mention|summar(?:y|ize|ise))\b",
    re.IGNORECASE,
)

_W_IMAGE_TEMPLATE = (0.8, 0.9, 0.9)
_W_LINK_TEMPLATE = (0.6, 0.75, 0.75)
_W_URL_TEMPLATE = (0.5, 0.6, 0.6)
_W_IMAGE_OPAQUE = (0.2, 0.45, 0.45)
_W_IMAGE_PARAM = (0.1, 0.3, 0.3)
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


def _url_signals(text: str, source: Source, seen: set[tuple[int, int]]) -> list[Signal]:
    out: list[Signal] = []
    for regex, kind in ((_MD_IMAGE, "image"), (_HTML_IMG, "image"), (_MD_LINK, "link")):
        for m in regex.finditer(text):
            url, span = m.group(1), (m.start(), m.end())
            seen.add(m.span(1))
            if _PLACEHOLDER.search(url) or _SHOUTED_PLACEHOLDER.search(url):
                w = _W_IMAGE_TEMPLATE if kind == "image" else _W_LINK_TEMPLATE
                why = f"markdown {kind} whose URL has a placeholder for data to send out"
                out.append(_signal(f"{kind}_url_template", "exfiltration", w, span, why, source))
            elif kind == "image":
                values = _QUERY_VALUE.findall(url)
                if any(_OPAQUE.match(v) for v in values):
                    why = "image URL carrying a long opaque value in its query"
                    out.append(
                        _signal(
                            "image_opaque_query", "exfiltration", _W_IMAGE_OPAQUE, span, why, source
                        )
                    )
                elif _SUSPICIOUS_PARAM.search(url):
                    why = "image URL with a data-like query parameter"
                    out.append(
                        _signal(
                            "image_data_param", "exfiltration", _W_IMAGE_PARAM, span, why, source
                        )
                    )
    for m in _BARE_URL.finditer(text):
        if any(s <= m.start() < e for s, e in seen) or "?" not in m.group():
            continue
        query = m.group().split("?", 1)[1]
        if _PLACEHOLDER.search(query) or _SHOUTED_PLACEHOLDER.search("=" + query.split("=", 1)[-1]):
            why = "URL whose query has a placeholder for data to send out"
            out.append(
                _signal("url_template", "exfiltration", _W_URL_TEMPLATE, m.span(), why, source)
            )
    return out


def _hidden_regions(text: str, source: Source) -> MarkupFindings:
    signals: list[Signal] = []
    hidden: list[tuple[int, int]] = []
    if "<!--" in text:
        for m in _COMMENT.finditer(text):
            hidden.append(m.span())
            if _INSTRUCTION_WORDS.search(m.group(1)):
                why = "instruction-like text inside an HTML comment"
                signals.append(
                    _signal(
                        "comment_instruction",
                        "indirect",
                        _W_HIDDEN_INSTRUCTION,
                        m.span(),
                        why,
                        source,
                    )
                )
    lowered = text.lower()
    if "style" in lowered or "hidden" in lowered:
        for m in _HIDDEN_ELEMENT.finditer(text):
            hidden.append(m.span())
            if _INSTRUCTION_WORDS.search(m.group(2)):
                why = "instruction-like text in an element hidden from view"
                signals.append(
                    _signal(
                        "hidden_element", "indirect", _W_HIDDEN_INSTRUCTION, m.span(), why, source
                    )
                )
    return MarkupFindings(signals, hidden)


def scan_markup(text: str, source: Source) -> MarkupFindings:
    """Exfiltration URLs and hidden regions in ``text``."""
    signals: list[Signal] = []
    if (
        "](" in text
        or "<img" in text.lower()
        or (
            "://" in text
            and ("{" in text or "%7" in text or "$" in text or "[" in text or "<" in text)
        )
    ):
        signals += _url_signals(text, source, set())
    if "<" in text:
        found = _hidden_regions(text, source)
        return MarkupFindings(signals + found.signals, found.hidden)
    return MarkupFindings(signals, [])
