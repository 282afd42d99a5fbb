"""Models: the ``Model`` seam, its providers, and the wrappers that make them dependable.

* providers — :class:`OpenAIModel` (any OpenAI-compatible endpoint),
  :class:`AnthropicModel`, :class:`RulesModel` (deterministic fallback and offline
  demo), :class:`ScriptedModel` (the test double);
* wrappers — :class:`RetryingModel` (retries and timeouts), :class:`FallbackModel`
  (graceful degradation along a chain), :class:`PricedModel` (cost of each call);
* :func:`build_chain` / :func:`build_model` turn a spec's ``model`` section into one.

Importing this package does not import the provider SDKs; building a provider model does.
"""

from keel.models.anthropic import AnthropicModel
from keel.models.base import (
    Message,
    Model,
    ModelAttempt,
    ModelRequest,
    ModelResponse,
    Role,
    StreamEvent,
    StreamingModel,
    ToolCall,
    ToolDefinition,
    Usage,
    stream_of,
)
from keel.models.factory import build_chain, build_model
from keel.models.fallback import FallbackModel, chain_names
from keel.models.openai import OpenAIModel
from keel.models.pricing import (
    DEFAULT_PRICES,
    DEFAULT_PRICES_AS_OF,
    ModelPrice,
    PricedModel,
    PriceTable,
)
from keel.models.retry import Backoff, RetryingModel
from keel.models.rules import RulesModel, TemplateContext, render_answer, render_text
from keel.models.scripted import ScriptedModel, ScriptFunction, ScriptItem

__all__ = [
    "DEFAULT_PRICES",
    "DEFAULT_PRICES_AS_OF",
    "AnthropicModel",
    "Backoff",
    "FallbackModel",
    "Message",
    "Model",
    "ModelAttempt",
    "ModelPrice",
    "ModelRequest",
    "ModelResponse",
    "OpenAIModel",
    "PriceTable",
    "PricedModel",
    "RetryingModel",
    "Role",
    "RulesModel",
    "ScriptFunction",
    "ScriptItem",
    "ScriptedModel",
    "StreamEvent",
    "StreamingModel",
    "TemplateContext",
    "ToolCall",
    "ToolDefinition",
    "Usage",
    "build_chain",
    "build_model",
    "chain_names",
    "render_answer",
    "render_text",
    "stream_of",
]
