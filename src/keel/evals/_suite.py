"""The suite format: cases (one input or a multi-turn script), journeys, expectations.

Every model forbids unknown keys, as the agent spec does: a misspelt expectation is
an error with its file, line and column, never a check that silently does nothing.
A suite is plain YAML beside the agent spec; ``keel.evals.load_suite`` reads it.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from jsonschema import SchemaError
from jsonschema.validators import validator_for
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from keel.evals._jsonpath import JsonPath

Risk = Literal["read", "write", "financial", "irreversible"]
RunStatus = Literal["completed", "failed", "awaiting_approval", "needs_review"]

_GROUP_REF = re.compile(r"\\(\d+)|\\g<([^>]+)>")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:@/+-]{0,199}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _listed(value: Any) -> Any:
    """A single string where a list is expected stands for a list of one."""
    return [value] if isinstance(value, str) else value


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {e}") from e
    return pattern


class ToolMatcher(_Strict):
    """Tool calls that executed, selected by ``name`` and/or ``risk``.

    ``args`` lists arguments that must equal the given values, ``args_match``
    arguments whose text must match a regular expression (``re.search``);
    ``times`` asks for an exact number of matching calls (default: at least one).
    A plain string is the shorthand for ``{name: ...}``.
    """

    name: str | None = None
    risk: Risk | None = None
    args: dict[str, Any] = Field(default_factory=dict)
    args_match: dict[str, str] = Field(default_factory=dict)
    times: int | None = Field(default=None, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @field_validator("args_match")
    @classmethod
    def _compile(cls, v: dict[str, str]) -> dict[str, str]:
        for pattern in v.values():
            _regex(pattern)
        return v

    @model_validator(mode="after")
    def _selects_something(self) -> ToolMatcher:
        if self.name is None and self.risk is None:
            raise ValueError("a tool matcher needs 'name' or 'risk' (or both)")
        return self

    def describe(self) -> str:
        parts = [self.name or f"any {self.risk} tool"]
        if self.name is not None and self.risk is not None:
            parts.append(f"(risk {self.risk})")
        if self.args:
            parts.append("with " + ", ".join(f"{k}={v!r}" for k, v in self.args.items()))
        if self.args_match:
            parts.append("matching " + ", ".join(f"{k}~/{v}/" for k, v in self.args_match.items()))
        return " ".join(parts)


class JsonPathCheck(_Strict):
    """A value inside a JSON answer: at ``path`` (a JSONPath such as ``$.items[0].id``),
    equal to ``equals``, matching ``matches``, or just present (``exists``)."""

    path: str
    equals: Any = None
    matches: str | None = None
    exists: bool = True

    @field_validator("path")
    @classmethod
    def _parse(cls, v: str) -> str:
        JsonPath.parse(v)  # raises ValueError with what is wrong
        return v

    @field_validator("matches")
    @classmethod
    def _compile(cls, v: str | None) -> str | None:
        return None if v is None else _regex(v)

    @property
    def wants_value(self) -> bool:
        return "equals" in self.model_fields_set


class JudgeCheck(_Strict):
    """An LLM judge scores the answer against ``rubric`` from 0 to 1."""

    rubric: str = Field(min_length=1)
    min_score: float = Field(default=0.7, ge=0, le=1)


class Expect(_Strict):
    """What a case (or a turn, or a journey's whole conversation) must show.

    Output checks read the (last) answer; tool and policy checks read every turn.
    """

    equals: Any = None
    contains: list[str] = Field(default_factory=list)
    not_contains: list[str] = Field(default_factory=list)
    matches: list[str] = Field(default_factory=list)
    json_schema: dict[str, Any] | None = None
    json_path: list[JsonPathCheck] = Field(default_factory=list)
    tools_called: list[ToolMatcher] = Field(default_factory=list)
    tools_not_called: list[ToolMatcher] = Field(default_factory=list)
    status: RunStatus | None = None
    error_code: str | None = None
    denied: bool | None = None
    approval_requested: bool | None = None
    escalated: bool | None = None
    max_latency_ms: float | None = Field(default=None, gt=0)
    max_cost_usd: float | None = Field(default=None, ge=0)
    no_leak: bool = False
    judge: JudgeCheck | None = None

    @field_validator("contains", "not_contains", "matches", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _listed(v)

    @field_validator("matches")
    @classmethod
    def _compile(cls, v: list[str]) -> list[str]:
        for pattern in v:
            _regex(pattern)
        return v

    @field_validator("json_schema")
    @classmethod
    def _schema(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is not None:
            try:
                validator_for(v).check_schema(v)
            except SchemaError as e:
                raise ValueError(f"not a valid JSON Schema: {e.message}") from e
        return v

    @property
    def wants_equals(self) -> bool:
        return "equals" in self.model_fields_set

    @property
    def empty(self) -> bool:
        return not self.model_fields_set


class Fixture(_Strict):
    """What a tool returns in this case instead of running: ``returns`` a value (JSON or
    text, as the tool would) or ``raises`` an error with this message."""

    returns: Any = None
    raises: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Fixture:
        if ("returns" in self.model_fields_set) == (self.raises is not None):
            raise ValueError("give exactly one of 'returns' or 'raises'")
        return self


def _check_fixture_keys(fixtures: dict[str, Fixture]) -> dict[str, Fixture]:
    # A key is a tool name, ``risk:<risk>`` (every tool of that risk) or ``*`` (every tool).
    for key in fixtures:
        if key.startswith("risk:") and key[5:] not in (
            "read",
            "write",
            "financial",
            "irreversible",
        ):
            raise ValueError(
                f"fixture key {key!r}: after 'risk:' comes read, write, financial or irreversible"
            )
    return fixtures


class Turn(_Strict):
    """One turn of a multi-turn script."""

    input: Any
    expect: Expect = Field(default_factory=Expect)


class _Runnable(_Strict):
    id: str
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    roles: list[str] | None = Field(
        default=None, description="who the runs act for (default: the suite's defaults)"
    )
    tenant: str | None = None
    fixtures: dict[str, Fixture] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _check_id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(
                f"id {v!r} must start with a letter or digit and use letters, digits and "
                "_.:@/+- only, at most 200 characters"
            )
        return v

    @field_validator("fixtures")
    @classmethod
    def _fixture_keys(cls, v: dict[str, Fixture]) -> dict[str, Fixture]:
        return _check_fixture_keys(v)

    @field_validator("tags", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _listed(v)


class Case(_Runnable):
    """One input (``input``) or a multi-turn script (``turns``), and its expectations.

    ``reference`` is a known-good answer, shown to an LLM judge with its rubric.
    """

    input: Any = None
    turns: list[Turn] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)
    reference: str | None = None

    @model_validator(mode="after")
    def _one_input(self) -> Case:
        if ("input" in self.model_fields_set) == bool(self.turns):
            raise ValueError("give exactly one of 'input' or 'turns'")
        return self

    def script(self) -> list[Turn]:
        """The turns to play: the script, or one turn of ``input`` (whose expectations
        are the case's own ``expect``)."""
        return list(self.turns) if self.turns else [Turn(input=self.input)]


class Reply(_Strict):
    """What the persona says when the agent's last answer matches ``when`` (``re.search``).

    ``say`` may quote the match: ``\\1`` or ``\\g<name>``.
    """

    when: str
    say: str

    @field_validator("when")
    @classmethod
    def _compile(cls, v: str) -> str:
        return _regex(v)

    @model_validator(mode="after")
    def _groups_exist(self) -> Reply:
        pattern = re.compile(self.when)
        for number, name in _GROUP_REF.findall(self.say):
            ref = number or name
            known = int(ref) <= pattern.groups if ref.isdigit() else ref in pattern.groupindex
            if not known:
                raise ValueError(f"'say' refers to group {ref!r}, which 'when' does not have")
        return self


class Persona(_Strict):
    """A simulated user: a goal, an opening message, how many turns they will give the
    agent, and what they answer to what they read."""

    goal: str
    opening: Any
    patience: int = Field(default=5, ge=1, le=50)
    replies: list[Reply] = Field(default_factory=list)
    satisfied_when: str | None = Field(
        default=None, description="an answer matching this ends the journey: goal reached"
    )
    otherwise: str | None = Field(
        default=None, description="said when no reply matches; unset: the persona gives up"
    )

    @field_validator("satisfied_when")
    @classmethod
    def _compile(cls, v: str | None) -> str | None:
        return None if v is None else _regex(v)


class Journey(_Runnable):
    """A conversation with a scripted persona; ``success`` is checked over all of it."""

    persona: Persona
    success: Expect = Field(default_factory=Expect)


class SuiteDefaults(_Strict):
    roles: list[str] | None = None
    tenant: str | None = None
    fixtures: dict[str, Fixture] = Field(default_factory=dict)

    @field_validator("fixtures")
    @classmethod
    def _fixture_keys(cls, v: dict[str, Fixture]) -> dict[str, Fixture]:
        return _check_fixture_keys(v)


class Suite(_Strict):
    """A suite file. ``tags`` are added to every case; a suite tagged ``adversarial``
    counts towards ``adversarial_block_rate``."""

    name: str | None = Field(default=None, description="default: the file's name without .yaml")
    description: str | None = None
    tags: list[str] = Field(default_factory=list)
    judge_model: str | None = Field(
        default=None, description="model that scores 'judge' rubrics, e.g. openai:gpt-4o-mini"
    )
    defaults: SuiteDefaults = Field(default_factory=SuiteDefaults)
    cases: list[Case] = Field(default_factory=list)
    journeys: list[Journey] = Field(default_factory=list)

    @field_validator("tags", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _listed(v)

    @field_validator("name")
    @classmethod
    def _check_name(cls, v: str | None) -> str | None:
        if v is not None and not _ID.match(v):
            raise ValueError(f"name {v!r} must be letters, digits and _.:@/+- only")
        return v

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        if not self.cases and not self.journeys:
            raise ValueError("a suite needs at least one case or journey")
        seen: set[str] = set()
        for item in [*self.cases, *self.journeys]:
            if item.id in seen:
                raise ValueError(f"two cases or journeys have the id {item.id!r}")
            seen.add(item.id)
        return self
