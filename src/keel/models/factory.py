"""Building models from a spec: ``build_model`` for one ``ModelRef``, ``build_chain``
for a spec's whole ``model`` section.

A chain is ``FallbackModel([primary, *fallbacks])`` where each provider model is
wrapped as ``RetryingModel(PricedModel(provider))``: every response has a cost,
every attempt is bounded by the ref's ``timeout_s`` and retried up to its
``max_retries``, and only then does the chain move on. The local models (rules,
scripted) are used bare: they cannot time out or fail transiently.

Nothing here reads the environment. ``credentials`` maps variable names to values
(the CLI and the API pass the process environment); a provider's key is
``credentials[ref.api_key_env]`` or, by default, ``OPENAI_API_KEY`` /
``ANTHROPIC_API_KEY``, and its endpoint ``ref.base_url`` or ``OPENAI_BASE_URL`` /
``ANTHROPIC_BASE_URL``. A missing key is not an error here: that model raises a
non-retryable ``ModelUnavailable`` when called, so the chain falls through to the
next model at once. Likewise a provider SDK that is not installed (the
``keel[openai]`` and ``keel[anthropic]`` extras) is a ``ModelUnavailable`` at call
time that names the extra to install.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keel.errors import UserError
from keel.models.anthropic import AnthropicModel
from keel.models.base import Model
from keel.models.fallback import FallbackModel
from keel.models.openai import OpenAIModel
from keel.models.pricing import PricedModel, PriceTable
from keel.models.retry import Backoff, RetryingModel
from keel.models.rules import RulesModel

if TYPE_CHECKING:
    # Annotations only, so importing keel.models never imports the spec package.
    from keel.spec.model import ModelRef, ModelSpec, RulesConfig

_KEY_VARIABLE = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
_URL_VARIABLE = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}


def build_model(
    ref: ModelRef,
    *,
    credentials: Mapping[str, str],
    defaults: Mapping[str, Any] | None = None,
    rules: RulesConfig | None = None,
    prices: PriceTable | None = None,
    timeout_s: float | None = None,
    backoff: Backoff | None = None,
    overrides: Mapping[str, Model] | None = None,
) -> Model:
    """One model of a chain, ready to call.

    ``defaults`` are parameters that ``ref.parameters`` override. ``timeout_s``,
    when given, caps ``ref.timeout_s`` (e.g. to the time left in a run).
    ``overrides`` maps a model id (``provider:name``) to a ready model used as is:
    the way to put a :class:`~keel.models.ScriptedModel` behind a spec that names
    ``scripted:<name>``. ``prices`` defaults to the shipped table.

    Raises ``UserError`` for a rules model without ``rules`` and for a scripted
    model with no override (a script cannot come from YAML).
    """
    if overrides is not None and ref.id in overrides:
        return overrides[ref.id]
    if ref.provider == "rules":
        if rules is None:
            raise UserError(f"model {ref.id!r} needs 'model.rules' in the spec")
        return RulesModel(rules, name=ref.name)
    if ref.provider == "scripted":
        raise UserError(f"model {ref.id!r} is scripted: pass a ScriptedModel for it in 'overrides'")
    parameters = {**(defaults or {}), **ref.parameters}
    limit = ref.timeout_s if timeout_s is None else min(ref.timeout_s, timeout_s)
    key_variable = ref.api_key_env or _KEY_VARIABLE[ref.provider]
    api_key = credentials.get(key_variable) or None
    base_url = ref.base_url or credentials.get(_URL_VARIABLE[ref.provider]) or None
    provider: Model
    if ref.provider == "openai":
        provider = OpenAIModel(
            ref.name,
            api_key=api_key,
            base_url=base_url,
            parameters=parameters,
            timeout_s=limit,
            key_source=key_variable,
        )
    else:
        provider = AnthropicModel(
            ref.name,
            api_key=api_key,
            base_url=base_url,
            parameters=parameters,
            timeout_s=limit,
            key_source=key_variable,
        )
    wait = backoff or Backoff()
    return RetryingModel(
        PricedModel(provider, prices or PriceTable()),
        max_retries=ref.max_retries,
        initial_backoff_s=wait.initial_s,
        max_backoff_s=wait.max_s,
        max_retry_after_s=wait.max_retry_after_s,
        timeout_s=limit,
    )


def build_chain(
    spec: ModelSpec,
    *,
    credentials: Mapping[str, str],
    prices: PriceTable | None = None,
    timeout_s: float | None = None,
    backoff: Backoff | None = None,
    overrides: Mapping[str, Model] | None = None,
) -> FallbackModel:
    """The spec's primary model and its fallbacks, in order, as one model.

    Each model's parameters are ``spec.parameters`` overridden by its own. The
    other arguments are passed to :func:`build_model` for every model.
    """
    table = prices or PriceTable()
    return FallbackModel(
        [
            build_model(
                ref,
                credentials=credentials,
                defaults=spec.parameters,
                rules=spec.rules,
                prices=table,
                timeout_s=timeout_s,
                backoff=backoff,
                overrides=overrides,
            )
            for ref in [spec.primary, *spec.fallbacks]
        ]
    )
