"""Structured output as the two APIs ask for it: read the format, check it as the real API does, answer it.

Chat says ``response_format: {type: json_schema, json_schema: {name, schema, strict}}``; the Responses
API says ``text.format: {type: json_schema, name, schema, strict}``. Both may say ``json_object``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, Literal

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.items import TEXT_LIMIT, fenced, item_text
from openai_replay.structured.generate import NoValue, Unsatisfiable, generate
from openai_replay.structured.strict import strict_problem

Api = Literal["chat", "responses"]
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_QUOTED = re.compile(r'"([^"\n]{1,200})"|\u201c([^\u201d\n]{1,200})\u201d')


def requested_format(payload: Any, api: Api) -> dict[str, Any] | None:
    """The structured format a request asks for, in the Responses shape (``{type, name, schema, strict}``)."""
    if not isinstance(payload, dict):
        return None
    if api == "chat":
        fmt = payload.get("response_format")
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            inner = fmt.get("json_schema")
            return {"type": "json_schema", **(inner if isinstance(inner, dict) else {})}
    else:
        text = payload.get("text")
        fmt = text.get("format") if isinstance(text, dict) else None
    if isinstance(fmt, dict) and fmt.get("type") in ("json_schema", "json_object"):
        return fmt
    return None


def format_problem(payload: Any, api: Api) -> ApiError | None:
    """The real API's 400 for a structured format it would refuse: a missing or malformed name or
    schema, a strict schema that breaks the strict rules, a schema no value satisfies."""
    fmt = requested_format(payload, api)
    if fmt is None or fmt.get("type") != "json_schema":
        return None
    at = "response_format.json_schema" if api == "chat" else "text.format"
    name = fmt.get("name")
    if name is None:
        return errors.missing_parameter(f"{at}.name")
    if not isinstance(name, str):
        return errors.invalid_type(f"{at}.name", "a string", type(name).__name__)
    if not _NAME.match(name):
        return ApiError(
            400,
            f"Invalid '{at}.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
            code="invalid_value",
            param=f"{at}.name",
        )
    if api == "responses" and "schema" not in fmt:
        return errors.missing_parameter("text.format.schema")
    schema = fmt.get("schema", {})
    problem = strict_problem(schema) if fmt.get("strict") is True else None
    if problem is None:
        try:
            generate(schema)
        except Unsatisfiable as exc:
            problem = str(exc)
        except NoValue:
            problem = None  # satisfiable as far as we know: the simulated model says so if asked to answer
    if problem is None:
        return None
    message = f"Invalid schema for response_format '{name}': {problem}"
    if api == "chat":
        return ApiError(400, message, param="response_format")
    return ApiError(400, message, code="invalid_json_schema", param="text.format.schema")


def quoted(text: str | None) -> list[str]:
    """The double-quoted values in the user's text, in order (hints for string fields and enums)."""
    return [a or b for a, b in _QUOTED.findall(text or "")]


def structured_reply(fmt: dict[str, Any], context: list[dict[str, Any]], user_text: str | None, fallback: str) -> str:
    """The JSON text that answers ``fmt``; raises `NoValue` (with the reason) when no value can be derived.

    ``json_object`` has no schema of its own; clients that use it (instructor's JSON modes) put the
    schema in a message, so the first JSON schema found in the conversation is answered, else
    ``{"text": fallback}``.
    """
    if fmt.get("type") == "json_schema":
        value = generate(fmt.get("schema", {}), hints=quoted(user_text))
    else:
        schema = next(embedded_schemas(context), None)
        value = None
        if schema is not None:
            try:
                value = generate(schema, hints=quoted(user_text))
            except (NoValue, Unsatisfiable):
                value = None
        if not isinstance(value, dict):
            value = {"text": fallback}
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def prompted_reply(context: list[dict[str, Any]], user_text: str | None, asks: bool | None = None) -> str | None:
    """The answer to a prompt that asks, in its text, for JSON in a ```json code block and carries the
    schema (instructor's MD_JSON mode, prompt-only JSON recipes): the schema's JSON in such a block.
    None when the conversation asks for no code block or carries no schema this generator can answer.
    ``asks``: whether the conversation asks for the block, when the caller already knows (`items.Tally`)."""
    if not (fenced(context) if asks is None else asks):
        return None
    for schema in embedded_schemas(context):
        try:
            value = generate(schema, hints=quoted(user_text))
        except (NoValue, Unsatisfiable):
            continue
        if isinstance(value, dict):
            return f"```json\n{json.dumps(value, ensure_ascii=False, indent=2)}\n```"
    return None


def embedded_schemas(context: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """JSON schemas written into the conversation's messages (an object with ``properties`` or ``$defs``)."""
    decoder = json.JSONDecoder()
    for item in context:
        text = item_text(item)[:TEXT_LIMIT]
        start = text.find("{")
        while start != -1:
            try:
                value, end = decoder.raw_decode(text, start)
            except ValueError:
                start = text.find("{", start + 1)
                continue
            if isinstance(value, dict) and ("properties" in value or "$defs" in value):
                yield value
            start = text.find("{", end)


def tool_arguments(tool: dict[str, Any], user_text: str | None) -> str:
    """Placeholder arguments for a function tool: every field (optional ones too), valid against its
    ``parameters``; ``{}`` when the schema has no value this generator can find."""
    params = tool.get("parameters")
    if params is None:
        return "{}"
    try:
        value = generate(params, hints=quoted(user_text))
    except (NoValue, Unsatisfiable):
        value = {}
    return json.dumps(value if isinstance(value, dict) else {}, ensure_ascii=False, separators=(",", ":"))
