"""The client-JSON parser: strict like the API, and bounded in depth so nothing downstream recurses too far."""

from __future__ import annotations

import json

import pytest

from openai_replay.inbound import MAX_DEPTH, JsonInputError, parse
from openai_replay.wire import compact


@pytest.mark.parametrize("text", ['"\\ud800"', "NaN", "1e400", "[1,]", "{", "", b"\xff\xfe"])
def test_refuses_what_the_api_refuses(text: str | bytes) -> None:
    """Lone surrogates, NaN, infinities, broken JSON and invalid UTF-8 are a one-line JsonInputError."""
    with pytest.raises(JsonInputError) as caught:
        parse(text)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 1025, 100_000])
def test_refuses_deep_nesting(depth: int) -> None:
    """More than MAX_DEPTH levels (also beyond orjson's own 1,024) is refused, never a RecursionError."""
    with pytest.raises(JsonInputError, match="nests deeper than"):
        parse("[" * depth + "]" * depth)
    with pytest.raises(JsonInputError, match="nests deeper than"):
        parse(('{"a":' * depth + "1" + "}" * depth).encode())


def test_accepted_depth_is_safe_downstream() -> None:
    """The deepest accepted value (plus a response's own nesting) still goes through json.dumps, repr and compact."""
    value = parse("[" * MAX_DEPTH + "]" * MAX_DEPTH)
    wrapped = {"type": "response.created", "response": {"tools": [{"parameters": value}]}}
    assert json.loads(compact(wrapped)) == wrapped
    assert json.dumps(wrapped) and repr(wrapped)


def test_wide_payloads_with_many_brackets_pass() -> None:
    """Many brackets side by side are not depth: a wide payload parses."""
    assert len(parse("[" + ",".join(["[]"] * 10_000) + "]")) == 10_000
