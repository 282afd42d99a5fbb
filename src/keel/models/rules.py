"""``RulesModel``: a deterministic, rule-based model.

It is the graceful-degradation fallback at the end of a chain (no network, no key,
always answers) and the model of the offline demo. Its behaviour is a function of
the conversation alone, so a replayed run gets the same answer.

How it answers (``config`` is the spec's ``model.rules``):

* Last message from the user: the first rule with a pattern that matches the user's
  text (``re.search``, case-insensitive) wins. If the rule has ``calls`` whose tools
  the request offers, the answer is those tool calls (ids ``rules-1``, ``rules-2``…,
  numbered across the conversation; arguments rendered from their templates).
  Otherwise the answer is the rule's ``answer`` template.
* Last messages are tool results: the rule is matched again on the last user
  message and its ``answer`` is rendered, now with the results at hand.
* No rule matches: ``config.default``.

Templates are rendered by a deliberately small renderer, not ``str.format``: only
the placeholders below exist, there is no attribute or item access on Python
objects, and an unknown placeholder renders as the empty string.

``{input}``
    the last user message;
``{intent}``
    the matched rule's intent (empty for the default answer);
``{match.<group>}``
    a named group of the pattern that matched, e.g. ``(?P<user>\\w+)``;
``{results.<tool>}``
    the content of that tool's last result in this turn;
``{results.<tool>.<field>.<index>…}``
    a value inside a JSON tool result (object keys and list indexes);
``{{`` and ``}}``
    literal braces.

A mapping ``answer`` is rendered field by field (recursively) and returned as JSON
text; there, a string that is exactly one placeholder takes the value's JSON type
(a number stays a number, a list a list). Tool-call arguments render the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from keel.governance.injection import unfence
from keel.models._token_estimate import estimate_usage
from keel.models.base import (
    Message,
    ModelRequest,
    ModelResponse,
    StreamEvent,
    ToolCall,
)

if TYPE_CHECKING:
    # Annotations only: models must not import the spec package at run time (the
    # spec layer sits above; see ARCHITECTURE.md).
    from keel.spec.model import Rule, RulesConfig

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\}")
_MISSING = object()


@dataclass(frozen=True, slots=True)
class TemplateContext:
    """What a template can see: the user's text, the intent, the turn's tool results."""

    input: str
    intent: str = ""
    results: Mapping[str, str] | None = None
    groups: Mapping[str, str] | None = None

    def lookup(self, path: str) -> Any:
        """The value a placeholder names, or a private sentinel when there is none."""
        head, *rest = path.split(".")
        if head == "input" and not rest:
            return self.input
        if head == "intent" and not rest:
            return self.intent
        if head == "match" and len(rest) == 1:
            group = (self.groups or {}).get(rest[0])
            return _MISSING if group is None else group
        if head != "results" or not rest or self.results is None:
            return _MISSING
        content = self.results.get(rest[0])
        if content is None:
            return _MISSING
        if len(rest) == 1:
            return content
        try:
            value: Any = json.loads(content)
        except ValueError:
            return _MISSING
        for key in rest[1:]:
            if isinstance(value, dict):
                value = value.get(key, _MISSING)
            elif isinstance(value, list) and key.lstrip("-").isdigit():
                index = int(key)
                value = value[index] if -len(value) <= index < len(value) else _MISSING
            else:
                return _MISSING
            if value is _MISSING:
                return _MISSING
        return value


def _as_text(value: Any) -> str:
    if value is _MISSING or value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def render_text(template: str, context: TemplateContext) -> str:
    """``template`` with every placeholder replaced by its text."""

    def substitute(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        return _as_text(context.lookup(match.group(1)))

    return _PLACEHOLDER.sub(substitute, template)


def render_value(template: Any, context: TemplateContext) -> Any:
    """A JSON-like template rendered recursively; a lone placeholder keeps its type."""
    if isinstance(template, str):
        whole = _PLACEHOLDER.fullmatch(template)
        if whole is not None and whole.group(1) is not None:
            value = context.lookup(whole.group(1))
            return "" if value is _MISSING else value
        return render_text(template, context)
    if isinstance(template, dict):
        return {str(k): render_value(v, context) for k, v in template.items()}
    if isinstance(template, list):
        return [render_value(v, context) for v in template]
    return template


def render_answer(answer: str | Mapping[str, Any], context: TemplateContext) -> str:
    """A rule's answer as message text: a string template, or a mapping as JSON."""
    if isinstance(answer, str):
        return render_text(answer, context)
    return json.dumps(render_value(dict(answer), context), ensure_ascii=False)


