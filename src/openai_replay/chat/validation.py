"""Validation of ``POST /v1/chat/completions`` payloads, with the real API's 400 messages.

The checks follow ``CreateChatCompletionRequest`` of OpenAI's OpenAPI spec (the test suite checks the
two agree on a corpus of payloads) and the messages real traffic shows for the common mistakes. As
the real API does, they stop at the first problem and name its ``param``.
"""

from __future__ import annotations

from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.responses.validation import TYPE_CHECKS, kind_of
from openai_replay.structured import format_problem

#: Top-level properties of ``CreateChatCompletionRequest`` (OpenAPI 2026-08-21); tested against the spec.
CHAT_FIELDS = frozenset(
    {
        "audio",
        "frequency_penalty",
        "function_call",
        "functions",
        "logit_bias",
        "logprobs",
        "max_completion_tokens",
        "max_tokens",
        "messages",
        "metadata",
        "modalities",
        "model",
        "moderation",
        "n",
        "parallel_tool_calls",
        "prediction",
        "presence_penalty",
        "prompt_cache_key",
        "prompt_cache_options",
        "prompt_cache_retention",
        "reasoning_effort",
        "response_format",
        "safety_identifier",
        "seed",
        "service_tier",
        "stop",
        "store",
        "stream",
        "stream_options",
        "temperature",
        "tool_choice",
        "tools",
        "top_logprobs",
        "top_p",
        "user",
        "verbosity",
        "web_search_options",
    }
)

ROLES = ["system", "assistant", "user", "function", "tool", "developer"]

_TYPES = {
    "messages": "an array",
    "model": "a string",
    "stream": "a boolean",
    "stream_options": "an object",
    "temperature": "a decimal",
    "top_p": "a decimal",
    "frequency_penalty": "a decimal",
    "presence_penalty": "a decimal",
    "max_tokens": "an integer",
    "max_completion_tokens": "an integer",
    "n": "an integer",
    "seed": "an integer",
    "top_logprobs": "an integer",
    "logprobs": "a boolean",
    "parallel_tool_calls": "a boolean",
    "store": "a boolean",
    "tools": "an array",
    "tool_choice": "a string or an object",
    "metadata": "an object",
    "user": "a string",
    "service_tier": "a string",
    "response_format": "an object",
    "stop": "a string or an array",
    "logit_bias": "an object",
}

_RANGES: dict[str, tuple[float, float | None, str]] = {
    "temperature": (0, 2, "decimal"),
    "top_p": (0, 1, "decimal"),
    "frequency_penalty": (-2, 2, "decimal"),
    "presence_penalty": (-2, 2, "decimal"),
    "n": (1, 128, "integer"),
    "top_logprobs": (0, 20, "integer"),
    "max_tokens": (1, None, "integer"),
    "max_completion_tokens": (1, None, "integer"),
}

_ENUMS = {"service_tier": ["auto", "default", "flex", "scale", "priority"]}


def unrecognized_argument(name: str) -> ApiError:
    """Chat's own wording for an unknown top-level field (``param`` and ``code`` are null)."""
    return ApiError(400, f"Unrecognized request argument supplied: {name}")


def validate_chat(payload: Any) -> ApiError | None:
    """The first problem with a chat payload, or None when it is acceptable."""
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", kind_of(payload))
    for name in payload:
        if name not in CHAT_FIELDS:
            return unrecognized_argument(name)
    if payload.get("model") is None:
        return ApiError(400, "you must provide a model parameter")
    if "messages" not in payload:
        return errors.missing_parameter("messages")
    for name, value in payload.items():
        expected = _TYPES.get(name)
        if expected is not None and value is not None and not TYPE_CHECKS[expected](value):
            return errors.invalid_type(name, expected, kind_of(value))
    for name, (low, high, kind) in _RANGES.items():
        value = payload.get(name)
        if value is not None and (value < low or (high is not None and value > high)):
            return errors.out_of_range(name, value, low, high, kind)
    for name, options in _ENUMS.items():
        value = payload.get(name)
        if value is not None and value not in options:
            return errors.invalid_value(name, value, options)
    problem = _validate_stop(payload.get("stop")) or _validate_logit_bias(payload.get("logit_bias"))
    if problem is not None:
        return problem
    if not payload["messages"]:
        return ApiError(400, "[] is too short - 'messages'", param="messages")
    if payload.get("stream_options") is not None and payload.get("stream") is not True:
        return ApiError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", param="stream_options")
    for name, value in (payload.get("stream_options") or {}).items():
        if name in ("include_usage", "include_obfuscation") and not isinstance(value, bool):
            return errors.invalid_type(f"stream_options.{name}", "a boolean", kind_of(value))
    return (
        _validate_tools(payload.get("tools"))
        or _validate_tool_choice(payload)
        or _validate_messages(payload["messages"])
        or format_problem(payload, "chat")
    )


