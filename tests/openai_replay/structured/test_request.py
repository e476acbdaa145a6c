"""Structured-output requests: any format a client sends is refused with a 400 or answered with JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fuzzkit import PROFILE, json_values
from hypothesis import given, settings
from hypothesis import strategies as st
from schemakit import json_schemas

from openai_replay.structured import format_problem, prompted_reply, requested_format, structured_reply, tool_arguments
from openai_replay.structured.generate import NoValue

schemas = st.one_of(
    json_schemas(), json_values, st.dictionaries(st.sampled_from(["type", "enum", "minItems", "$ref", "pattern"]), json_values)
)
formats = st.fixed_dictionaries(
    {"type": st.sampled_from(["json_schema", "json_object", "text"]) | json_values},
    optional={
        "name": st.sampled_from(["answer", "bad name!"]) | json_values,
        "schema": schemas,
        "strict": st.booleans() | json_values,
    },
)


@settings(PROFILE)
@given(formats)
def test_any_format_is_refused_or_answered(fmt: dict[str, Any]) -> None:
    """Responses text.format and chat response_format alike: a 4xx with a message, or JSON text."""
    for api, payload in (("responses", {"text": {"format": fmt}}), ("chat", {"response_format": _chat(fmt)})):
        problem = format_problem(payload, api)  # type: ignore[arg-type]
        if problem is not None:
            assert 400 <= problem.status < 500 and problem.message
            continue
        wanted = requested_format(payload, api)  # type: ignore[arg-type]
        if wanted is None:
            continue
        try:
            json.loads(structured_reply(wanted, [], "hi", "You said: hi"))
        except NoValue as exc:
            assert str(exc)  # the simulated model turns this into its loud 400


@settings(PROFILE)
@given(schemas)
def test_tool_arguments_are_always_a_json_object(params: Any) -> None:
    """Whatever a tool's parameters say, the placeholder arguments are a JSON object (``{}`` at worst)."""
    assert isinstance(json.loads(tool_arguments({"name": "f", "parameters": params}, "x")), dict)


def test_hostile_schemas_cost_nothing() -> None:
    """Huge counts, deep nesting and exploding patterns are refused quickly instead of built."""
    deep: dict[str, Any] = {"type": "string"}
    for _ in range(3000):
        deep = {"anyOf": [deep]}
    huge = [
        {"type": "array", "minItems": 10**9},
        {"type": "string", "minLength": 10**9},
        {"type": "object", "minProperties": 10**9},
        {"type": "string", "pattern": "((((a{60}){60}){60}){60})"},
    ]
    for schema in huge:  # satisfiable in principle: the simulated model's loud 400 says why it will not answer
        with pytest.raises(NoValue, match=r"more than|longer than"):
            structured_reply({"type": "json_schema", "schema": schema}, [], None, "")
        assert json.loads(tool_arguments({"parameters": schema}, None)) == {}
    refused = format_problem({"text": {"format": {"type": "json_schema", "name": "x", "schema": deep}}}, "responses")
    assert refused is not None and "nests too deeply" in refused.message


def _chat(fmt: dict[str, Any]) -> Any:
    if fmt.get("type") != "json_schema":
        return fmt
    return {"type": "json_schema", "json_schema": {k: v for k, v in fmt.items() if k != "type"}}


SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name", "age"]}


def test_prompted_json_code_block() -> None:
    """A prompt asking for a ```json block and carrying a schema gets that schema's JSON in the block."""
    context = [
        {"role": "system", "content": f"Answer with this schema: {json.dumps(SCHEMA)}"},
        {"role": "user", "content": 'Extract "Ada". Return the JSON within a ```json codeblock.'},
    ]
    reply = prompted_reply(context, 'Extract "Ada". Return the JSON within a ```json codeblock.')
    assert reply is not None and reply.startswith("```json\n") and reply.endswith("\n```")
    assert json.loads(reply[len("```json") : -3]) == {"name": "Ada", "age": 1}


@settings(PROFILE)
@given(st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "system"]), "content": st.text()}), max_size=4))
def test_no_fence_no_prompted_reply(context: list[dict[str, Any]]) -> None:
    """Without ```json in the conversation (or without a schema) there is no prompted reply, whatever the text."""
    reply = prompted_reply(context, None)
    assert reply is None or reply.startswith("```json")
    if not any("```json" in m["content"] for m in context):
        assert reply is None
