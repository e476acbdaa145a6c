"""Hostile client events: only valid events come back (an error names its cause), the session survives, memory stays bounded."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from fuzzkit import PROFILE, budget, json_values, no_tracebacks, raw_texts
from hypothesis import example, given, settings
from hypothesis import strategies as st
from realtimekit import send, session, user_text
from testkit import spec

from openai_replay.realtime.errors import CLIENT_EVENTS
from openai_replay.realtime.fidelity import check_event
from openai_replay.realtime.listening import MAX_BUFFER_MS
from openai_replay.realtime.machine import RealtimeSession

_FIELDS = [
    "session",
    "item",
    "item_id",
    "previous_item_id",
    "content_index",
    "audio_end_ms",
    "audio",
    "response",
    "response_id",
    "event_id",
]

events = st.fixed_dictionaries(
    {"type": st.sampled_from(CLIENT_EVENTS) | st.text(max_size=12) | json_values},
    optional={name: json_values for name in _FIELDS},
)
audio_frames = st.builds(
    lambda data, tail: {"type": "input_audio_buffer.append", "audio": base64.b64encode(data).decode() + tail},
    st.binary(max_size=4000),
    st.sampled_from(["", "=", "!!", "A", "====", "\u00e9"]),
)


def _still_alive(rt: RealtimeSession) -> None:
    """The session still answers a normal turn after whatever came before."""
    if rt.active is not None:
        send(rt, {"type": "response.cancel"})
    send(rt, {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}})
    reply = send(rt, user_text("still there?")) + send(
        rt, {"type": "response.create", "response": {"conversation": "none", "input": [user_text("ping")["item"]]}}
    )
    assert reply[-2]["type"] == "response.done" and reply[-2]["response"]["status"] == "completed", reply[-3:]


def _check(rt: RealtimeSession, frame: Any) -> None:
    text = frame if isinstance(frame, str) else json.dumps(frame)
    with no_tracebacks() as bad:
        out = send(rt, text)
    assert not bad, bad
    for event in out:
        assert check_event(spec(), event) == [], event
        if event["type"] == "error":  # one line, apart from what the client sent that it quotes
            assert "\n" not in event["error"]["message"].replace(str(frame.get("type") if isinstance(frame, dict) else ""), "")
    assert rt.buffered_ms() <= MAX_BUFFER_MS
    _still_alive(rt)


@settings(PROFILE, max_examples=budget(60))
@given(frame=events)
def test_any_client_event(frame: dict[str, Any]) -> None:
    """Any type with any fields: valid events only (errors in the real shape), then the session goes on."""
    _check(session(), frame)


@settings(PROFILE)
@given(frame=audio_frames)
def test_any_audio_append(frame: dict[str, Any]) -> None:
    """Appends of any bytes, valid base64 or not: the real error or nothing, then the session goes on."""
    _check(session(), frame)


@settings(PROFILE)
@given(text=raw_texts)
def test_any_text_frame(text: str) -> None:
    """Frames that are not JSON objects get one error event."""
    rt = session()
    out = send(rt, text)
    assert all(check_event(spec(), e) == [] for e in out)
    _still_alive(rt)


def test_appends_without_end_are_refused_at_the_buffer_limit() -> None:
    """Without turn detection a buffer that is never committed stops at its limit with an error; a commit frees it."""
    rt = session()
    send(rt, {"type": "session.update", "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}}})
    minute = {"type": "input_audio_buffer.append", "audio": base64.b64encode(b"\x10\x20" * 24000 * 60).decode()}
    answers = [send(rt, minute) for _ in range(MAX_BUFFER_MS // 60000 + 1)]
    assert all(a == [] for a in answers[:-1])
    assert answers[-1][0]["error"]["code"] == "input_audio_buffer_full"
    assert rt.buffered_ms() == MAX_BUFFER_MS
    committed = send(rt, {"type": "input_audio_buffer.commit"})  # the recogniser reads a bounded prefix
    assert committed[0]["type"] == "input_audio_buffer.committed" and rt.buffered_ms() == 0


def test_a_huge_append_is_refused_before_decoding() -> None:
    """An append over 15 MiB of base64 is refused with the real error shape and nothing is buffered."""
    rt = session()
    [error] = send(rt, {"type": "input_audio_buffer.append", "audio": "A" * (15 * 1024 * 1024 + 4)})
    assert error["error"]["param"] == "audio" and rt.buffered_ms() == 0


@pytest.mark.parametrize("bad", ["not base64!", "AAA", 12, None])
def test_invalid_audio_gets_the_error(bad: Any) -> None:
    """Invalid base64 or a non-string is an error event naming 'audio'."""
    [error] = send(session(), {"type": "input_audio_buffer.append", "audio": bad, "event_id": "e1"})
    assert error["error"]["param"] == "audio" and error["error"]["event_id"] == "e1"


def test_the_conversation_keeps_a_bounded_amount_of_text() -> None:
    """Huge items push the oldest out (truncation auto): the conversation never holds more than MAX_CHARS."""
    from openai_replay.realtime.conversation import MAX_CHARS

    rt = session()
    for i in range(12):
        send(rt, user_text("x" * (1024 * 1024), id=f"big{i}"))
    assert rt.conversation.chars <= MAX_CHARS and "big0" not in rt.conversation and "big11" in rt.conversation


_maybe = st.none() | json_values
_turn = st.fixed_dictionaries(
    {"type": st.sampled_from(["server_vad", "semantic_vad"])},
    optional={
        k: _maybe
        for k in ("threshold", "prefix_padding_ms", "silence_duration_ms", "idle_timeout_ms", "create_response", "eagerness")
    },
)
session_updates = st.fixed_dictionaries(
    {"type": st.just("realtime")},
    optional={
        "instructions": _maybe,
        "output_modalities": st.sampled_from([["text"], ["audio"], None]) | json_values,
        "tools": st.lists(
            st.fixed_dictionaries({"type": st.just("function"), "name": st.text(max_size=5)}, optional={"parameters": _maybe})
        ),
        "audio": st.fixed_dictionaries(
            {},
            optional={
                "input": st.fixed_dictionaries(
                    {},
                    optional={
                        "format": st.none() | st.fixed_dictionaries({"type": st.sampled_from(["audio/pcm", "audio/pcmu", "x"])}),
                        "turn_detection": st.none() | _turn,
                        "transcription": _maybe,
                    },
                ),
                "output": st.fixed_dictionaries({}, optional={"format": _maybe, "voice": _maybe, "speed": _maybe}),
            },
        ),
    },
)


@settings(PROFILE, max_examples=budget(60))
@given(update=session_updates)
@example(update={"type": "realtime", "audio": {"output": {"voice": []}}})  # was echoed back as the voice
@example(update={"type": "realtime", "audio": {"output": {"voice": ""}}})
def test_any_nearly_valid_session_update(update: dict[str, Any]) -> None:
    """Session updates close to valid, with nulls anywhere: session.updated or one error, then the session goes on."""
    _check(session(), {"type": "session.update", "session": update})


_part = st.fixed_dictionaries(
    {"type": st.sampled_from(["input_text", "input_audio", "output_text", "output_audio", "text"])},
    optional={"text": _maybe, "transcript": _maybe, "audio": _maybe},
)
items = st.fixed_dictionaries(
    {"type": st.sampled_from(["message", "function_call", "function_call_output"])},
    optional={
        "id": _maybe,
        "role": st.sampled_from(["user", "assistant", "system"]) | _maybe,
        "content": st.lists(_part, max_size=3) | _maybe,
        "call_id": _maybe,
        "name": _maybe,
        "arguments": _maybe,
        "output": _maybe,
        "status": _maybe,
    },
)
responses = st.fixed_dictionaries(
    {},
    optional={
        "conversation": st.sampled_from(["auto", "none"]) | _maybe,
        "input": st.lists(items | st.fixed_dictionaries({"type": st.just("item_reference"), "id": _maybe}), max_size=3) | _maybe,
        "output_modalities": st.sampled_from([["text"], ["audio"]]) | _maybe,
        "metadata": st.dictionaries(st.text(max_size=5), _maybe, max_size=3) | _maybe,
        "tools": _maybe,
        "tool_choice": _maybe,
        "instructions": _maybe,
        "max_output_tokens": _maybe,
        "audio": _maybe,
    },
)


@settings(PROFILE, max_examples=budget(60))
@given(item=items, previous=_maybe)
def test_any_nearly_valid_item(item: dict[str, Any], previous: Any) -> None:
    """Item creates close to valid: the item is added or one error names the problem; the session goes on."""
    _check(session(), {"type": "conversation.item.create", "item": item, "previous_item_id": previous})


@settings(PROFILE, max_examples=budget(60))
@given(params=responses)
def test_any_nearly_valid_response_create(params: dict[str, Any]) -> None:
    """response.create with nearly valid parameters: a whole response or one error; the session goes on."""
    rt = session()
    send(rt, user_text("hello"))
    _check(rt, {"type": "response.create", "response": params})
