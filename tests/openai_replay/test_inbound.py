"""The client-JSON parser: strict like the API, and bounded in depth so nothing downstream recurses too far."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fuzzkit import PROFILE, json_values
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.inbound import MAX_DEPTH, JsonInputError, parse, read_file
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


# -- issue 21: one strict reader (repeated keys, lone surrogates, depth, size) -----------------------
def _with_repeat(text: str) -> str:
    """``text`` (a JSON object's text) with its first key written once more at the front."""
    value = json.loads(text)
    key = next(iter(value))
    return "{" + json.dumps(key) + ":0," + text[1:]


@settings(PROFILE)
@given(value=json_values)
def test_any_json_value_reads_as_the_standard_library_reads_it(value: Any) -> None:
    """Issue 21: for valid JSON without repeated keys the strict reader agrees with json.loads (no false refusals)."""
    text = json.dumps(value)
    expected = json.loads(text, parse_int=_as_orjson_reads)
    assert parse(text) == expected and parse(text.encode()) == expected


def _as_orjson_reads(digits: str) -> int | float:
    """orjson reads integers past 64 bits as floats (the API's own parser has such a limit too)."""
    number = int(digits)
    return number if -(2**63) <= number < 2**64 else float(digits)


@settings(PROFILE)
@given(value=st.dictionaries(st.text(min_size=0, max_size=8), json_values, min_size=1, max_size=5), depth=st.integers(0, 6))
def test_a_repeated_key_at_any_depth_is_refused(value: dict[str, Any], depth: int) -> None:
    """Issue 21: a key given twice in one object (at any depth, with colons in strings around it) is refused in one line."""
    text = _with_repeat(json.dumps(value))
    for _ in range(depth):
        text = '{"a: b": ["x:y", ' + text + "]}"
    with pytest.raises(JsonInputError) as caught:
        parse(text)
    assert "appears twice" in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        '{"rules": [], "rules": [{"do": []}]}',
        '{"a": 1, "\\u0061": 2}',  # the same key, spelled with an escape
        '[{"k": {"x": 1}}, {"k": 1, "k": 2}]',
        '{"a": {"b": 1, "b": 1}}',
    ],
)
def test_repeated_keys_are_named(text: str) -> None:
    """Issue 21 item 11: two `rules` keys (today "ok, 0 rules") and escaped twins are refused, naming the key."""
    with pytest.raises(JsonInputError, match=r"the key '(rules|a|k|b)' appears twice"):
        parse(text)


@pytest.mark.parametrize(
    "text",
    ['{"a": "b:c", "d": "e:f"}', '{"a\\"": 1, "a": 2}', '{"a\\\\": "x", "a": "\\\\"}', '["k:", {"k": ":"}]', '{"": 1, " ": 2}'],
)
def test_colons_and_escapes_in_strings_are_not_keys(text: str) -> None:
    """Colons inside strings, escaped quotes and backslashes do not make a key look repeated."""
    assert parse(text) == json.loads(text)


@settings(PROFILE)
@given(prefix=st.text(max_size=5), suffix=st.text(max_size=5), high=st.integers(0xD800, 0xDFFF))
def test_lone_surrogates_are_refused(prefix: str, suffix: str, high: int) -> None:
    """Issue 21 item 7: a lone surrogate escape anywhere in a string (a scripted text, a key) is refused."""
    escaped = json.dumps(prefix)[:-1] + f"\\u{high:04x}" + json.dumps(suffix)[1:]
    for text in (escaped, '{"text": ' + escaped + "}", "{" + escaped + ": 1}"):
        with pytest.raises(JsonInputError):
            parse(text)


def test_size_limit() -> None:
    """A text over max_bytes is refused before it is parsed."""
    assert parse("[1]", max_bytes=3) == [1]
    with pytest.raises(JsonInputError, match="more than the 3 bytes allowed"):
        parse("[1] ", max_bytes=3)


def test_thousand_deep_nesting_is_one_line() -> None:
    """Issue 21 item 7: ~1,000-deep nesting (a RecursionError 500 in the control API) is a one-line refusal."""
    with pytest.raises(JsonInputError, match="nests deeper than 128 levels") as caught:
        parse('{"rules": ' + "[" * 1000 + "]" * 1000 + "}")
    assert "\n" not in str(caught.value)


def test_files_read_strictly(tmp_path: Path) -> None:
    """read_file: invalid UTF-8 names the byte, NaN says it is not a number; a missing file is an OSError."""
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"a": "\xff"}')
    with pytest.raises(JsonInputError, match=r"not UTF-8 text \(bad byte at offset 7\)"):
        read_file(bad)
    bad.write_text('{"a": NaN}')
    with pytest.raises(JsonInputError, match="NaN is not a JSON number"):
        read_file(bad)
    with pytest.raises(OSError):
        read_file(tmp_path / "missing.json")