#: ``stop`` takes at most this many sequences (``CreateChatCompletionRequest.stop``).
MAX_STOP = 4


def _validate_stop(stop: Any) -> ApiError | None:
    """Up to `MAX_STOP` strings (a lone string was checked with the types)."""
    if not isinstance(stop, list):
        return None
    if not stop:
        return ApiError(400, "[] is too short - 'stop'", param="stop")
    if len(stop) > MAX_STOP:
        return ApiError(
            400,
            f"Invalid 'stop': array too long. Expected an array with maximum length {MAX_STOP}, "
            f"but got an array with length {len(stop)} instead.",
            code="array_above_max_length",
            param="stop",
        )
    for index, item in enumerate(stop):
        if not isinstance(item, str):
            return errors.invalid_type(f"stop[{index}]", "a string", kind_of(item))
    return None


def _validate_logit_bias(bias: Any) -> ApiError | None:
    """Token ids (non-negative whole numbers, as object keys) to biases from -100 to 100."""
    for key, value in (bias or {}).items():
        if not (key.isascii() and key.isdigit()):
            message = f"Invalid key in 'logit_bias': {key[:40]}. You should only be submitting non-negative integers."
            return ApiError(400, message, param="logit_bias")
        if not TYPE_CHECKS["a decimal"](value):
            return errors.invalid_type(f"logit_bias.{key}", "a decimal", kind_of(value))
        if not -100 <= value <= 100:
            return errors.out_of_range(f"logit_bias.{key}", value, -100, 100, "decimal")
    return None


def _validate_messages(messages: list[Any]) -> ApiError | None:
    open_calls: set[str] = set()
    answered: set[str] = set()
    for i, message in enumerate(messages):
        where = f"messages[{i}]"
        if not isinstance(message, dict):
            return errors.invalid_type(where, "an object", kind_of(message))
        if "role" not in message:
            return errors.missing_parameter(f"{where}.role")
        role = message["role"]
        if role not in ROLES:
            options = ", ".join(f"'{r}'" for r in ROLES[:-1]) + f", and '{ROLES[-1]}'"
            return ApiError(
                400, f"Invalid value: '{role}'. Supported values are: {options}.", code="invalid_value", param=f"{where}.role"
            )
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            return errors.invalid_type(f"{where}.content", "a string or an array", kind_of(content))
        if role in ("system", "developer", "user") and "content" not in message:
            return errors.missing_parameter(f"{where}.content")
        problem = _content_parts(content, f"{where}.content")
        if problem:
            return problem
        if role == "assistant":
            if open_calls - answered:
                return _unanswered(open_calls - answered, i - 1)
            problem = _assistant_calls(message, where)
            if problem:
                return problem
            open_calls = {str(c.get("id")) for c in message.get("tool_calls") or []}
            answered = set()
        elif role == "tool":
            if "tool_call_id" not in message:
                return errors.missing_parameter(f"{where}.tool_call_id")
            if message["tool_call_id"] not in open_calls:
                return ApiError(
                    400,
                    "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
                    param=f"messages.[{i}].role",
                )
            answered.add(message["tool_call_id"])
        elif open_calls - answered:
            return _unanswered(open_calls - answered, i - 1)
        else:
            open_calls = set()
    return None


