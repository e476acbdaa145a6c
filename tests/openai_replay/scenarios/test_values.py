"""Scenario values that load also work on the wire: config types, header names and values, close
reasons, durations and counts are checked once, for JSON files, built-ins and the fluent API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from openai_replay.cli.main import main
from openai_replay.scenarios import ScenarioError, load_scenario, resolve, scenario


def load(tmp_path: Path, doc: dict[str, Any] | str | bytes) -> str:
    """The one-problem error text of loading ``doc`` as a scenario file."""
    path = tmp_path / "s.json"
    if isinstance(doc, bytes):
        path.write_bytes(doc)
    else:
        path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return str(caught.value)


def rule(*actions: dict[str, Any]) -> dict[str, Any]:
    return {"rules": [{"match": {"turn": 1}, "do": list(actions)}]}


def test_config_types_are_checked(tmp_path: Path) -> None:
    """`connection_limit_seconds: "soon"` (a TypeError on every turn on main) is refused when loading."""
    text = load(tmp_path, {"config": {"connection_limit_seconds": "soon", "chunk_size": 0, "limit_close_code": 5}})
    assert "config.connection_limit_seconds: expected a number, got 'soon'" in text
    assert "config.chunk_size: must be 1 or more, got 0" in text
    assert "config.limit_close_code: must be between 1000 and 4999, got 5" in text


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-a": "b\r\nSet-Cookie: evil"}, "the value of 'x-a' must be text without CR, LF or control characters"),
        ({"bad name": "v"}, "'bad name' is not a valid header name"),
        ({"x-\n": "v"}, "is not a valid header name"),
    ],
)
def test_error_headers_are_tokens_without_crlf(tmp_path: Path, headers: dict[str, str], expected: str) -> None:
    """Headers with CR/LF or an invalid name (the client was dropped without a status on main) are refused."""
    text = load(tmp_path, rule({"action": "http_status", "status": 429, "headers": headers}))
    assert "$.rules[0].do[0] (http_status): headers: " in text and expected in text
    handshake = load(tmp_path, {"handshakes": [{"status": 429, "headers": headers}]})
    assert "$.handshakes[0]: headers: " in handshake


def test_close_reason_fits_a_close_frame(tmp_path: Path) -> None:
    """A close reason over 123 bytes of UTF-8 (an invalid close frame on main) is refused; 123 bytes load."""
    text = load(tmp_path, rule({"action": "close", "code": 1011, "reason": "é" * 62}))
    assert "reason: a close reason is at most 123 bytes of UTF-8, got 124" in text
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(rule({"action": "close", "code": 1011, "reason": "x" * 123})))
    assert load_scenario(path).rules


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN"])
def test_stall_refuses_infinity_and_nan(tmp_path: Path, number: str) -> None:
    """`stall` with Infinity or NaN (accepted on main) is not a JSON number: refused with the reason."""
    doc = json.dumps(rule({"action": "stall", "seconds": 1})).replace('"seconds": 1', f'"seconds": {number}')
    assert f"{number.lstrip('-')} is not a JSON number" in load(tmp_path, doc)


def test_negative_and_wrong_typed_counts(tmp_path: Path) -> None:
    """Negative durations, a zero chunk and a negative `after` are refused with the JSON path."""
    text = load(
        tmp_path,
        rule({"action": "text", "text": "a", "chunk": 0}, {"action": "stall", "seconds": -1, "after": {"event": "x", "nth": -2}}),
    )
    assert "$.rules[0].do[0].chunk" in text and "$.rules[0].do[1].seconds: -1 is less than the minimum of 0" in text
    assert "$.rules[0].do[1].after" in text


def test_builtin_parameters_are_checked() -> None:
    """`close_mid_stream:deltas=-5` (accepted on main) and a stall of inf are refused."""
    with pytest.raises(ScenarioError, match="after: the nth event: must be 1 or more, got -5"):
        resolve("close_mid_stream:deltas=-5")
    with pytest.raises(ScenarioError, match="seconds: seconds must be finite and 0 or more"):
        resolve("slow_first_token:seconds=1e999")


def test_the_fluent_api_checks_the_same_values() -> None:
    """The fluent API refuses what the JSON loader refuses: one place holds the rules."""
    with pytest.raises(ScenarioError, match="close reason is at most 123 bytes"):
        scenario().on(turn=1).close(1000, "x" * 200)
    with pytest.raises(ScenarioError, match="seconds must be finite"):
        scenario().on(turn=1).stall(float("nan"))
    with pytest.raises(ScenarioError, match="is not a valid header name"):
        scenario().on(turn=1).error(status=500, headers={"a b": "c"})
    with pytest.raises(ScenarioError, match=r"config\.connection_limit_seconds"):
        scenario().config(connection_limit_seconds="soon").on(turn=1).reply("x").build()


def test_non_utf8_and_deep_files_are_one_line_errors(tmp_path: Path) -> None:
    """A non-UTF-8 file (raw UnicodeDecodeError on main) and 100,000-deep JSON (RecursionError) name the file."""
    assert "not UTF-8 text (bad byte at offset 1)" in load(tmp_path, b'{\xff"rules": []}')
    assert "nests deeper than 200 levels" in load(tmp_path, "[" * 100_000 + "]" * 100_000)
    assert "$.rules" in load(tmp_path, '{"rules": ' + "[" * 300 + "]" * 300 + "}")


@pytest.mark.parametrize("content", [b"\xff\xfe", "[" * 100_000 + "]" * 100_000, '{"config": {"seed": "x"}}'])
def test_serve_scenario_exits_2_without_traceback(
    tmp_path: Path, content: str | bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --scenario FILE` with a bad file: exit 2, the error names the file, no traceback."""
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main(["serve", "--port", "0", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: scenario file {path} is not valid:") and "Traceback" not in err


def test_config_checks_follow_the_server_config_types() -> None:
    """Literal choices, NaN durations and a non-object `extra` are refused; a negative seed and null close code are fine."""
    from openai_replay.scenarios import values

    assert values.config({"extra": {"a": 1}, "seed": -3, "limit_close_code": None, "require_auth": False}) == []
    assert values.config({"cancel_mode": "x", "event_delay": float("nan"), "extra": 5, "require_auth": "yes"}) == [
        "config.cancel_mode: expected 'reject' or 'honour', got 'x'",
        "config.event_delay: must be a finite number >= 0, got nan",
        "config.extra: expected an object, got 5",
        "config.require_auth: expected true or false, got 'yes'",
    ]
