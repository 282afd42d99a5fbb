"""RulesModel: intents, tool calls, templates, JSON answers and the default."""

from __future__ import annotations

import json

from keel.models import Message, ModelRequest, RulesModel, ToolCall, ToolDefinition
from keel.models.rules import TemplateContext, render_text, render_value
from keel.spec.model import RulesConfig

CONFIG = RulesConfig.model_validate(
    {
        "intents": [
            {
                "intent": "order_status",
                "patterns": [r"\border\b", r"where is my"],
                "calls": [{"tool": "lookup_order", "args": {"query": "{input}", "limit": 3}}],
                "answer": "Order {results.lookup_order.order.id} is "
                "{results.lookup_order.order.status}.",
            },
            {
                "intent": "refund",
                "patterns": ["refund"],
                "answer": {
                    "intent": "{intent}",
                    "message": "Refunds take 5 days. You said: {input}",
                    "steps": ["open {{account}}", "{missing.placeholder}"],
                    "first_item": "{results.lookup_order.items.0}",
                },
            },
            {"intent": "greeting", "patterns": ["^hello"], "answer": "Hi! ({intent})"},
        ],
        "default": "Sorry, a human will help with: {input}",
    }
)
LOOKUP = ToolDefinition("lookup_order", "Look up an order.", {"type": "object"})


def request(*messages: Message, tools: tuple[ToolDefinition, ...] = (LOOKUP,)) -> ModelRequest:
    return ModelRequest((Message("system", "instructions"), *messages), tools=tools)


async def test_matching_intent_with_available_tool_calls_it() -> None:
    model = RulesModel(CONFIG)
    response = await model.request(request(Message("user", "Where is my ORDER?")))

    assert model.name == "rules:default"
    assert response.model == "rules:default"
    assert response.finish_reason == "tool_calls"
    assert response.message.tool_calls == (
        ToolCall("rules-1", "lookup_order", {"query": "Where is my ORDER?", "limit": 3}),
    )
    assert response.cost_usd == 0.0
    assert response.usage.input_tokens > 0
    assert response.usage.output_tokens > 0


async def test_after_tool_results_it_answers_from_them() -> None:
    model = RulesModel(CONFIG)
    user = Message("user", "where is my order")
    first = await model.request(request(user))
    result = json.dumps({"order": {"id": "A-7", "status": "shipped"}})
    second = await model.request(
        request(user, first.message, Message("tool", result, tool_call_id="rules-1"))
    )
    assert second.message == Message("assistant", "Order A-7 is shipped.")
    assert second.finish_reason == "stop"


async def test_tool_call_ids_are_unique_across_the_conversation() -> None:
    model = RulesModel(CONFIG)
    earlier = Message("assistant", tool_calls=(ToolCall("x", "lookup_order", {}),))
    response = await model.request(
        request(
            Message("user", "hello"),
            earlier,
            Message("tool", "{}", tool_call_id="x"),
            Message("assistant", "ok"),
            Message("user", "my order?"),
        )
    )
    assert response.message.tool_calls[0].id == "rules-2"


async def test_tools_not_offered_means_a_direct_answer() -> None:
    model = RulesModel(CONFIG)
    response = await model.request(request(Message("user", "order?"), tools=()))
    assert response.message.tool_calls == ()
    # Unknown result fields render as empty text.
    assert response.message.content == "Order  is ."


async def test_first_matching_rule_wins_case_insensitively() -> None:
    model = RulesModel(CONFIG, name="support")
    response = await model.request(request(Message("user", "HELLO there")))
    assert response.message.content == "Hi! (greeting)"
    assert response.model == "rules:support"
    both = await model.request(request(Message("user", "a refund for my order")))
    assert both.message.tool_calls[0].name == "lookup_order"


async def test_mapping_answer_is_json_rendered_field_by_field() -> None:
    model = RulesModel(CONFIG)
    tool_result = Message("tool", '{"items": [{"sku": "X1", "qty": 2}]}', name="lookup_order")
    response = await model.request(request(Message("user", "I need a refund please"), tool_result))
    assert json.loads(response.message.content) == {
        "intent": "refund",
        "message": "Refunds take 5 days. You said: I need a refund please",
        "steps": ["open {account}", ""],
        # A lone placeholder keeps the JSON type of the value it names.
        "first_item": {"sku": "X1", "qty": 2},
    }


async def test_no_match_uses_the_default() -> None:
    model = RulesModel(CONFIG)
    response = await model.request(request(Message("user", "tell me a joke")))
    assert response.message.content == "Sorry, a human will help with: tell me a joke"


async def test_default_can_be_json_and_no_user_message_is_fine() -> None:
    config = RulesConfig(default={"status": "escalated", "echo": "{input}"})
    response = await RulesModel(config).request(ModelRequest((Message("system", "s"),)))
    assert json.loads(response.message.content) == {"status": "escalated", "echo": ""}


async def test_stream_yields_the_text_then_done() -> None:
    events = [e async for e in RulesModel(CONFIG).stream(request(Message("user", "hello")))]
    assert [e.kind for e in events] == ["text", "done"]
    assert events[0].text == "Hi! (greeting)"


def test_renderer_is_not_str_format() -> None:
    context = TemplateContext("hi", "x", {"t": '{"a": [10, 20], "b": true, "c": null}'})
    assert render_text("{input.__class__}{input.upper}", context) == ""
    assert render_text("{0}{ input }{__import__}", context) == "{0}{ input }"
    assert render_text("{results.t.a.1}|{results.t.a.-1}|{results.t.a.9}", context) == "20|20|"
    assert render_text("{results.t.b}/{results.t.c}/{results.nope}", context) == "true//"
    assert render_text("{results.t.a}", context) == "[10, 20]"
    assert render_value({"n": "{results.t.a.0}", "s": "n={results.t.a.0}"}, context) == {
        "n": 10,
        "s": "n=10",
    }


def test_results_that_are_not_json_are_only_usable_whole() -> None:
    context = TemplateContext("hi", results={"t": "plain text"})
    assert render_text("[{results.t}] [{results.t.field}]", context) == "[plain text] []"


async def test_named_groups_of_the_matching_pattern_fill_match_placeholders() -> None:
    config = RulesConfig.model_validate(
        {
            "intents": [
                {
                    "intent": "reset",
                    "patterns": [r"reset (?:the )?password for (?P<user>[a-z0-9]+)"],
                    "calls": [{"tool": "lookup_order", "args": {"query": "{match.user}"}}],
                    "answer": "reset {match.user} ({match.unknown})",
                }
            ]
        }
    )
    model = RulesModel(config)
    user = Message("user", "Please reset the password for jdoe now")
    first = await model.request(request(user))
    assert first.message.tool_calls == (ToolCall("rules-1", "lookup_order", {"query": "jdoe"}),)
    result = Message("tool", "{}", tool_call_id="rules-1", name="lookup_order")
    second = await model.request(request(user, first.message, result))
    assert second.message.content == "reset jdoe ()"
