"""Structured output over real sockets: the openai SDK's parse() helpers succeed with no scenario."""

from __future__ import annotations

import enum
import json
from typing import Any

import openai
import pytest
from pydantic import BaseModel
from scenariokit import client_for

from fake_server import FakeServer


class Colour(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    zip_code: int


class Person(BaseModel):
    name: str
    age: int
    tags: list[str]
    address: Address
    favourite: Colour
    nickname: str | None = None


async def test_chat_completions_parse_with_a_pydantic_model(server: FakeServer) -> None:
    """chat.completions.parse gets JSON that Pydantic accepts: str, int, list (one item at least), nested, enum, optional."""
    client = client_for(server)
    completion = await client.chat.completions.parse(
        model="gpt-4o-mini", messages=[{"role": "user", "content": 'Extract: "Ada" is 36.'}], response_format=Person
    )
    person = completion.choices[0].message.parsed
    assert isinstance(person, Person)
    assert person.name == "Ada" and len(person.tags) >= 1 and person.favourite in Colour
    assert completion.choices[0].finish_reason == "stop"


async def test_responses_parse_with_a_pydantic_model(server: FakeServer) -> None:
    """responses.parse gets JSON that Pydantic accepts, and the answer is the same every time."""
    client = client_for(server)
    first = await client.responses.parse(model="gpt-4o-mini", input="Tell me about someone", text_format=Person)
    second = await client.responses.parse(model="gpt-4o-mini", input="Tell me about someone", text_format=Person)
    assert isinstance(first.output_parsed, Person)
    assert first.output_text == second.output_text
    assert first.text is not None and first.text.format is not None and first.text.format.type == "json_schema"


async def test_streamed_chat_json_schema_reassembles_to_valid_json(server: FakeServer) -> None:
    """A streamed chat json_schema answer's content deltas join into JSON that fits the schema."""
    client = client_for(server)
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3}},
        "required": ["items"],
        "additionalProperties": False,
    }
    stream = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "numbers"}],
        response_format={"type": "json_schema", "json_schema": {"name": "numbers", "schema": schema, "strict": True}},
        stream=True,
    )
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert 2 <= len(json.loads(text)["items"]) <= 3


async def test_json_object_answers_an_object_following_a_schema_in_the_prompt(server: FakeServer) -> None:
    """json_object mode answers a JSON object; a schema written in the system message (instructor's JSON mode) is followed."""
    client = client_for(server)
    schema = {"properties": {"city": {"type": "string"}, "population": {"type": "integer"}}, "required": ["city", "population"]}
    completion = await client.chat.completions.create(
        model="m",
        messages=[
            {"role": "system", "content": f"Answer in json matching this json_schema:\n\n{json.dumps(schema)}\n"},
            {"role": "user", "content": "Paris"},
        ],
        response_format={"type": "json_object"},
    )
    answer = json.loads(completion.choices[0].message.content or "")
    assert set(answer) == {"city", "population"} and isinstance(answer["population"], int)
    plain = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], response_format={"type": "json_object"}
    )
    assert json.loads(plain.choices[0].message.content or "") == {"text": "You said: hi"}


@pytest.mark.parametrize(
    ("schema", "words"),
    [
        ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, "'additionalProperties' is required"),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                "required": ["a"],
                "additionalProperties": False,
            },
            "Missing 'b'",
        ),
        (
            {
                "type": "object",
                "properties": {"n": {"type": "integer", "minimum": 5, "maximum": 1}},
                "required": ["n"],
                "additionalProperties": False,
            },
            "no number lies between",
        ),
    ],
)
async def test_a_schema_the_real_api_refuses_gets_its_400(server: FakeServer, schema: dict[str, Any], words: str) -> None:
    """Strict-mode breaches and unsatisfiable schemas get the real 400 'Invalid schema for response_format' on both APIs."""
    client = client_for(server)
    with pytest.raises(openai.BadRequestError) as chat:
        await client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "x"}],
            response_format={"type": "json_schema", "json_schema": {"name": "thing", "schema": schema, "strict": True}},
        )
    assert chat.value.body["message"].startswith("Invalid schema for response_format 'thing': ")  # type: ignore[index]
    assert words in chat.value.body["message"] and chat.value.body["param"] == "response_format"  # type: ignore[index]
    with pytest.raises(openai.BadRequestError) as responses:
        await client.responses.create(
            model="m", input="x", text={"format": {"type": "json_schema", "name": "thing", "schema": schema, "strict": True}}
        )
    assert responses.value.code == "invalid_json_schema" and responses.value.param == "text.format.schema"


async def test_tool_arguments_fill_optional_fields_and_arrays(server: FakeServer) -> None:
    """A forced tool call's placeholder arguments fill optional fields and give arrays an item, valid against the schema."""
    client = client_for(server)
    params = {
        "type": "object",
        "properties": {
            "query": {"type": "string"},
            "filters": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}}}},
            "limit": {"type": "integer", "minimum": 10},
        },
        "required": ["query"],
    }
    reply = await client.responses.create(
        model="m",
        input='search for "cats"',
        tools=[{"type": "function", "name": "search", "parameters": params, "strict": False}],
        tool_choice="required",
    )
    call = reply.output[0]
    assert call.type == "function_call"
    assert json.loads(call.arguments) == {"query": "cats", "filters": [{"field": "example"}], "limit": 10}


async def test_a_schema_the_generator_cannot_answer_fails_loudly(server: FakeServer) -> None:
    """A satisfiable schema beyond the generator (a back-reference pattern) is a 400 saying so and how to script it."""
    schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^(x)\\1$"}}, "required": ["a"]}
    with pytest.raises(openai.BadRequestError) as caught:
        await client_for(server).responses.create(
            model="m", input="x", text={"format": {"type": "json_schema", "name": "echo", "schema": schema}}
        )
    assert caught.value.code == "unsupported_schema" and "back-reference" in caught.value.message
    assert "scenario" in caught.value.message
