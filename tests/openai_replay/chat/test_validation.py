"""Chat request validation agrees with the OpenAPI spec and names the first problem's param."""

from __future__ import annotations

from typing import Any

import pytest
from fuzzkit import PROFILE, json_values
from hypothesis import given, settings
from testkit import spec

from openai_replay.chat.fidelity import REQUEST, check_request
from openai_replay.chat.validation import CHAT_FIELDS, validate_chat

TOOL = {"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}
CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
GOOD: list[dict[str, Any]] = [
    {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    {
        "model": "m",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    },
    {
        "model": "m",
        "messages": [{"role": "developer", "content": "x"}, {"role": "user", "content": "hi"}],
        "stream": True,
        "stream_options": {"include_usage": True},
        "temperature": 0.2,
        "max_completion_tokens": 50,
    },
    {
        "model": "m",
        "tools": [TOOL],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": None, "tool_calls": [CALL]},
            {"role": "tool", "tool_call_id": "call_1", "content": "ok"},
        ],
    },
]
BAD: list[tuple[dict[str, Any], str | None]] = [
    ({"model": "m"}, "messages"),
    ({"model": "m", "messages": "hi"}, "messages"),
    ({"model": "m", "messages": [{"content": "x"}]}, "messages[0].role"),
    ({"model": "m", "messages": [{"role": "bot", "content": "x"}]}, "messages[0].role"),
    ({"model": "m", "messages": [{"role": "user"}]}, "messages[0].content"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "temperature": 3}, "temperature"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "n": "2"}, "n"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]}, "tools[0].function"),
    (
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "fn", "function": {"name": "f"}}]},
        "tools[0].type",
    ),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "tool_choice": "sometimes", "tools": [TOOL]}, "tool_choice"),
    # Issue 21 item 11: accepted with a 200 before.
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": 5}, "stop"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a", 1]}, "stop[1]"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]}, "stop"),
    (
        {
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "stream": True,
            "stream_options": {"include_usage": "yes"},
        },
        "stream_options.include_usage",
    ),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "logit_bias": {"50256": "a lot"}}, "logit_bias.50256"),
    ({"model": "m", "messages": [{"role": "user", "content": "x"}], "logit_bias": [1, 2]}, "logit_bias"),
]


def _properties(schemas: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        return _properties(schemas, schemas[schema["$ref"].rsplit("/", 1)[-1]])
    found = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found |= _properties(schemas, part)
    return found


def test_known_fields_are_the_spec_properties() -> None:
    """CHAT_FIELDS is exactly the set of CreateChatCompletionRequest properties (through every allOf)."""
    schemas = spec().spec["components"]["schemas"]
    assert _properties(schemas, schemas[REQUEST]) == CHAT_FIELDS


@pytest.mark.parametrize("payload", GOOD)
def test_valid_payloads_pass_both(payload: dict[str, Any]) -> None:
    """What the spec accepts, the fake server accepts."""
    assert check_request(spec(), payload) == [] and validate_chat(payload) is None


@pytest.mark.parametrize(("payload", "param"), BAD)
def test_invalid_payloads_fail_both(payload: dict[str, Any], param: str | None) -> None:
    """What the spec refuses, the fake server refuses with a 400 naming the param."""
    assert check_request(spec(), payload), "the spec accepts this payload; the corpus is wrong"
    problem = validate_chat(payload)
    assert problem is not None and problem.status == 400 and problem.param == param


def test_tool_calls_must_be_answered_before_the_next_turn() -> None:
    """An assistant tool_calls message followed by a user message without tool answers is the real 400."""
    problem = validate_chat(
        {
            "model": "m",
            "messages": [
                {"role": "user", "content": "x"},
                {"role": "assistant", "tool_calls": [CALL]},
                {"role": "user", "content": "y"},
            ],
        }
    )
    assert problem is not None and "did not have response messages: call_1" in problem.message
    assert problem.param == "messages.[1].role"


def test_stream_options_need_stream_and_tool_choice_needs_tools() -> None:
    """stream_options without stream, and tool_choice 'required' without tools, are refused as the real API does."""
    base = {"model": "m", "messages": [{"role": "user", "content": "x"}]}
    assert (validate_chat({**base, "stream_options": {"include_usage": True}}) or pytest.fail()).param == "stream_options"
    assert (validate_chat({**base, "tool_choice": "required"}) or pytest.fail()).param == "tool_choice"
    unknown = validate_chat({**base, "tools": [TOOL], "tool_choice": {"type": "function", "function": {"name": "g"}}})
    assert unknown is not None and "does not match any of the specified tools" in unknown.message


@pytest.mark.parametrize(
    ("bias", "param", "says"),
    [
        ({"hello": 1}, "logit_bias", "Invalid key in 'logit_bias': hello. You should only be submitting non-negative integers."),
        ({"-5": 1}, "logit_bias", "Invalid key in 'logit_bias': -5."),
        ({"5": 101}, "logit_bias.5", "Expected a value <= 100, but got 101 instead."),
        ({"5": -100.5}, "logit_bias.5", "Expected a value >= -100, but got -100.5 instead."),
    ],
)
def test_junk_logit_bias_is_refused(bias: dict[str, Any], param: str, says: str) -> None:
    """Issue 21 item 11: token ids that are not numbers and biases outside -100..100 (which the spec's types allow) get a 400."""
    problem = validate_chat({"model": "m", "messages": [{"role": "user", "content": "x"}], "logit_bias": bias})
    assert problem is not None and problem.status == 400 and problem.param == param and says in problem.message
    fine = validate_chat({"model": "m", "messages": [{"role": "user", "content": "x"}], "logit_bias": {"50256": -100, "7": 2.5}})
    assert fine is None


@settings(PROFILE)
@given(stop=json_values, bias=json_values, options=json_values)
def test_fuzzed_stop_bias_and_stream_options_never_pass_what_the_spec_refuses(stop: Any, bias: Any, options: Any) -> None:
    """Issue 21 item 11: any stop / logit_bias / stream_options: no crash, and what the spec refuses gets a 400 with a param."""
    for field, value in (("stop", stop), ("logit_bias", bias), ("stream_options", options)):
        if value is None:  # null is "not given" to the server (the spec's nullability aside)
            continue
        payload = {"model": "m", "messages": [{"role": "user", "content": "x"}], "stream": True, field: value}
        problem = validate_chat(payload)
        if check_request(spec(), payload):
            assert problem is not None and problem.status == 400 and (problem.param or "").startswith(field), (payload, problem)
