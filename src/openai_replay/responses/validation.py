"""Validation of ``response.create`` / ``POST /v1/responses`` payloads, with real-looking errors.

The rules follow the ``CreateResponse`` schema of OpenAI's OpenAPI spec; the test suite checks that
this module and the spec agree on a corpus of payloads. The checks stop at the first problem, as the
real API does, and name the offending ``param``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.structured import format_problem

#: Top-level properties of ``CreateResponse`` (OpenAPI 2026-08-21); tested against the spec.
CREATE_RESPONSE_FIELDS = frozenset(
    {
        "background",
        "context_management",
        "conversation",
        "include",
        "input",
        "instructions",
        "max_output_tokens",
        "max_tool_calls",
        "metadata",
        "model",
        "moderation",
        "parallel_tool_calls",
        "previous_response_id",
        "prompt",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning",
        "safety_identifier",
        "service_tier",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "text",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "truncation",
        "user",
    }
)
#: Extra fields of the WebSocket ``response.create`` event.
WS_ONLY_FIELDS = frozenset({"type", "generate", "stream_id"})
#: What a WebSocket ``response.create`` may carry (the union, made once rather than per request).
_WS_CREATE_FIELDS = CREATE_RESPONSE_FIELDS | WS_ONLY_FIELDS

STREAM_ID = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")

_ROLES = ("user", "assistant", "system", "developer")


def kind_of(value: Any) -> str:
    """How the real API names a JSON value's type in ``Invalid type`` messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a decimal"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _check(expected: str, test: Callable[[Any], bool]) -> Callable[[str, Any], ApiError | None]:
    def run(name: str, value: Any) -> ApiError | None:
        if value is None or test(value):
            return None
        return errors.invalid_type(name, expected, kind_of(value))

    return run


#: The type tests behind each expected-type phrase (shared with the Chat Completions validation).
TYPE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "a boolean": lambda v: isinstance(v, bool),
    "a string": lambda v: isinstance(v, str),
    "an object": lambda v: isinstance(v, dict),
    "an array": lambda v: isinstance(v, list),
    "an integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "a decimal": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "a string or an array": lambda v: isinstance(v, (str, list)),
    "a string or an object": lambda v: isinstance(v, (str, dict)),
}
_is_bool = _check("a boolean", TYPE_CHECKS["a boolean"])
_is_str = _check("a string", TYPE_CHECKS["a string"])
_is_obj = _check("an object", TYPE_CHECKS["an object"])
_is_arr = _check("an array", TYPE_CHECKS["an array"])
_is_int = _check("an integer", TYPE_CHECKS["an integer"])
_is_num = _check("a decimal", TYPE_CHECKS["a decimal"])
_str_or_arr = _check("a string or an array", TYPE_CHECKS["a string or an array"])
_str_or_obj = _check("a string or an object", TYPE_CHECKS["a string or an object"])

_TYPE_RULES: dict[str, Callable[[str, Any], ApiError | None]] = {
    "background": _is_bool,
    "context_management": _is_arr,
    "conversation": _str_or_obj,
    "include": _is_arr,
    "input": _str_or_arr,
    "instructions": _str_or_arr,
    "max_output_tokens": _is_int,
    "max_tool_calls": _is_int,
    "metadata": _is_obj,
    "model": _is_str,
    "parallel_tool_calls": _is_bool,
    "previous_response_id": _is_str,
    "prompt": _is_obj,
    "prompt_cache_key": _is_str,
    "prompt_cache_options": _is_obj,
    "prompt_cache_retention": _is_str,
    "reasoning": _is_obj,
    "safety_identifier": _is_str,
    "service_tier": _is_str,
    "store": _is_bool,
    "stream": _is_bool,
    "stream_options": _is_obj,
    "temperature": _is_num,
    "text": _is_obj,
    "tool_choice": _str_or_obj,
    "tools": _is_arr,
    "top_logprobs": _is_int,
    "top_p": _is_num,
    "user": _is_str,
    "generate": _is_bool,
    "truncation": _is_str,
}

_RANGES: dict[str, tuple[float | None, float | None, str]] = {
    "temperature": (0, 2, "decimal"),
    "top_p": (0, 1, "decimal"),
    "max_output_tokens": (16, None, "integer"),
    "top_logprobs": (0, 20, "integer"),
    "max_tool_calls": (1, None, "integer"),
}

_ENUMS: dict[str, list[str]] = {
    "truncation": ["auto", "disabled"],
    "service_tier": ["auto", "default", "flex", "scale", "priority"],
    "prompt_cache_retention": ["in_memory", "24h"],
}