PART_TYPES = ["text", "image_url", "input_audio", "file", "refusal"]


def _content_parts(content: Any, where: str) -> ApiError | None:
    """Each part of an array ``content`` is an object with a known ``type`` (a text part has ``text``)."""
    for j, part in enumerate(content if isinstance(content, list) else []):
        at = f"{where}[{j}]"
        if not isinstance(part, dict):
            return errors.invalid_type(at, "an object", kind_of(part))
        if "type" not in part:
            return errors.missing_parameter(f"{at}.type")
        if part["type"] not in PART_TYPES:
            return errors.invalid_value(f"{at}.type", part["type"], PART_TYPES)
        if part["type"] == "text" and not isinstance(part.get("text"), str):
            if "text" not in part:
                return errors.missing_parameter(f"{at}.text")
            return errors.invalid_type(f"{at}.text", "a string", kind_of(part["text"]))
    return None


def _unanswered(ids: set[str], index: int) -> ApiError:
    return ApiError(
        400,
        "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. "
        f"The following tool_call_ids did not have response messages: {', '.join(sorted(ids))}",
        param=f"messages.[{index}].role",
    )


def _assistant_calls(message: dict[str, Any], where: str) -> ApiError | None:
    calls = message.get("tool_calls")
    if calls is None:
        return None
    if not isinstance(calls, list):
        return errors.invalid_type(f"{where}.tool_calls", "an array", kind_of(calls))
    for j, call in enumerate(calls):
        at = f"{where}.tool_calls[{j}]"
        if not isinstance(call, dict):
            return errors.invalid_type(at, "an object", kind_of(call))
        for required in ("id", "type", "function"):
            if required not in call:
                return errors.missing_parameter(f"{at}.{required}")
        function = call["function"]
        if not isinstance(function, dict):
            return errors.invalid_type(f"{at}.function", "an object", kind_of(function))
        for required in ("name", "arguments"):
            if required not in function:
                return errors.missing_parameter(f"{at}.function.{required}")
    return None


def _validate_tools(tools: Any) -> ApiError | None:
    for i, tool in enumerate(tools or []):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            return errors.invalid_type(where, "an object", kind_of(tool))
        if "type" not in tool:
            return errors.missing_parameter(f"{where}.type")
        if tool["type"] not in ("function", "custom"):
            return errors.invalid_value(f"{where}.type", tool["type"], ["function", "custom"])
        key = tool["type"]
        if key not in tool:
            return errors.missing_parameter(f"{where}.{key}")
        function = tool[key]
        if not isinstance(function, dict):
            return errors.invalid_type(f"{where}.{key}", "an object", kind_of(function))
        if "name" not in function:
            return errors.missing_parameter(f"{where}.{key}.name")
        if not isinstance(function["name"], str):
            return errors.invalid_type(f"{where}.{key}.name", "a string", kind_of(function["name"]))
        if key == "function" and function.get("parameters") is not None and not isinstance(function["parameters"], dict):
            return errors.invalid_type(f"{where}.function.parameters", "an object", kind_of(function["parameters"]))
    return None


def _validate_tool_choice(payload: dict[str, Any]) -> ApiError | None:
    choice = payload.get("tool_choice")
    if choice is None:
        return None
    if isinstance(choice, str):
        if choice not in ("none", "auto", "required"):
            return errors.invalid_value("tool_choice", choice, ["none", "auto", "required"])
        if choice != "none" and not payload.get("tools"):
            return ApiError(
                400,
                "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
                param="tool_choice",
            )
        return None
    function = choice.get("function")
    if not isinstance(function, dict) or not isinstance(function.get("name"), str):
        return errors.missing_parameter("tool_choice.function.name" if isinstance(function, dict) else "tool_choice.function")
    names = [t["function"].get("name") for t in payload.get("tools") or [] if t.get("type") == "function"]
    if function["name"] not in names:
        return ApiError(
            400,
            f"Invalid value for 'tool_choice': tool choice '{function['name']}' does not match any of the specified tools.",
            param="tool_choice",
        )
    return None
