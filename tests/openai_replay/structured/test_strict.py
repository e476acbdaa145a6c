"""The strict-mode rules, worded like the real API's 400s."""

from __future__ import annotations

from openai_replay.structured.strict import strict_problem

OK = {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": False}


def test_a_pydantic_strict_schema_passes() -> None:
    """All fields required, additionalProperties false everywhere, nested through $defs: no problem."""
    schema = {**OK, "properties": {"a": {"$ref": "#/$defs/B"}}, "$defs": {"B": OK}}
    assert strict_problem(schema) is None


def test_each_rule_names_its_context() -> None:
    """A root that is not an object, a missing additionalProperties, a field left out of required, oneOf."""
    assert strict_problem({"type": "array"}) == "schema must be a JSON Schema of 'type: \"object\"', got 'type: \"array\"'."
    nested = {**OK, "properties": {"a": {"type": "object", "properties": {}}}}
    assert strict_problem(nested) == (
        "In context=('properties', 'a'), 'additionalProperties' is required to be supplied and to be false."
    )
    missing = {**OK, "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    assert "Missing 'b'." in (strict_problem(missing) or "")
    assert "'oneOf' is not permitted" in (strict_problem({**OK, "properties": {"a": {"oneOf": [OK]}}}) or "")