def validate_create(payload: Any, *, websocket: bool) -> ApiError | None:
    """The first problem with a create payload, or None when it is acceptable."""
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", kind_of(payload))
    allowed = _WS_CREATE_FIELDS if websocket else CREATE_RESPONSE_FIELDS
    for name in payload:
        if name not in allowed:
            return errors.unknown_parameter(name)
    if payload.get("model") is None and payload.get("prompt") is None:
        return errors.missing_parameter("model")
    for name, value in payload.items():
        rule = _TYPE_RULES.get(name)
        problem = rule(name, value) if rule else None
        if problem:
            return problem
    for name, (low, high, kind) in _RANGES.items():
        value = payload.get(name)
        if value is not None and ((low is not None and value < low) or (high is not None and value > high)):
            return errors.out_of_range(name, value, low, high, kind)
    for name, options in _ENUMS.items():
        value = payload.get(name)
        if value is not None and value not in options:
            return errors.invalid_value(name, value, options)
    if websocket:
        if "stream_id" in payload and not (isinstance(payload["stream_id"], str) and STREAM_ID.match(payload["stream_id"])):
            return errors.invalid_stream_id()
        if payload.get("background"):
            return errors.background_over_websocket()
    if payload.get("previous_response_id") is not None and payload.get("conversation") is not None:
        return ApiError(
            400,
            "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
            code="mutually_exclusive_parameters",
            param="previous_response_id",
        )
    return _validate_input(payload.get("input")) or _validate_tools(payload.get("tools")) or format_problem(payload, "responses")


def _validate_input(value: Any) -> ApiError | None:
    if not isinstance(value, list):
        return None
    for i, item in enumerate(value):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            return errors.invalid_type(where, "an object", kind_of(item))
        kind = item.get("type", "message" if "role" in item else None)
        if kind is None:
            return errors.missing_parameter(f"{where}.type")
        if kind == "message":
            if "role" not in item:
                return errors.missing_parameter(f"{where}.role")
            if item["role"] not in _ROLES:
                return errors.invalid_value(f"{where}.role", item["role"], list(_ROLES))
            if "content" not in item:
                return errors.missing_parameter(f"{where}.content")
            problem = _str_or_arr(f"{where}.content", item["content"])
            if problem:
                return problem
        elif kind == "function_call_output":
            for required in ("call_id", "output"):
                if required not in item:
                    return errors.missing_parameter(f"{where}.{required}")
            problem = _is_str(f"{where}.call_id", item["call_id"]) or _str_or_arr(f"{where}.output", item["output"])
            if problem:
                return problem
        elif kind == "function_call":
            for required in ("call_id", "name", "arguments"):
                if required not in item:
                    return errors.missing_parameter(f"{where}.{required}")
                problem = _is_str(f"{where}.{required}", item[required])
                if problem:
                    return problem
    return None


def _validate_tools(value: Any) -> ApiError | None:
    if not isinstance(value, list):
        return None
    for i, tool in enumerate(value):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            return errors.invalid_type(where, "an object", kind_of(tool))
        if "type" not in tool:
            return errors.missing_parameter(f"{where}.type")
        if tool["type"] == "function" and not isinstance(tool.get("name"), str):
            return errors.missing_parameter(f"{where}.name")
        problem = _is_obj(f"{where}.parameters", tool.get("parameters"))
        if problem:
            return problem
    return None


#: The fields ``POST /v1/responses/input_tokens`` and ``/compact`` take (OpenAPI ``TokenCountsBody``,
#: ``CompactResponseMethodPublicBody``).
SIDE_REQUEST_FIELDS = {
    "input_tokens": frozenset(
        {
            "model",
            "input",
            "previous_response_id",
            "tools",
            "text",
            "reasoning",
            "truncation",
            "instructions",
            "personality",
            "conversation",
            "tool_choice",
            "parallel_tool_calls",
        }
    ),
    "compact": frozenset(
        {
            "model",
            "input",
            "previous_response_id",
            "instructions",
            "prompt_cache_key",
            "prompt_cache_retention",
            "prompt_cache_options",
            "service_tier",
        }
    ),
}


def validate_side_request(payload: Any, route: str) -> ApiError | None:
    """The first problem with an ``input_tokens`` or ``compact`` body (``compact`` needs a model)."""
    if payload is None and route == "input_tokens":
        return None
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", kind_of(payload))
    for name in payload:
        if name not in SIDE_REQUEST_FIELDS[route]:
            return errors.unknown_parameter(name)
    if route == "compact" and payload.get("model") is None:
        return errors.missing_parameter("model")
    for name, value in payload.items():
        rule = _TYPE_RULES.get(name)
        problem = rule(name, value) if rule and value is not None else None
        if problem:
            return problem
    if payload.get("previous_response_id") is not None and payload.get("conversation") is not None:
        return ApiError(
            400,
            "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
            code="mutually_exclusive_parameters",
            param="previous_response_id",
        )
    return _validate_input(payload.get("input")) or _validate_tools(payload.get("tools"))
