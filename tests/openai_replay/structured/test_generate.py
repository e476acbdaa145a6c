"""The schema-driven value generator: valid, deterministic answers, and the real API's refusals."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fuzzkit import FUZZ, budget
from hypothesis import HealthCheck, given, settings
from schemakit import json_schemas

from openai_replay.structured import Unsatisfiable, generate
from openai_replay.structured.generate import NoValue


def _valid(schema: Any, value: Any) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(value)


@settings(
    max_examples=budget(1000) if FUZZ else 100,  # CI: 1,000 schemas
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(json_schemas())
def test_drawn_schemas_get_valid_deterministic_values(schema: dict[str, Any]) -> None:
    """For any drawn satisfiable schema the value validates (formats checked too) and is the same every time."""
    value = generate(schema)
    _valid(schema, value)
    assert generate(schema) == value


def test_pydantic_style_schema_with_refs_and_optional_fields() -> None:
    """$ref/$defs, anyOf with null, enums and nested arrays: every field is filled and arrays hold an item."""
    schema = {
        "$defs": {
            "Colour": {"enum": ["red", "blue"], "type": "string"},
            "Pet": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "colour": {"$ref": "#/$defs/Colour"}},
                "required": ["name", "colour"],
                "additionalProperties": False,
            },
        },
        "type": "object",
        "properties": {
            "pets": {"type": "array", "items": {"$ref": "#/$defs/Pet"}},
            "nickname": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
        "required": ["pets", "nickname"],
        "additionalProperties": False,
    }
    assert generate(schema) == {"pets": [{"name": "example", "colour": "red"}], "nickname": "example"}


def test_recursive_schema_ends() -> None:
    """A self-referencing schema (a tree) bottoms out with an empty list instead of recursing forever."""
    schema = {
        "$ref": "#/$defs/Node",
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}},
                "required": ["children"],
            }
        },
    }
    value = generate(schema)
    _valid(schema, value)
    assert value["children"]


def test_quoted_user_text_fills_strings_and_picks_enum_members() -> None:
    """Quoted values from the user's text are used, each once, where they fit."""
    schema = {
        "type": "object",
        "properties": {"size": {"enum": ["small", "large"]}, "name": {"type": "string"}, "note": {"type": "string"}},
    }
    assert generate(schema, hints=["large", "Ada"]) == {"size": "large", "name": "Ada", "note": "example"}


def test_formats_patterns_and_bounds() -> None:
    """Each format gets a valid value, a pattern a matching string, numbers land inside their bounds."""
    schema = {
        "type": "object",
        "properties": {
            "when": {"type": "string", "format": "date-time"},
            "id": {"type": "string", "format": "uuid"},
            "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{2}$"},
            "score": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
            "even": {"type": "integer", "minimum": 7, "multipleOf": 2},
        },
    }
    value = generate(schema)
    _valid(schema, value)
    assert value["code"] == "AAA-00" and value["even"] == 8


@pytest.mark.parametrize(
    "schema",
    [
        {"enum": []},
        {"type": "integer", "minimum": 3, "maximum": 2},
        {"type": "array", "minItems": 2, "maxItems": 1},
        {"type": "string", "minLength": 4, "maxLength": 2},
        {"type": "object", "properties": {"a": False}, "required": ["a"]},
        {"type": "object", "required": ["a"], "additionalProperties": False},
        {"allOf": [{"type": "string"}, {"type": "integer"}]},
        {"$ref": "#/$defs/Missing"},
        {"type": "frog"},
        {"const": 1, "type": "string", "enum": [2]},
    ],
)
def test_unsatisfiable_schemas_are_refused(schema: dict[str, Any]) -> None:
    """A schema no value satisfies (or an invalid one) raises Unsatisfiable: the real API's 400."""
    with pytest.raises(Unsatisfiable):
        generate(schema)


def test_a_schema_beyond_the_generator_fails_loudly() -> None:
    """A satisfiable schema the walk cannot answer (a back-reference pattern) raises NoValue, never a wrong value."""
    with pytest.raises(NoValue, match="back-reference"):
        generate({"type": "string", "pattern": "^(a)\\1$"})


def test_an_overlapping_one_of_is_not_called_unsatisfiable() -> None:
    """oneOf branches that the first value matches twice raise NoValue (no false 400), since "" would fit."""
    with pytest.raises(NoValue):
        generate({"oneOf": [{"type": "string"}, {"type": "string", "minLength": 1}]})
