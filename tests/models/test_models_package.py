"""The package as a whole: the facade, the protocol, lazy SDK imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

import keel.models
from keel.errors import ModelUnavailable
from keel.models import (
    AnthropicModel,
    FallbackModel,
    Message,
    Model,
    ModelRequest,
    OpenAIModel,
    PricedModel,
    PriceTable,
    RetryingModel,
    RulesModel,
    ScriptedModel,
)
from keel.spec.model import RulesConfig


def test_every_model_and_wrapper_is_a_model() -> None:
    scripted = ScriptedModel(["x"])
    models: list[object] = [
        OpenAIModel("gpt-4o", api_key="k"),
        AnthropicModel("claude-haiku-4-5", api_key="k"),
        RulesModel(RulesConfig()),
        scripted,
        RetryingModel(scripted),
        FallbackModel([scripted]),
        PricedModel(scripted, PriceTable()),
    ]
    assert all(isinstance(m, Model) for m in models)


def test_facade_exports_what_it_lists() -> None:
    assert all(hasattr(keel.models, name) for name in keel.models.__all__)


def test_importing_the_package_does_not_import_the_sdks() -> None:
    code = (
        "import sys, keel.models; "
        "loaded = [m for m in ('openai', 'anthropic', 'keel.spec') if m in sys.modules]; "
        "print(','.join(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize(
    ("model", "extra"),
    [
        (OpenAIModel("gpt-4o", api_key="k"), "keel[openai]"),
        (AnthropicModel("claude-haiku-4-5", api_key="k"), "keel[anthropic]"),
    ],
)
async def test_a_missing_sdk_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, model: OpenAIModel | AnthropicModel, extra: str
) -> None:
    # A None entry in sys.modules makes the import fail, as if the SDK were absent.
    monkeypatch.setitem(sys.modules, "openai", None)
    monkeypatch.setitem(sys.modules, "anthropic", None)
    with pytest.raises(ModelUnavailable, match=r"install keel\[") as caught:
        await model.request(ModelRequest((Message("user", "hi"),)))
    assert not caught.value.retryable
    assert caught.value.details["extra"] == extra
