"""Scenario.to_json: the inverse of the loader, for every action and selector the file format has."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from openai_replay.scenarios import BUILTINS, ScenarioError, builtin, load_scenario, scenario, schema
from openai_replay.scenarios.dump import scenario_to_json

EXAMPLE = Path(__file__).parents[3] / "examples" / "scenarios" / "multi_fault.json"


def every_action() -> object:
    return (
        scenario("all", "every action once")
        .config(enforce_previous_response=False)
        .unmatched("fail")
        .on(turn=1, chained=False, transport="ws", warmup=False)
        .named("content")
        .times(1)
        .reasoning("thinking", chunk=3)
        .call("get_weather", {"city": "Paris"}, call_id="call_1", chunk=4)
        .reply("Hello there", chunk=2, phase="final_answer")
        .complete()
        .on(turn=[2, 3], attempt={"min": 2}, text_contains="x", input_type="message")
        .expect(0)
        .slow(ttfb=0.1, delay=0.01, jitter=0.01, seed=3)
        .stall(0.2, after=1)
        .malformed(after=2)
        .binary(b"bytes", after=3)
        .duplicate(after=4)
        .event({"type": "response.custom", "x": 1}, numbered=False, after=5)
        .unknown_event("response.future", after=6, extra=True)
        .cut(after=("response.output_text.delta", 2), keep=7)
        .on(connection=1, turn_on_connection={"min": 2, "max": 4})
        .optional()
        .fail("server_error", "boom", error_event=True)
        .on(connection=2)
        .optional()
        .reply("partial")
        .incomplete("content_filter", cut_item=False)
        .on(turn=9)
        .optional()
        .http_status(429, retry_after=1, retry_after_ms=50, should_retry=True, headers={"x-a": "b"}, param=None)
        .on(turn=10)
        .optional()
        .close(1011, "bye", after=0)
        .on(turn=11)
        .optional()
        .drop(after={"event": "response.created"})
        .reject_handshake(429, connection=[1, 2], retry_after=1, times=1)
        .when_idle(connection=1, after_turns=0)
        .optional()
        .error("websocket_connection_limit_reached")
        .close(1000)
        .build()
    )


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_builtins_round_trip(name: str) -> None:
    """Every built-in scenario written to JSON loads back to the same JSON, valid against the schema."""
    doc = builtin(name).to_json()
    jsonschema.validate(doc, schema())
    assert load_scenario(doc).to_json() == doc


def test_every_action_and_selector_round_trips() -> None:
    """A scenario using every action, selector and rule kind survives JSON and back unchanged."""
    original = every_action()
    doc = original.to_json()  # type: ignore[attr-defined]
    jsonschema.validate(doc, schema())
    loaded = load_scenario(doc)
    assert loaded.to_json() == doc
    assert [r.actions for r in loaded.rules] == [r.actions for r in original.rules]  # type: ignore[attr-defined]
    assert [r.match for r in loaded.rules] == [r.match for r in original.rules]  # type: ignore[attr-defined]


def test_example_file_round_trips() -> None:
    """The shipped example file reads back to itself (http_status is written as the equivalent error)."""
    doc = load_scenario(EXAMPLE).to_json()
    assert load_scenario(doc).to_json() == doc


def test_predicate_is_refused_not_dropped() -> None:
    """A where= predicate has no JSON form: to_json says so and names the rule."""
    s = scenario("p").on().where(lambda turn: True).named("custom").error("server_error").build()
    with pytest.raises(ScenarioError, match="rule 1 'custom': a where= predicate has no JSON form"):
        scenario_to_json(s)
