"""``Agent``: a spec bound to its model chain and tools — the unit an engine runs.

Build one from a YAML spec with ``Agent.from_spec(load_spec(path), ...)`` or in code
with ``Agent.define(...)``. An agent is immutable; its schemas are compiled once
here, not per run.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from jsonschema import Draft202012Validator
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for

from keel.governance.content import ContentRules
from keel.governance.governor import Governor
from keel.governance.injection import Canary
from keel.governance.pii import PiiGuard, Tokenizer
from keel.governance.policy import (
    EmbeddedPolicyEngine,
    ModelCandidate,
    OpaPolicyEngine,
    PolicyBundle,
    PolicyEngine,
)
from keel.models.base import Model, ToolDefinition
from keel.models.factory import build_chain
from keel.models.pricing import PriceTable
from keel.spec.loader import LoadedSpec
from keel.spec.model import EscalationSpec, Limits, StreamMode
from keel.tools import Tool, ToolSet, as_tool


def _validator(schema: Mapping[str, Any] | None) -> Validator | None:
    # The dialect the schema declares ($schema), as at load time; 2020-12 otherwise.
    if schema is None:
        return None
    cls = validator_for(schema, default=Draft202012Validator)
    return cls(dict(schema), format_checker=cls.FORMAT_CHECKER)


@dataclass(frozen=True, slots=True, kw_only=True)
class Agent:
    """Everything the loop needs to run one agent version."""

    name: str
    version: str
    content_hash: str
    model: Model
    tools: ToolSet
    instructions: str = ""
    prompt_version: str = "1"
    limits: Limits = field(default_factory=Limits)
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    input_max_bytes: int = 32_768
    output_max_bytes: int = 32_768
    # Extra per-request parameters; the spec's model parameters are applied by the
    # model chain itself (chain-wide defaults, then each model's own).
    parameters: Mapping[str, Any] = field(default_factory=dict)
    spec_path: str | None = None
    governor: Governor | None = None
    # When runs go to a person (spec.escalation; keel.hitl); None: never.
    escalation: EscalationSpec | None = None
    # How the answer leaves (spec.output.stream): whole after output governance, or as
    # the model writes it, through the streaming guard (keel.loop.stream).
    stream: StreamMode = "final"
    tool_definitions: tuple[ToolDefinition, ...] = field(init=False)
    input_validator: Validator | None = field(init=False)
    output_validator: Validator | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tool_definitions", self.tools.definitions())
        object.__setattr__(self, "input_validator", _validator(self.input_schema))
        object.__setattr__(self, "output_validator", _validator(self.output_schema))

    @property
    def ref(self) -> str:
        """``name@version+hash`` — how responses and logs name this exact agent."""
        return f"{self.name}@{self.version}+{self.content_hash.removeprefix('sha256:')[:12]}"

    @classmethod
    def from_spec(
        cls,
        loaded: LoadedSpec,
        *,
        credentials: Mapping[str, str] | None = None,
        prices: PriceTable | None = None,
        model: Model | None = None,
        pii_hash_key: bytes | None = None,
        pii_tokenizer: Tokenizer | None = None,
    ) -> Agent:
        """Bind a loaded spec to its model chain, tools and governance.

        ``credentials`` maps environment-variable names to values (the CLI or API
        passes the process environment); ``model`` replaces the spec's chain, which
        tests and evaluations use to run a spec on a scripted model.
        ``pii_hash_key`` keys the PII pseudonyms (stable across processes when the
        edge passes a persistent key; a random per-process key otherwise).
        ``pii_tokenizer`` issues and keeps the PII tokens (``keel.host`` passes one over
        the store's encrypted vault); a fresh in-memory one otherwise.
        Raises ``UserError`` when the governance settings cannot be built.
        """
        spec = loaded.spec.spec
        settings = {t.name or t.ref.partition(":")[2]: t.settings for t in spec.tools}
        # The loader checked that each object is callable or a tool object.
        tools = ToolSet(
            [
                as_tool(cast(Tool, obj), name=name, settings=settings.get(name))
                for name, obj in loaded.tool_objects.items()
            ]
        )
        chain = model or build_chain(
            spec.model, credentials=credentials or {}, prices=prices or PriceTable.default()
        )
        return cls(
            name=loaded.name,
            version=loaded.version,
            content_hash=loaded.content_hash,
            prompt_version=loaded.prompt_version,
            instructions=loaded.instructions,
            model=chain,
            tools=tools,
            limits=spec.limits,
            input_schema=spec.input.json_schema,
            output_schema=spec.output.json_schema,
            input_max_bytes=spec.input.max_bytes,
            output_max_bytes=spec.output.max_bytes,
            spec_path=str(loaded.path),
            governor=_governor(
                loaded, pii_hash_key or secrets.token_bytes(32), tokenizer=pii_tokenizer
            ),
            escalation=spec.escalation,
            stream=spec.output.stream,
        )

    @classmethod
    def define(
        cls,
        name: str,
        *,
        model: Model,
        tools: Iterable[Tool | Callable[..., Any]] = (),
        instructions: str = "",
        version: str = "0.0.0",
        limits: Limits | None = None,
        output_schema: dict[str, Any] | None = None,
        input_schema: dict[str, Any] | None = None,
        governor: Governor | None = None,
        escalation: EscalationSpec | None = None,
        stream: StreamMode = "final",
    ) -> Agent:
        """An agent declared in code; its hash covers the instructions and tool contracts.

        Governance is opt-in here (``governor``); agents from specs always have it.
        """
        toolset = ToolSet([as_tool(t) for t in tools])
        digest = hashlib.sha256()
        canonical = {
            "name": name,
            "version": version,
            "instructions": instructions,
            "model": model.name,
            "tools": [
                {"name": d.name, "description": d.description, "parameters": d.parameters}
                for d in toolset.definitions()
            ],
            "output_schema": output_schema,
            "input_schema": input_schema,
        }
        if escalation is not None:
            canonical["escalation"] = escalation.model_dump(mode="json")
        if stream != "final":
            canonical["stream"] = stream
        digest.update(json.dumps(canonical, sort_keys=True).encode())
        return cls(
            name=name,
            version=version,
            content_hash="sha256:" + digest.hexdigest(),
            model=model,
            tools=toolset,
            instructions=instructions,
            limits=limits or Limits(),
            output_schema=output_schema,
            input_schema=input_schema,
            governor=governor,
            escalation=escalation,
            stream=stream,
        )


def _governor(
    loaded: LoadedSpec, hash_key: bytes, *, tokenizer: Tokenizer | None = None
) -> Governor:
    """The governance a spec declares: its policies (the shipped pack by default), its
    PII classification, injection policy and content rules."""
    body = loaded.spec.spec
    policies, guards = body.policies, body.guards
    engine: PolicyEngine
    if policies.engine == "opa":
        assert policies.url is not None  # the spec model requires it for 'opa'
        bundle_hash = None
        if policies.bundle is not None:
            bundle_hash = PolicyBundle.load(loaded.base_dir / policies.bundle).hash
        engine = OpaPolicyEngine(
            policies.url,
            package=policies.package,
            timeout_s=policies.timeout_s,
            policy_hash=bundle_hash,
        )
    else:
        bundle = None if policies.bundle is None else loaded.base_dir / policies.bundle
        engine = EmbeddedPolicyEngine(
            bundle, data=policies.data, package=policies.package, timeout_s=policies.timeout_s
        )
    models = [body.model.primary, *body.model.fallbacks]
    return Governor(
        policy=engine,
        pii=PiiGuard(guards.pii, hash_key=hash_key, tokenizer=tokenizer),
        injection=guards.injection,
        content=ContentRules.from_mapping(guards.content, include_defaults=True),
        models=[ModelCandidate(m.id, tuple(m.tags)) for m in models],
        canary=Canary.new(loaded.content_hash) if guards.canary else None,
        fence_tool_results=guards.fence_tool_results,
        tool_pii_access={
            t.name or t.ref.partition(":")[2]: frozenset(t.settings.pii_access)
            for t in body.tools
            if t.settings.pii_access
        },
    )
