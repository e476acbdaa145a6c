"""allOf folded into one schema, and the types a schema allows."""

from __future__ import annotations

import pytest
import referencing

from openai_replay.structured.merge import merge_all_of, types_of
from openai_replay.structured.problems import Unsatisfiable

RESOLVER = referencing.Registry().resolver()


def test_properties_and_required_join_and_types_intersect() -> None:
    """Both parts' properties and required names survive; number and integer meet at integer."""
    merged = merge_all_of(
        {
            "allOf": [
                {"type": "object", "properties": {"a": {"type": "number"}}, "required": ["a"]},
                {"type": ["object", "null"], "properties": {"b": {"type": "string"}}, "required": ["b"]},
            ]
        },
        RESOLVER,
    )
    assert merged["type"] == ["object"] and set(merged["properties"]) == {"a", "b"} and merged["required"] == ["a", "b"]
    assert types_of({"type": ["null", "integer"]}) == ["integer", "null"]
    assert types_of({"minItems": 1}) == ["array"]


def test_no_common_type_is_unsatisfiable() -> None:
    """allOf of a string and a boolean has no value."""
    with pytest.raises(Unsatisfiable):
        merge_all_of({"allOf": [{"type": "string"}, {"type": "boolean"}]}, RESOLVER)