class RulesModel:
    """The deterministic model configured by a spec's ``model.rules`` (see module doc).

    Costs nothing (``cost_usd`` is ``0.0``); usage is estimated at four characters
    per token so that token budgets still apply. Never raises ``ModelUnavailable``.
    """

    def __init__(self, config: RulesConfig, name: str = "default") -> None:
        self._config = config
        self._name = f"rules:{name}"
        self._rules = [
            (rule, [re.compile(p, re.IGNORECASE) for p in rule.patterns]) for rule in config.intents
        ]

    @property
    def name(self) -> str:
        return self._name

    def match(self, text: str) -> Rule | None:
        """The first rule with a pattern found in ``text``, if any."""
        found = self._search(text)
        return None if found is None else found[0]

    def _search(self, text: str) -> tuple[Rule, dict[str, str]] | None:
        """The first matching rule and the named groups its pattern captured."""
        for rule, patterns in self._rules:
            for p in patterns:
                m = p.search(text)
                if m is not None:
                    groups = {k: v for k, v in m.groupdict().items() if v is not None}
                    return rule, groups
        return None

    async def request(self, request: ModelRequest) -> ModelResponse:
        """The answer the module doc describes, as a response with estimated usage."""
        message = self.answer(request)
        return ModelResponse(
            message=message,
            model=self._name,
            usage=estimate_usage(request.messages, message),
            cost_usd=0.0,
            finish_reason="tool_calls" if message.tool_calls else "stop",
        )

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamEvent]:
        """The whole text as one event (if any), then ``done``."""
        response = await self.request(request)
        if response.message.content:
            yield StreamEvent("text", response.message.content)
        yield StreamEvent("done", response=response)

    def answer(self, request: ModelRequest) -> Message:
        """The assistant message for ``request``, without usage accounting."""
        messages = request.messages
        last_user = _last_index(messages, "user")
        if last_user is None:
            return Message("assistant", render_answer(self._config.default, TemplateContext("")))
        user_text = messages[last_user].content
        results = _tool_results(messages[last_user + 1 :])
        found = self._search(user_text)
        if found is None:
            context = TemplateContext(user_text, "", results)
            return Message("assistant", render_answer(self._config.default, context))
        rule, groups = found
        context = TemplateContext(user_text, rule.intent, results, groups)
        if last_user == len(messages) - 1:
            offered = {t.name for t in request.tools}
            wanted = [c for c in rule.calls if c.tool in offered]
            if wanted:
                first = 1 + sum(len(m.tool_calls) for m in messages)
                calls = tuple(
                    ToolCall(f"rules-{first + i}", c.tool, render_value(dict(c.args), context))
                    for i, c in enumerate(wanted)
                )
                return Message("assistant", tool_calls=calls)
        return Message("assistant", render_answer(rule.answer, context))


def _last_index(messages: Sequence[Message], role: str) -> int | None:
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == role:
            return i
    return None


def _tool_results(messages: Sequence[Message]) -> dict[str, str]:
    """Tool name -> content of its last result among ``messages``."""
    names = {c.id: c.name for m in messages for c in m.tool_calls}
    results: dict[str, str] = {}
    for m in messages:
        if m.role != "tool":
            continue
        tool = m.name or names.get(m.tool_call_id or "")
        if tool:
            results[tool] = _unfenced(m.content)
    return results


def _unfenced(content: str) -> str:
    """Tool output as the tool returned it. Governance fences tool results as data for
    LLMs (spotlighting); rules cannot be instructed by them, so they read the content."""
    try:
        return unfence(content)
    except ValueError:
        return content
