"""Numbers inside bounds and multiples, or the reason there is none."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from openai_replay.structured.numbers import number
from openai_replay.structured.problems import Unsatisfiable


def fits(value: Any, schema: dict[str, Any]) -> bool:
    return jsonschema.Draft202012Validator(schema).is_valid(value)


@pytest.mark.parametrize(
    ("schema", "integer", "expected"),
    [
        ({}, True, 1),
        ({"minimum": 7, "multipleOf": 2}, True, 8),
        ({"exclusiveMinimum": 0, "maximum": 1}, False, 1),
        ({"minimum": -5, "maximum": -3}, True, -5),
        ({"exclusiveMinimum": 2, "exclusiveMaximum": 3}, False, 2.5),
        ({"minimum": 0.25, "multipleOf": 0.5}, False, 1.0),
    ],
)
def test_first_telling_candidate(schema: dict[str, Any], integer: bool, expected: float) -> None:
    """1 when it fits, else a bound, just inside one, or the middle, as a multiple when asked."""
    assert number(schema, integer, 0, fits) == expected


def test_empty_ranges_are_unsatisfiable() -> None:
    """A minimum above the maximum, or an open range with no room, has no number."""
    with pytest.raises(Unsatisfiable):
        number({"minimum": 3, "maximum": 2}, True, 0, fits)
    with pytest.raises(Unsatisfiable):
        number({"exclusiveMinimum": 2, "maximum": 2}, False, 0, fits)
