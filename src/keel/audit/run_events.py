"""What an engine records about one run: started, each model and tool call, finished.

A run's events are written at ``flush``: the engine flushes before every write it
waits for (a non-idempotent tool's ``started`` row, the run's result), so they commit
when they would have committed had each been queued on its own — an awaited commit
covers everything queued before it. The events of one flush are one ``run.events``
record (a flush of a single event is a record of that event's kind): each event keeps
its kind, time and payload, in order, and the record's hash covers them all. A model,
tool, model run is one record (two if the tool is not idempotent), not five: issue 5
allows the audit 0.1 ms per run, and almost all of its cost is per record (content
JSON, SHA-256, a row, a Merkle leaf), not per event. ``AuditRecord.events()`` reads
any record as its events; CEF export and the forwarder's CEF lines give a SIEM one
line per event.

Payloads carry identities, versions, counts and outcomes — never the content of
prompts, answers or tool results. Tool arguments are recorded masked
(``keel.audit.redact``). Every record of a run names the agent as its actor
(``agent:NAME``) and carries the run id.

Recorded per event kind:

* ``run.started`` / ``run.resumed``: agent name, version and content hash, prompt
  version, session id.
* ``model.call``: step, ``provider:model`` that answered, prompt version, input and
  output tokens, cost (``null`` if unpriced), latency in whole microseconds
  (``latency_us``; older logs: ``latency_ms``), fallback attempts (model and error
  code of each model tried before it).
* ``tool.call``: step, tool name and version, masked arguments, outcome (``ok`` or
  the error kind), attempts, idempotency key, latency (``latency_us``).
* ``run.finished``: status, error code, steps, tokens, cost, model used, and
  ``decisions``: every decision the run's policy made, in order (point, result, reasons,
  fields to mask, allowed models, policy bundle hash, and the tool at the tool point).

A run's policy decisions are part of its ``run.finished`` event rather than records of
their own (``policy.decision``, which older logs hold): they were always recorded when
the run ended, so nothing about when they are written changes, and a governed run's
four decisions cost one payload field instead of four chained records. Older logs also
hold a record per event (``run.started``, ``model.call``...); ``policy.decision`` and
those stay kinds the log reads, verifies and exports.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from keel.audit.log import not_stored
from keel.audit.record import (
    RUN_EVENTS,
    AuditKind,
    canonical_json,
    events_json,
    json_string,
    tenant_key,
)
from keel.audit.redact import redact, redact_text

if TYPE_CHECKING:
    from keel.agent import Agent
    from keel.audit.log import AuditLog, Event
    from keel.models.base import ModelResponse, ToolCall, Usage
    from keel.tools import ToolInfo, ToolResult


class RunAudit:
    """Appends one run's records to an audit log.

    It never waits for a commit itself: a flush with ``wait`` keeps the commit's future,
    and ``confirm``, called once the engine's own awaited write has committed (the same
    group commit), raises ``AuditUnavailable`` if any of those records failed.
    """

    __slots__ = (
        "_actor",
        "_clock",
        "_committed",
        "_events",
        "_log",
        "_prompt_json",
        "_run_id",
        "_tenant",
    )

    def __init__(
        self,
        audit: AuditLog,
        *,
        agent_name: str,
        prompt_version: str,
        run_id: str,
        tenant: str | None,
    ) -> None:
        self._log = audit
        self._actor = f"agent:{agent_name}"
        self._prompt_json = json_string(prompt_version)
        self._run_id = run_id
        self._tenant = tenant
        self._clock = audit.clock
        self._events: list[Event] = []
        # A future per waited flush, with the record's (id, prev_hash, hash).
        self._committed: list[tuple[asyncio.Future[Any], int, str, str]] = []

    @classmethod
    def for_agent(
        cls, audit: AuditLog, agent: Agent, *, run_id: str, tenant: str | None
    ) -> RunAudit:
        return cls(
            audit,
            agent_name=agent.name,
            prompt_version=agent.prompt_version,
            run_id=run_id,
            tenant=tenant,
        )

    # The payloads are written as canonical JSON directly (keys in sorted order):
    # this is the run path, and json.dumps of a dict costs several times more.
    # tests/audit/test_audit_run_events.py holds each to canonical_json of its dict.
    # Strings that are never None are encoded with json_string itself, not ``_s``.

    def started(self, agent: Agent, *, session_id: str | None, resumed: bool = False) -> None:
        text = (
            f'{{"agent":{json_string(agent.name)},'
            f'"agent_hash":{json_string(agent.content_hash)},'
            f'"agent_version":{json_string(agent.version)},'
            f'"prompt_version":{json_string(agent.prompt_version)},"session_id":{_s(session_id)}}}'
        )
        self._append("run.resumed" if resumed else "run.started", text)

    def model_call(self, step: int, response: ModelResponse, *, latency_s: float) -> None:
        usage = response.usage
        attempts = response.failed_attempts
        text = (
            f'{{"cost_usd":{_n(response.cost_usd)},"fallback_attempts":'
            + (
                canonical_json([{"model": a.model, "error_code": a.error_code} for a in attempts])
                if attempts
                else "[]"
            )
            + f',"input_tokens":{int(usage.input_tokens)},'
            f'"latency_us":{_us(latency_s)},"model":{json_string(response.model)},'
            f'"output_tokens":{int(usage.output_tokens)},'
            f'"prompt_version":{self._prompt_json},"step":{int(step)}}}'
        )
        self._append("model.call", text)

    def tool_call(
        self,
        step: int,
        tool: ToolInfo,
        call: ToolCall,
        result: ToolResult,
        *,
        idempotency_key: str,
        latency_s: float,
    ) -> None:
        outcome = "ok" if result.ok else (result.error_kind or "error")
        text = (
            f'{{"arguments":{canonical_json(redact(call.arguments))},'
            f'"attempts":{int(result.attempts)},'
            f'"idempotency_key":{json_string(idempotency_key)},'
            f'"latency_us":{_us(latency_s)},"outcome":{json_string(outcome)},'
            f'"step":{int(step)},"tool":{json_string(tool.name)},'
            f'"version":{json_string(tool.version)}}}'
        )
        self._append("tool.call", text)

    def finished(
        self,
        status: str,
        *,
        error_code: str | None,
        steps: int,
        usage: Usage | None,
        cost_usd: float | None,
        model_used: str | None,
        decisions: Sequence[Mapping[str, Any]] = (),
        wait: bool = False,
    ) -> None:
        """Record the run's end, with every policy decision it made, and queue its
        records (``wait``: for ``confirm``)."""
        tokens_in = 0 if usage is None else int(usage.input_tokens)
        tokens_out = 0 if usage is None else int(usage.output_tokens)
        text = (
            f'{{"cost_usd":{_n(cost_usd)},"decisions":[{",".join(map(decision_json, decisions))}],'
            f'"error_code":{_s(error_code)},'
            f'"input_tokens":{tokens_in},"model_used":{_s(model_used)},'
            f'"output_tokens":{tokens_out},"status":{json_string(status)},"steps":{int(steps)}}}'
        )
        self._append("run.finished", text)
        self.flush(wait=wait)

    def flush(self, *, wait: bool = False) -> None:
        """Chain and queue the records so far (the next awaited commit covers them);
        with ``wait`` (on an event loop), ``confirm`` then checks that they committed."""
        if self._events:
            events, self._events = self._events, []
            if len(events) > 1:
                events = [(RUN_EVENTS, events[-1][1], events_json(events))]
            seq, prev, h, committed = self._log.append_events(
                events, actor=self._actor, tenant=self._tenant, run_id=self._run_id, wait=wait
            )
            if committed is not None:
                self._committed.append((committed, seq, prev, h))

    def record(self, kind: AuditKind, payload: Mapping[str, Any]) -> None:
        """Chain a record of another kind for this run, by its agent (an approval
        request, an escalation); ``confirm`` checks that it committed."""
        event = (kind, float(self._clock()), canonical_json(dict(payload)))
        seq, prev, h, committed = self._log.append_events(
            [event], actor=self._actor, tenant=self._tenant, run_id=self._run_id, wait=True
        )
        if committed is not None:
            self._committed.append((committed, seq, prev, h))

    async def confirm(self) -> None:
        """Wait for the records flushed with ``wait`` (or from ``record``); raises
        ``AuditUnavailable`` if one failed. Called after the engine's awaited write,
        which shares their commit, so the wait is over at once."""
        committed, self._committed = self._committed, []
        try:
            for entry in committed:
                await entry[0]
        except Exception:
            outcomes = await asyncio.gather(*[e[0] for e in committed], return_exceptions=True)
            # The failed records at the head of the chain come off it, latest first, so
            # that the next record leaves no gap.
            tenant = tenant_key(self._tenant)
            for (_, seq, prev, h), outcome in zip(
                reversed(committed), reversed(outcomes), strict=True
            ):
                if not isinstance(outcome, BaseException):
                    break
                self._log.unchain(tenant, seq, prev, h)
            failure = next(o for o in outcomes if isinstance(o, BaseException))
            raise not_stored(failure) from failure

    def _append(self, kind: AuditKind, payload_json: str) -> None:
        self._events.append((kind, float(self._clock()), payload_json))


def decision_json(decision: Mapping[str, Any]) -> str:
    """A policy decision's audit payload: ``canonical_json(redact(decision))``, cheaper.

    A decision as the governor records it (``PolicyDecision.to_dict``, plus ``tool``)
    is written field by field: its point and result are from fixed sets and its bundle
    hash has a fixed form, so only its free text (reasons) is searched for credentials
    each time; model, tool and field names, which repeat from run to run, are searched
    once each. Any other shape goes through ``redact`` whole.
    """
    keys = decision.keys()
    if keys != _DECISION_KEYS and keys != _DECISION_KEYS_TOOL:
        return canonical_json(redact(dict(decision)))
    point, result, policy_hash = decision["point"], decision["result"], decision["policy_hash"]
    reasons, fields, models = (
        decision["reasons"],
        decision["mask_fields"],
        decision["allowed_models"],
    )
    tool = decision.get("tool", "")
    if (
        type(reasons) is list
        and not reasons
        and type(fields) is list
        and not fields
        and type(point) is str
        and type(result) is str
        and type(policy_hash) is str
        and type(tool) is str
        and (models is None or _is_strings(models))
    ):
        # Most decisions allow with nothing to mask, and the same few recur run after
        # run: their text is built once.
        key = (
            point,
            result,
            policy_hash,
            None if models is None else tuple(models),
            tool,
            len(keys),
        )
        known = _RECURRING.get(key)
        if known is None:
            known = _decision_text(
                decision, point, result, policy_hash, reasons, fields, models, tool
            )
            if len(_RECURRING) < _RECURRING_MAX:
                _RECURRING[key] = known
        return known
    return _decision_text(decision, point, result, policy_hash, reasons, fields, models, tool)


def _decision_text(
    decision: Mapping[str, Any],
    point: Any,
    result: Any,
    policy_hash: Any,
    reasons: Any,
    fields: Any,
    models: Any,
    tool: Any,
) -> str:
    if not (
        point in _POINTS
        and result in _RESULTS
        and isinstance(policy_hash, str)
        and _is_strings(reasons)
        and _is_strings(fields)
        and (models is None or _is_strings(models))
        and isinstance(tool, str)
    ):
        return canonical_json(redact(dict(decision)))
    text = (
        '{"allowed_models":'
        + ("null" if models is None else "[" + ",".join(map(_name, models)) + "]")
        + ',"mask_fields":['
        + ",".join(map(_name, fields))
        + f'],"point":"{point}","policy_hash":'
        + (f'"{policy_hash}"' if _BUNDLE_HASH.fullmatch(policy_hash) else _name(policy_hash))
        + ',"reasons":['
        + ",".join(json_string(redact_text(r)) for r in reasons)
        + f'],"result":"{result}"'
    )
    return text + (f',"tool":{_name(tool)}}}' if "tool" in decision else "}")


_DECISION_KEYS = frozenset(
    {"point", "result", "reasons", "mask_fields", "allowed_models", "policy_hash"}
)
_DECISION_KEYS_TOOL = _DECISION_KEYS | {"tool"}
# Payloads of decisions with no reasons and no fields to mask, by their values.
_RECURRING: dict[tuple[Any, ...], str] = {}
_RECURRING_MAX = 4096
# The decision points and results (keel.governance.policy; audit does not import it).
_POINTS = frozenset({"input", "route", "tool", "output"})
_RESULTS = frozenset({"allow", "deny", "require_approval", "escalate"})
# A bundle hash as the embedded and OPA engines report it, or the "unavailable" of a
# bundle that did not load: nothing a credential pattern can match.
_BUNDLE_HASH = re.compile(r"sha256:[0-9a-f]{64}|unavailable")


def _is_strings(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


@functools.lru_cache(maxsize=1024)
def _name(value: str) -> str:
    """A model, tool or field name as masked JSON (names repeat: searched once)."""
    return json_string(redact_text(value))


def _s(value: str | None) -> str:
    return "null" if value is None else json_string(value)


def _us(seconds: float) -> int:
    """A duration in whole microseconds (an integer is written about three times
    faster than a float's shortest digits, on the path every run takes)."""
    if not math.isfinite(seconds):
        raise ValueError(f"{seconds!r} is not a JSON number")
    return round(seconds * 1e6)


def _n(value: float | None) -> str:
    """A number as canonical JSON; NaN and infinity (never valid JSON) are refused."""
    if value is None:
        return "null"
    if not math.isfinite(value):
        raise ValueError(f"{value!r} is not a JSON number")
    return float.__repr__(value) if isinstance(value, float) else int.__repr__(int(value))
