"""The Structured Outputs strict-mode rules the real API enforces before it answers (its 400s' words).

Strict mode supports a subset of JSON Schema: the root is an object, every object lists every property
in ``required`` and sets ``additionalProperties: false``. The messages follow the real ones:
``In context=('properties', 'x'), 'additionalProperties' is required to be supplied and to be false.``
"""

from __future__ import annotations

from typing import Any

_NESTED_MAPS = ("properties", "$defs", "definitions")
_NESTED_LISTS = ("anyOf", "allOf", "prefixItems")


def strict_problem(schema: Any) -> str | None:
    """The first strict-mode rule ``schema`` breaks, worded like the real API, or None."""
    if not isinstance(schema, dict):
        return "schema must be a JSON Schema of 'type: \"object\"'"
    kind = schema.get("type")
    if kind != "object" and "$ref" not in schema:
        got = kind if isinstance(kind, str) else ("anyOf" if "anyOf" in schema else "None")
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{got}\"'."
    return _walk(schema, ())


def _walk(schema: Any, context: tuple[str, ...]) -> str | None:
    if not isinstance(schema, dict):
        return None
    if "oneOf" in schema:
        return f"In context={context!r}, 'oneOf' is not permitted."
    given = schema.get("properties")
    props: dict[str, Any] = given if isinstance(given, dict) else {}
    if schema.get("type") == "object" or props:
        if schema.get("additionalProperties") is not False:
            return f"In context={context!r}, 'additionalProperties' is required to be supplied and to be false."
        listed = schema.get("required")
        required: list[Any] = listed if isinstance(listed, list) else []
        missing = [name for name in props if name not in required]
        if missing:
            return (
                f"In context={context!r}, 'required' is required to be supplied and to be an array including every key "
                f"in properties. Missing '{missing[0]}'."
            )
        extra = [name for name in required if name not in props]
        if extra:
            return f"In context={context!r}, 'required' contains keys that are not in properties: '{extra[0]}'."
    for key in _NESTED_MAPS:
        nested = schema.get(key)
        for name, sub in nested.items() if isinstance(nested, dict) else ():
            found = _walk(sub, (*context, key, str(name)))
            if found:
                return found
    for key in _NESTED_LISTS:
        nested = schema.get(key)
        for index, sub in enumerate(nested if isinstance(nested, list) else ()):
            found = _walk(sub, (*context, key, str(index)))
            if found:
                return found
    if "items" in schema:
        return _walk(schema["items"], (*context, "items"))
    return None
