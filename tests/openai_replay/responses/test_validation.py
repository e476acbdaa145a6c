"""Payload validation agrees with the CreateResponse schema of OpenAI's OpenAPI spec."""

from __future__ import annotations

from typing import Any

import pytest
from testkit import spec

from openai_replay.responses.validation import CREATE_RESPONSE_FIELDS, validate_create


def oas_properties(name: str) -> set[str]:
    schemas = spec().spec["components"]["schemas"]
    schema = schemas[name]
    props = set(schema.get("properties", {}))
    for sub in schema.get("allOf", []) + schema.get("anyOf", []):
        if "$ref" in sub:
            props |= oas_properties(sub["$ref"].rsplit("/", 1)[-1])
        props |= set(sub.get("properties", {}))
    return props


def test_known_fields_are_exactly_the_spec_fields() -> None:
    """The accepted field list equals CreateResponse's properties (so new spec fields show up as a failure)."""
    assert set(CREATE_RESPONSE_FIELDS) == oas_properties("CreateResponse")


VALID: list[dict[str, Any]] = [
    {"model": "gpt-4o", "input": "hi"},
    {"model": "gpt-4o", "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]}]},
    {
        "model": "gpt-4o",
        "input": [{"type": "function_call_output", "call_id": "call_1", "output": "ok"}],
        "previous_response_id": "resp_1",
    },
    {"model": "gpt-4o", "temperature": 0, "top_p": 1, "max_output_tokens": 16, "store": False, "stream": True},
    {
        "model": "gpt-4o",
        "tools": [{"type": "function", "name": "f", "parameters": {"type": "object"}, "strict": True}],
        "tool_choice": "auto",
        "parallel_tool_calls": False,
        "metadata": {"k": "v"},
        "truncation": "auto",
    },
]
INVALID: list[dict[str, Any]] = [
    {"model": "gpt-4o", "temperature": 2.5},
    {"model": "gpt-4o", "temperature": -0.1},
    {"model": "gpt-4o", "top_p": 1.5},
    {"model": "gpt-4o", "max_output_tokens": 3},
    {"model": "gpt-4o", "store": "yes"},
    {"model": "gpt-4o", "input": 5},
    {"model": "gpt-4o", "truncation": "sometimes"},
    {"model": "gpt-4o", "tools": "none"},
    {"model": "gpt-4o", "top_logprobs": 50},
]


@pytest.mark.parametrize("payload", VALID)
def test_spec_valid_payloads_are_accepted(payload: dict[str, Any]) -> None:
    """Payloads the spec accepts pass our validation too."""
    assert spec().check_create_request(payload) == []
    assert validate_create(payload, websocket=False) is None
    assert validate_create({"type": "response.create", **payload}, websocket=True) is None


@pytest.mark.parametrize("payload", INVALID)
def test_spec_invalid_payloads_are_rejected_with_a_param(payload: dict[str, Any]) -> None:
    """Payloads the spec rejects get a 400 naming the offending parameter."""
    assert spec().check_create_request(payload) != []
    error = validate_create(payload, websocket=False)
    assert error is not None and error.status == 400 and error.param in payload


def test_first_problem_wins_with_real_messages() -> None:
    """Messages follow the real API's wording."""
    assert validate_create({"input": "x"}, websocket=False).message == "Missing required parameter: 'model'."  # type: ignore[union-attr]
    assert validate_create({"model": "m", "foo": 1}, websocket=False).message == "Unknown parameter: 'foo'."  # type: ignore[union-attr]
    err = validate_create({"model": "m", "temperature": -1}, websocket=False)
    assert err is not None and err.message == (
        "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead."
    )


def test_websocket_only_fields_are_rejected_over_http() -> None:
    """generate and stream_id are WebSocket-only: over HTTP they are unknown parameters."""
    assert validate_create({"model": "m", "generate": False}, websocket=False).code == "unknown_parameter"  # type: ignore[union-attr]
    assert validate_create({"model": "m", "generate": False}, websocket=True) is None
