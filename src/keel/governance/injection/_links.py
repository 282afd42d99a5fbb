"""Markdown and HTML images and links whose URL sends data out: the exfiltration channel.

A model that renders ``![x](https://host/?q={data})`` with the conversation substituted
into ``{data}`` has sent it to ``host`` the moment the client loads the image — no click
needed. Links leak the same way on a click. Three shapes of evidence, strongest first:

* a URL whose query (or path) holds a *template*: ``{...}``, ``${...}``, ``[DATA]``,
  ``<secret>``, ``INSERT_...`` — the text wants the model to fill it in;
* an auto-loading image whose query already *carries data*: an e-mail address, a known
  secret format, base64 that decodes to readable text, or a value under a parameter
  named for what it holds (``password=``, ``session=``, ``history=``...);
* an image whose query carries a long opaque value (tracking pixels look like that too,
  so it is weak).

Inline (``![a](url)``), HTML (``<img src=url>``) and reference-style images and links
(``![a][ref]`` ... ``[ref]: url``) are all read; a reference definition is judged as an
image when an image uses its label. All expressions run on the original text (URLs keep
their case).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Literal
from urllib.parse import unquote

from keel.governance.injection._verdict import Signal, Source

Kind = Literal["image", "link"]

# The URL runs to the closing parenthesis, "<...>" placeholders included.
_MD_IMAGE = re.compile(r"!\[[^\]\n]{0,300}\]\(\s*([^)\s]{1,2000})(?:\s+\"[^\"]*\")?\s*\)")
_MD_LINK = re.compile(r"(?<!!)\[[^\]\n]{0,300}\]\(\s*([^)\s]{1,2000})(?:\s+\"[^\"]*\")?\s*\)")
_HTML_IMG = re.compile(r"<img\b[^>]{0,500}?\bsrc\s*=\s*[\"']?([^\"'\s>]{1,2000})", re.IGNORECASE)
_INLINE: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (_MD_IMAGE, "image"),
    (_HTML_IMG, "image"),
    (_MD_LINK, "link"),
)
_BARE_URL = re.compile(r"https?://(?:[^\s)\"'<>]|<[A-Za-z_ ]{1,40}>){1,2000}", re.IGNORECASE)
# "[ref]: https://..." at the start of a line (up to three spaces, as CommonMark allows).
_REF_DEFINITION = re.compile(
    r"^[ \t]{0,3}\[([^\]\n]{1,100})\]:[ \t]*<?((?:https?:)?//[^\s>]{1,2000})>?", re.MULTILINE
)
# "![alt][ref]", "![ref][]" and the collapsed "![ref]" (not followed by "(" or ":").
_REF_IMAGE_USE = re.compile(r"!\[([^\]\n]{0,300})\](?:\[([^\]\n]{0,100})\]|(?![(:]))")
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
_QUERY_PAIR = re.compile(r"[?&#;]([\w.\[\]-]{1,40})=([^&#;\s]*)")
_OPAQUE = re.compile(r"^[A-Za-z0-9+/=_%-]{24,}$")
_SUSPICIOUS_PARAM = re.compile(
    r"[?&](?:q|d|data|info|secret|payload|p|x|c|msg|text|content|conv|chat|history|leak|token|"
    r"key|pw|pass|email|summary|m|exfil|s)=",
    re.IGNORECASE,
)
# Parameter names that say what the value is: data about the user or the conversation.
_DATA_PARAM = re.compile(
    r"(?:password|passwd|pwd|pw|pass|passcode|pin|otp|mfa|secret|token|access_?token|api_?key|"
    r"apikey|session(?:_?id|_?token)?|sid|cookie|auth|credentials?|ssn|card(?:_?number)?|cvv|"
    r"iban|email|e-?mail|phone|mobile|address|dob|birthdate|history|conversation|conv|chat|"
    r"transcript|messages?|prompt|summary|context|memo|notes?)",
    re.IGNORECASE,
)
# The parameters a storage service signs a URL with (S3, GCS, Azure SAS, CloudFront):
# the host's own key id and signature, put there by the server that issued the URL, not
# data taken from the reader. A pre-signed screenshot in a knowledge-base article
# carries "X-Amz-Credential=AKIA..." and a long opaque signature.
_SIGNING_PARAM = re.compile(
    r"x-(?:amz|goog)-[\w-]+|signature|sig|se|sp|sv|sr|st|spr|skoid|sktid|skt|ske|sks|skv|"
    r"key-pair-id|policy|expires",
    re.IGNORECASE,
)
_EMAIL_IN_VALUE = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+\.[\w.]{2,}", re.IGNORECASE)
_SECRET_IN_VALUE = re.compile(
    r"(?:sk|pk|rk)-(?:live|test|proj)?-?[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{30,}|AKIA[0-9A-Z]{16}|"
    r"xox[abpr]-[A-Za-z0-9-]{10,}|eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"
)
_BASE64_VALUE = re.compile(r"[A-Za-z0-9+/_-]{16,}={0,2}")
# A value that changes per request but carries nothing: a version, a size, a cache key.
_INERT_VALUE = re.compile(r"[0-9a-f]{6,64}|\d{1,12}|v?\d+(?:\.\d+){0,3}|[a-z]{1,12}", re.IGNORECASE)

_W_IMAGE_TEMPLATE = (0.8, 0.9, 0.9)
_W_LINK_TEMPLATE = (0.6, 0.75, 0.75)
_W_URL_TEMPLATE = (0.5, 0.6, 0.6)
_W_IMAGE_DATA = (0.35, 0.6, 0.6)
_W_IMAGE_OPAQUE = (0.2, 0.45, 0.45)
_W_IMAGE_PARAM = (0.1, 0.3, 0.3)
_INDEX: dict[Source, int] = {"user": 0, "tool": 1, "document": 2}


def url_signals(text: str, source: Source) -> list[Signal]:
    """Exfiltration evidence in every image, link and URL of ``text``."""
    out: list[Signal] = []
    seen: list[tuple[int, int]] = []
    for regex, kind in _INLINE:
        for m in regex.finditer(text):
            seen.append(m.span(1))
            out += _judge(m.group(1), kind, (m.start(), m.end()), source)
    if "]:" in text:
        images = _image_labels(text)
        for m in _REF_DEFINITION.finditer(text):
            seen.append(m.span(2))
            ref_kind: Kind = "image" if _label(m.group(1)) in images else "link"
            out += _judge(m.group(2), ref_kind, (m.start(), m.end()), source, reference=True)
    for m in _BARE_URL.finditer(text):
        if any(s <= m.start() < e for s, e in seen) or "?" not in m.group():
            continue
        query = m.group().split("?", 1)[1]
        if _PLACEHOLDER.search(query) or _SHOUTED_PLACEHOLDER.search("=" + query.split("=", 1)[-1]):
            why = "URL whose query has a placeholder for data to send out"
            out.append(_signal("url_template", _W_URL_TEMPLATE, m.span(), why, source))
    return out


def _judge(
    url: str, kind: Kind, span: tuple[int, int], source: Source, *, reference: bool = False
) -> list[Signal]:
    form = "reference-style " if reference else ""
    if _PLACEHOLDER.search(url) or _SHOUTED_PLACEHOLDER.search(url):
        w = _W_IMAGE_TEMPLATE if kind == "image" else _W_LINK_TEMPLATE
        why = f"{form}markdown {kind} whose URL has a placeholder for data to send out"
        return [_signal(f"{kind}_url_template", w, span, why, source)]
    if kind != "image" or ("?" not in url and "#" not in url):
        return []
    carried = _carried_data(url)
    if carried is not None:
        why = f"auto-loading {form}image whose URL carries {carried}"
        return [_signal("image_carries_data", _W_IMAGE_DATA, span, why, source)]
    values = [v for n, v in _QUERY_PAIR.findall(url) if not _SIGNING_PARAM.fullmatch(n)]
    if any(_OPAQUE.match(v) for v in values):
        why = "image URL carrying a long opaque value in its query"
        return [_signal("image_opaque_query", _W_IMAGE_OPAQUE, span, why, source)]
    if _SUSPICIOUS_PARAM.search(url):
        why = "image URL with a data-like query parameter"
        return [_signal("image_data_param", _W_IMAGE_PARAM, span, why, source)]
    return []


def _carried_data(url: str) -> str | None:
    """What the query of an image URL carries, when it is data rather than a cache key."""
    for name, raw in _QUERY_PAIR.findall(url):
        value = unquote(raw)
        if not value or _SIGNING_PARAM.fullmatch(name):
            continue
        if _EMAIL_IN_VALUE.search(value):
            return "an e-mail address"
        if _SECRET_IN_VALUE.search(value):
            return "a credential"
        if _readable_base64(value):
            return "base64-encoded text"
        if _DATA_PARAM.fullmatch(name) and not _INERT_VALUE.fullmatch(value):
            return f"a value for {name!r}"
        if " " in value and len(value.split()) >= 4:
            return "a sentence of text"
    return None


def _readable_base64(value: str) -> bool:
    """``value`` is base64 (either alphabet) of mostly printable text with a word break."""
    m = _BASE64_VALUE.fullmatch(value)
    if m is None or len(value) < 16:
        return False
    padded = value.replace("-", "+").replace("_", "/")
    padded += "=" * (-len(padded) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(c.isprintable() for c in decoded)
    return printable >= 0.95 * len(decoded) and any(c in " @=:,;" for c in decoded)


def _image_labels(text: str) -> set[str]:
    return {_label(m.group(2) or m.group(1)) for m in _REF_IMAGE_USE.finditer(text)}


def _label(label: str) -> str:
    """CommonMark matches reference labels case-insensitively, whitespace collapsed."""
    return " ".join(label.split()).casefold()


def _signal(
    name: str,
    weights: tuple[float, float, float],
    span: tuple[int, int],
    explanation: str,
    source: Source,
) -> Signal:
    return Signal(name, "exfiltration", weights[_INDEX[source]], span, explanation)
