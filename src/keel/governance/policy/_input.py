"""The policy input document, version ``keel.policy.input/v1``.

Every decision point receives one JSON object. Sections marked *every point* are
always present; the others only at their point. Policies must not guess at a
missing section: the default pack denies a document that lacks what it needs.

==================  ============  ==================================================
field               points        meaning
==================  ============  ==================================================
``input_version``   every point   ``"keel.policy.input/v1"``; any other value is denied
``point``           every point   ``"input" | "route" | "tool" | "output"``
``principal``       every point   ``{id, roles: [str], tenant: str | null}`` — the caller
``agent``           every point   ``{name, version, hash}`` — the spec being run
``request``         every point   ``{text, pii_classes: [str], pii_types: [str]}`` —
                                  the user's request *after* masking, with the
                                  classification classes (``restricted``,
                                  ``confidential``…) and types (``card``, ``email``…)
                                  of the PII found in it
``injection``       every point   ``{score: 0..1, categories: [str]}`` — the
                                  prompt-injection scorer's verdict on the request
``counters``        every point   ``{steps, tokens, cost_usd: number | null}`` — the
                                  run so far
``models``          route         ``[{id, tags: [str]}]`` — candidate models in
                                  fallback order
``tool``            tool          ``{name, risk, scopes: [str], arguments: {...}}`` —
                                  ``risk`` is ``read | write | financial |
                                  irreversible``; ``arguments`` as the model sent
                                  them, PII already tokenized
``output``          output        ``{text, pii_classes: [str], pii_types: [str]}`` —
                                  the answer as it would leave, and the PII still
                                  unmasked in it
==================  ============  ==================================================

``policy_input`` builds the document from typed parts (``run_sections``, the part
that is the same at every point of a run, and ``point_sections``); engines take any
mapping of this shape, so a caller may also build it by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from keel.governance.policy._decision import DecisionPoint

INPUT_VERSION = "keel.policy.input/v1"


@dataclass(frozen=True, slots=True)
class Principal:
    id: str
    roles: tuple[str, ...] = ()
    tenant: str | None = None


@dataclass(frozen=True, slots=True)
class AgentIdentity:
    name: str
    version: str
    hash: str


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """The request after masking, and what the PII guard found in it."""

    text: str
    pii_classes: tuple[str, ...] = ()
    pii_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InjectionFacts:
    score: float = 0.0
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RunCounters:
    steps: int = 0
    tokens: int = 0
    cost_usd: float | None = 0.0


@dataclass(frozen=True, slots=True)
class ModelCandidate:
    id: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolFacts:
    name: str
    risk: str = "read"
    scopes: tuple[str, ...] = ()
    arguments: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OutputFacts:
    """The answer as it would leave, and the PII classes still unmasked in it."""

    text: str
    pii_classes: tuple[str, ...] = ()
    pii_types: tuple[str, ...] = ()


def policy_input(
    point: DecisionPoint,
    *,
    principal: Principal,
    agent: AgentIdentity,
    request: RequestFacts,
    injection: InjectionFacts | None = None,
    counters: RunCounters | None = None,
    models: Sequence[ModelCandidate] = (),
    tool: ToolFacts | None = None,
    output: OutputFacts | None = None,
) -> dict[str, Any]:
    """The ``keel.policy.input/v1`` document for ``point``.

    Raises ``ValueError`` when the section the point needs is missing (``tool``
    at ``tool``, ``output`` at ``output``), or given at another point.
    """
    doc: dict[str, Any] = {"input_version": INPUT_VERSION, "point": point}
    doc.update(run_sections(principal=principal, agent=agent, request=request, injection=injection))
    doc.update(point_sections(point, counters=counters, models=models, tool=tool, output=output))
    return doc


def run_sections(
    *,
    principal: Principal,
    agent: AgentIdentity,
    request: RequestFacts,
    injection: InjectionFacts | None = None,
) -> dict[str, Any]:
    """The sections of ``policy_input``'s document that are the same at every point of
    one run: ``input_version``, ``principal``, ``agent``, ``request``, ``injection``."""
    inj = injection or InjectionFacts()
    return {
        "input_version": INPUT_VERSION,
        "principal": {
            "id": principal.id,
            "roles": list(principal.roles),
            "tenant": principal.tenant,
        },
        "agent": {"name": agent.name, "version": agent.version, "hash": agent.hash},
        "request": {
            "text": request.text,
            "pii_classes": list(request.pii_classes),
            "pii_types": list(request.pii_types),
        },
        "injection": {"score": inj.score, "categories": list(inj.categories)},
    }


def point_sections(
    point: DecisionPoint,
    *,
    counters: RunCounters | None = None,
    models: Sequence[ModelCandidate] = (),
    tool: ToolFacts | None = None,
    output: OutputFacts | None = None,
) -> dict[str, Any]:
    """The sections of ``policy_input``'s document that change from point to point:
    ``point``, ``counters`` and the point's own (``models``, ``tool``, ``output``).
    Raises ``ValueError`` as ``policy_input`` does."""
    if (tool is not None) != (point == "tool"):
        raise ValueError("a tool is given at, and only at, the 'tool' point")
    if (output is not None) != (point == "output"):
        raise ValueError("an output is given at, and only at, the 'output' point")
    if models and point != "route":
        raise ValueError("candidate models are given only at the 'route' point")
    run = counters or RunCounters()
    doc: dict[str, Any] = {
        "point": point,
        "counters": {"steps": run.steps, "tokens": run.tokens, "cost_usd": run.cost_usd},
    }
    if point == "route":
        doc["models"] = [{"id": m.id, "tags": list(m.tags)} for m in models]
    if tool is not None:
        doc["tool"] = {
            "name": tool.name,
            "risk": tool.risk,
            "scopes": list(tool.scopes),
            "arguments": dict(tool.arguments),
        }
    if output is not None:
        doc["output"] = {
            "text": output.text,
            "pii_classes": list(output.pii_classes),
            "pii_types": list(output.pii_types),
        }
    return doc
