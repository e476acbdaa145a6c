"""Matching live requests to recorded ones: volatile keys, the id mapping, diffs and the closest match."""

from __future__ import annotations

import json
from typing import Any

import pytest

from openai_replay.cassette import Cassette, HttpExchange, Interaction, LiveRequest, SseEvent, body_without, interactions
from openai_replay.cassette.matching import (
    DEFAULT_MATCH_ON,
    MatchContext,
    closest,
    compare,
    diff_json,
    mismatch_message,
    resolve,
)


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def recorded(*bodies: dict[str, Any]) -> list[Interaction]:
    exchanges = []
    for number, body in enumerate(bodies, start=1):
        created = {"type": "response.created", "response": {"id": f"resp_{number}", "object": "response"}}
        exchanges.append(
            HttpExchange(request_body=json.dumps(body), events=[SseEvent(0.0, "response.created", json.dumps(created))])
        )
    return interactions(Cassette(connections=list(exchanges)))


MATCHERS = resolve(DEFAULT_MATCH_ON)


def test_volatile_keys_and_key_order_do_not_matter() -> None:
    """``stream``, ``stream_options`` and ``prompt_cache_key`` differ freely; key order is irrelevant."""
    (rec,) = recorded({"model": "m", "input": [user("hi")], "stream": True, "prompt_cache_key": "a"})
    live = LiveRequest("http", {"input": [user("hi")], "model": "m", "stream_options": {"include_obfuscation": False}})
    assert compare(live, rec, MATCHERS, MatchContext()) == []


def test_a_changed_field_is_reported_with_its_path() -> None:
    """A differing nested value and an extra key are reported by dotted path, recorded vs live."""
    (rec,) = recorded({"model": "m", "input": [user("hi")]})
    live = LiveRequest("http", {"model": "m", "input": [user("hello")], "temperature": 0.2})
    diffs = compare(live, rec, MATCHERS, MatchContext())
    assert [str(d) for d in diffs] == [
        "body.input[0].content[0].text: recorded 'hi', live 'hello'",
        "body.temperature: recorded (absent), live 0.2",
    ]


def test_previous_response_id_is_compared_through_the_id_mapping() -> None:
    """A live id that the replay issued for the recorded parent matches; an unrelated id does not."""
    items = recorded({"model": "m", "input": [user("a")]}, {"model": "m", "input": [user("b")], "previous_response_id": "resp_1"})
    ctx = MatchContext(recorded_ids={"resp_1": 0, "resp_2": 1}, live_ids={"resp_live_7": 0})
    same = LiveRequest("ws", {"model": "m", "input": [user("b")], "previous_response_id": "resp_live_7"})
    assert compare(same, items[1], resolve(["body"]), ctx) == []
    other = LiveRequest("ws", {"model": "m", "input": [user("b")], "previous_response_id": "resp_2"})
    (diff,) = compare(other, items[1], resolve(["body"]), ctx)
    assert diff.field == "body.previous_response_id"
    assert diff.note == "recorded points at interaction 1, live at interaction 2"


def test_transport_is_a_default_matcher() -> None:
    """The default matchers tell a WebSocket request from an HTTP one (cross-transport is a fallback pass)."""
    (rec,) = recorded({"model": "m", "input": "x"})
    (diff,) = compare(LiveRequest("ws", {"model": "m", "input": "x"}), rec, MATCHERS, MatchContext())
    assert (diff.field, diff.recorded, diff.live) == ("transport", "http", "ws")


def test_matchers_are_pluggable() -> None:
    """Names, ``body_without`` and plain callables can be combined; unknown names are rejected."""
    (rec,) = recorded({"model": "m", "input": "x", "metadata": {"run": "1"}})
    live = LiveRequest("http", {"model": "m", "input": "x", "metadata": {"run": "2"}})
    assert compare(live, rec, resolve(["path", body_without("metadata")]), MatchContext()) == []
    assert compare(live, rec, resolve([lambda live, rec, ctx: []]), MatchContext()) == []
    with pytest.raises(ValueError, match="unknown matcher 'headers'; known matchers: transport, method, path, query, body"):
        resolve(["headers"])


def test_closest_match_and_the_mismatch_message() -> None:
    """The closest recording is the one with fewest differences; the message lists them and the fix."""
    items = recorded({"model": "m", "input": [user("What is 2+2?")]}, {"model": "other", "input": [user("Bye")]})
    live = LiveRequest("http", {"model": "m", "input": [user("What is 3+3?")]})
    nearest = closest(live, items, MATCHERS, MatchContext())
    assert nearest is not None and nearest[0].index == 0
    text = mismatch_message(live, nearest, cassette="c.json", rerecord="openai-replay record --upstream U --out c.json")
    assert text.splitlines() == [
        "openai-replay: no recorded interaction in c.json matches this request",
        "  live:    http: POST /v1/responses  model=m input=1 item",
        "  closest: interaction 1, http POST /v1/responses (connection 1)  model=m input=1 item (not played yet)",
        "    - body.input[0].content[0].text: recorded 'What is 2+2?', live 'What is 3+3?'",
        "  to re-record: openai-replay record --upstream U --out c.json",
    ]


def test_diff_json_handles_lists_of_different_length_and_types() -> None:
    """Missing list elements and type changes (1 vs True) are differences; 1 vs 1.0 is not."""
    diffs = diff_json({"a": [1, 2], "b": 1, "c": 1}, {"a": [1], "b": True, "c": 1.0}, "body")
    assert [d.field for d in diffs] == ["body.a[1]", "body.b"]
