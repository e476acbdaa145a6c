"""Scenario files: the shipped JSON Schema, and clear load-time errors naming the rule and JSON path."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from openai_replay.scenarios import ScenarioError, load_scenario, schema

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "scenarios" / "multi_fault.json"


def _problems(doc: dict[str, Any]) -> list[str]:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(doc)
    return raised.value.problems


def _rule(*actions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "r", **extra, "do": list(actions)}


def test_schema_ships_with_the_package_and_is_valid() -> None:
    """The schema is package data, a valid draft 2020-12 schema, and accepts the example file."""
    text = resources.files("openai_replay.scenarios").joinpath("scenario.schema.json").read_text()
    assert json.loads(text) == schema()
    jsonschema.Draft202012Validator.check_schema(schema())
    jsonschema.Draft202012Validator(schema()).validate(json.loads(EXAMPLE.read_text()))


def test_example_file_loads_with_every_rule_kind() -> None:
    """The example loads from its path: request, handshake and idle rules, named after JSON paths."""
    s = load_scenario(EXAMPLE)
    assert s.name == "multi_fault_weather_chat" and s.unmatched == "fail"
    assert next(iter(s.fired())) == "$.rules[0] 'greeting'"
    assert (len(s.rules), len(s.handshakes), len(s.idle_rules)) == (6, 1, 1)


def test_unknown_action_names_the_rule_and_path() -> None:
    """An unknown action fails with its JSON path, the rule's name and the known actions."""
    problems = _problems({"rules": [_rule({"action": "text", "text": "x"}, {"action": "explode", "power": 9})]})
    assert problems == [
        "$.rules[0].do[1].action (rule 'r'): unknown action 'explode'; known actions: text, function_call, reasoning, "
        "complete, fail, incomplete, error, http_status, close, drop, cut, stall, malformed, binary, duplicate, "
        "event, unknown_event, no_usage, slow, respond"
    ]


def test_never_matching_rule_is_refused() -> None:
    """A rule no request can match fails at load time with the reason."""
    problems = _problems({"rules": [_rule({"action": "drop"}, match={"transport": "http", "turn_on_connection": 2})]})
    assert problems == [
        "$.rules[0] 'r': can never match: HTTP requests have no WebSocket connection, so 'turn_on_connection' "
        "never matches with transport 'http'"
    ]


