"""Reading a schema's types, and folding ``allOf`` into one schema."""

from __future__ import annotations

from typing import Any

import referencing.exceptions

from openai_replay.structured.problems import Unsatisfiable

TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")


def types_of(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return sorted((k for k in kind if k in TYPES), key=TYPES.index)
    implied = [
        ("object", ("properties", "required", "additionalProperties", "minProperties", "maxProperties", "patternProperties")),
        ("array", ("items", "prefixItems", "minItems", "maxItems", "contains", "uniqueItems")),
        ("string", ("pattern", "format", "minLength", "maxLength")),
        ("number", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")),
    ]
    found = [name for name, keys in implied if any(k in schema for k in keys)]
    return found or ["string", "object"]


def merge_all_of(schema: dict[str, Any], resolver: Any) -> dict[str, Any]:
    """``allOf`` folded into one schema: properties and required joined, types intersected, the rest layered."""
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for part in schema["allOf"]:
        if isinstance(part, dict) and isinstance(part.get("$ref"), str):
            try:
                part = {**{k: v for k, v in part.items() if k != "$ref"}, **resolver.lookup(part["$ref"]).contents}
            except referencing.exceptions.Unresolvable as exc:
                raise Unsatisfiable(f"the reference {part['$ref']!r} cannot be resolved") from exc
        if part is False:
            raise Unsatisfiable("allOf holds a false schema")
        if not isinstance(part, dict):
            continue
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                props = dict(merged.get("properties") or {})
                for name, sub in value.items():
                    props[name] = {"allOf": [props[name], sub]} if name in props else sub
                merged["properties"] = props
            elif key == "required" and isinstance(value, list):
                merged["required"] = list(dict.fromkeys([*(merged.get("required") or []), *value]))
            elif key == "type" and "type" in merged:
                ours = set(types_of({"type": merged["type"]}))
                theirs = set(types_of({"type": value}))
                if ("number" in ours and "integer" in theirs) or ("number" in theirs and "integer" in ours):
                    ours |= {"integer"}
                    theirs |= {"integer"}
                merged["type"] = sorted(ours & theirs, key=TYPES.index)
            elif key in ("anyOf", "oneOf") and key in merged:
                merged["allOf"] = [*merged.get("allOf", []), {key: value}]
            else:
                merged[key] = value
    if merged.get("type") == []:
        raise Unsatisfiable("allOf allows no common type")
    return merged
