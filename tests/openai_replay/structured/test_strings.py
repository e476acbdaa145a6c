"""Format values and pattern-derived strings: each one is what the format or pattern accepts."""

from __future__ import annotations

import re

import jsonschema
import pytest

from openai_replay.structured.strings import FORMATS, NoMatch, matching


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_value_passes_the_format_checker(fmt: str) -> None:
    """jsonschema's own format checker accepts the value given for each format."""
    jsonschema.Draft202012Validator({"format": fmt}, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER).validate(
        FORMATS[fmt]
    )


@pytest.mark.parametrize(
    "pattern",
    [r"^\d{3}-\d{4}$", r"^[A-Z]{2}[0-9]+$", r"(foo|bar)baz", r"^[^@]+@[^@]+\.[a-z]{2,}$", r"^\w+\s\W$", r"^(?:ab)*c?d+$", "abc"],
)
def test_derived_strings_match_their_pattern(pattern: str) -> None:
    """The derived string is found by re.search, the way JSON Schema applies a pattern."""
    assert re.search(pattern, matching(pattern))


@pytest.mark.parametrize("pattern", ["(", r"(a)\1", "a{1000}"])
def test_patterns_without_a_derivable_string_say_so(pattern: str) -> None:
    """An invalid pattern, a back-reference or a huge repeat raises NoMatch with the reason."""
    with pytest.raises(NoMatch):
        matching(pattern)
