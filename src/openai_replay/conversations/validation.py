"""The real 400s for Conversations request bodies (create, update, add items)."""

from __future__ import annotations

from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError

MAX_ITEMS = 20
MAX_METADATA_KEYS = 16


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    return "an object"


def _not_object(payload: Any) -> ApiError | None:
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", _type_name(payload))
    return None


def _unknown(payload: dict[str, Any], known: tuple[str, ...]) -> ApiError | None:
    for key in payload:
        if key not in known:
            return errors.unknown_parameter(key)
    return None


def metadata_problem(value: Any) -> ApiError | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return errors.invalid_type("metadata", "an object", _type_name(value))
    if len(value) > MAX_METADATA_KEYS:
        return ApiError(
            400,
            f"Invalid 'metadata': too many properties. Expected an object with at most {MAX_METADATA_KEYS} properties, "
            f"but got an object with {len(value)} properties instead.",
            code="object_above_max_properties",
            param="metadata",
        )
    for key, item in value.items():
        if not isinstance(item, str):
            return errors.invalid_type(f"metadata.{key}", "a string", _type_name(item))
        if len(key) > 64 or len(item) > 512:
            which, limit, text = ("key", 64, key) if len(key) > 64 else ("value", 512, item)
            return ApiError(
                400,
                f"Invalid 'metadata.{key[:64]}': string too long. Expected a {which} with maximum length {limit}, "
                f"but got a string with length {len(text)} instead.",
                code="string_above_max_length",
                param=f"metadata.{key[:64]}",
            )
    return None


def items_problem(value: Any, *, required: bool) -> ApiError | None:
    if value is None:
        return errors.missing_parameter("items") if required else None
    if not isinstance(value, list):
        return errors.invalid_type("items", "an array", _type_name(value))
    if len(value) > MAX_ITEMS:
        return ApiError(
            400,
            f"Invalid 'items': array too long. Expected an array with maximum length {MAX_ITEMS}, "
            f"but got an array with length {len(value)} instead.",
            code="array_above_max_length",
            param="items",
        )
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            return errors.invalid_type(f"items[{index}]", "an object", _type_name(item))
        kind = item.get("type", "message")
        if kind == "message" and item.get("role") not in ("user", "assistant", "system", "developer"):
            if "role" not in item:
                return errors.missing_parameter(f"items[{index}].role")
            return errors.invalid_value(f"items[{index}].role", item.get("role"), ["user", "assistant", "system", "developer"])
        if kind == "message" and not isinstance(item.get("content"), (str, list)):
            return errors.missing_parameter(f"items[{index}].content")
    return None


def validate_create(payload: Any) -> ApiError | None:
    if payload is None:
        return None  # an empty body creates an empty conversation
    return (
        _not_object(payload)
        or _unknown(payload, ("metadata", "items"))
        or metadata_problem(payload.get("metadata"))
        or items_problem(payload.get("items"), required=False)
    )


def validate_update(payload: Any) -> ApiError | None:
    problem = _not_object(payload) or _unknown(payload, ("metadata",))
    if problem is not None:
        return problem
    if "metadata" not in payload:
        return errors.missing_parameter("metadata")
    return metadata_problem(payload["metadata"])


def validate_items(payload: Any) -> ApiError | None:
    return _not_object(payload) or _unknown(payload, ("items",)) or items_problem(payload.get("items"), required=True)