def test_shadowed_rule_can_never_match() -> None:
    """A rule after an unlimited catch-all is reported as unreachable."""
    problems = _problems(
        {"rules": [{"do": [{"action": "complete"}]}, {"name": "late", "match": {"turn": 2}, "do": [{"action": "drop"}]}]}
    )
    assert problems == [
        "$.rules[1] 'late': can never match: $.rules[0] (every request) comes first, matches every request "
        "and has no 'times' limit"
    ]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            _rule({"action": "close", "code": 1011}, {"action": "text", "text": "hi"}),
            "$.rules[0] 'r': 'text 'hi'' can never happen: 'close 1011' before it ends the connection",
        ),
        (
            _rule({"action": "fail"}, {"action": "text", "text": "more"}),
            "$.rules[0] 'r': 'text 'more'' can never happen: 'fail server_error' before it ends the request "
            "(only close, drop, stall may follow an ending)",
        ),
        (
            _rule({"action": "complete"}, times=1, expect=2),
            "$.rules[0] 'r': expects 2 firings but 'times' caps it at 1: these contradict",
        ),
        (
            _rule({"action": "slow", "delay": 1}, {"action": "slow", "ttfb": 2}),
            "$.rules[0] 'r': two 'slow' actions contradict each other: give one, with ttfb, delay and jitter together",
        ),
        (
            _rule({"action": "close", "after": 5}, {"action": "drop", "after": 3}),
            "$.rules[0] 'r': 'close 1000 after 5 events' can never happen: 'drop after 3 events' ends the stream first",
        ),
        (
            _rule({"action": "close", "code": 1006}),
            "$.rules[0] 'r': close code 1006 (closed without a close frame) cannot be sent in a close frame; "
            "use the 'drop' action for an abrupt close",
        ),
        (
            _rule({"action": "complete"}, optional=True, expect=1),
            "$.rules[0] 'r': 'optional' and 'expect': 1 contradict (optional means it may never fire)",
        ),
    ],
)
def test_contradictions_name_the_rule(rule: dict[str, Any], expected: str) -> None:
    """A rule that contradicts itself fails at load time with the rule and what clashes."""
    assert _problems({"rules": [rule]}) == [expected]


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"rules": [{"name": "r"}]}, "$.rules[0] (rule 'r'): 'do' is a required property"),
        (
            {"rules": [_rule({"action": "complete"}, match={"turn": "one"})]},
            "$.rules[0].match.turn (rule 'r'): 'one' is not a selector: give a number, a list of numbers, or "
            '{"min": a, "max": b}',
        ),
        (
            {"rules": [_rule({"action": "complete"}, match={"turnn": 1})]},
            "$.rules[0].match (rule 'r'): unknown field(s) 'turnn' for this object; allowed: api, attempt, body, "
            "body_contains, chained, connection, input_type, method, path, text_contains, transport, turn, "
            "turn_on_connection, warmup",
        ),
        (
            {"rules": [_rule({"action": "text", "text": "x", "colour": "red"})]},
            "$.rules[0].do[0] (rule 'r'): unknown field(s) 'colour' for action 'text'; allowed: action, chunk, phase, text",
        ),
        (
            {"rules": [_rule({"action": "close", "code": 999})]},
            "$.rules[0].do[0].code (rule 'r'): 999 is less than the minimum of 1000",
        ),
        (
            {"rules": [_rule({"action": "stall"})]},
            "$.rules[0].do[0] (rule 'r'): 'seconds' is a required property",
        ),
        (
            {"rules": [_rule({"action": "drop", "after": "soon"})]},
            "$.rules[0].do[0].after (rule 'r'): 'soon' is not a position: give a number of events, or "
            '{"event": type, "nth": n}',
        ),
        ({"unmatched": "explode"}, "$.unmatched: 'explode' is not one of ['simulate', 'fail']"),
        (
            {"rulez": []},
            "$: unknown field(s) 'rulez' for this object; allowed: $schema, config, description, handshakes, "
            "idle, name, rules, unmatched, version",
        ),
        ({"config": {"enforce_previous_respons": False}}, "config: unknown server setting 'enforce_previous_respons'"),
    ],
)
def test_schema_violations_name_the_json_path(doc: dict[str, Any], expected: str) -> None:
    """Every schema violation gives the JSON path, the rule's name and what is wrong."""
    problems = _problems(doc)
    assert any(p.startswith(expected) for p in problems), problems


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    """Invalid JSON gives the file, line and column; a bad rule the file and the JSON path."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"rules": [\n  {"do": [}\n]}')
    with pytest.raises(ScenarioError) as raised:
        load_scenario(broken)
    expected = "not valid JSON: unexpected character, expected a JSON value at line 2 column 11"
    assert str(raised.value) == f"scenario file {broken} is not valid:\n  - {expected}"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [_rule({"action": "nope"})]}))
    with pytest.raises(
        ScenarioError,
        match=rf"scenario file {bad} is not valid:\n  - \$\.rules\[0\]\.do\[0\]\.action \(rule 'r'\): unknown action 'nope'",
    ):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="cannot read it"):
        load_scenario(tmp_path / "missing.json")


def test_idle_and_handshake_rules_are_checked() -> None:
    """Idle pushes refuse content actions and 'after'; handshakes need an error status."""
    problems = _problems({"idle": [{"name": "i", "do": [{"action": "text", "text": "hi"}, {"action": "close", "after": 2}]}]})
    assert problems == [
        "$.idle[0] 'i': 'text' cannot be pushed on an idle connection; use one of stall, error, event, unknown_event, "
        "malformed, binary, close, drop",
        "$.idle[0] 'i': 'close 1000 after 2 events': an idle push has no stream to count events in; drop 'after'",
    ]
    assert _problems({"handshakes": [{"name": "h", "status": 200}]}) == [
        "$.handshakes[0].status (rule 'h'): 200 is less than the minimum of 400"
    ]


def test_a_bad_value_for_a_known_field_names_that_field_not_an_empty_unknown_list() -> None:
    """A close with a bad `after` points at $.…after; no 'unknown field(s)  for action' line with nothing in it."""
    doc = {"rules": [{"match": {"turn": 1}, "do": [{"action": "close", "after": {"event": "x", "nth": 0}}]}]}
    with pytest.raises(ScenarioError) as raised:
        load_scenario(doc)
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith("$.rules[0].do[0].after: {'event': 'x', 'nth': 0} is not a position")


def test_stall_forever_in_json() -> None:
    """{"action": "stall", "forever": true} loads as a stall with no end."""
    s = load_scenario({"rules": [{"do": [{"action": "stall", "forever": True, "after": 2}]}]})
    assert s.rules[0].actions[0].describe().startswith("stall forever")
