"""Realtime assertions: the protocol mistakes voice frameworks make, and function calls answered once."""

from __future__ import annotations

import pytest
from realtimekit import send, session, user_text

TOOL = {"type": "function", "name": "f", "parameters": {"type": "object", "properties": {}}}
TEXT = {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"], "tools": [TOOL]}}


def test_a_clean_session_passes() -> None:
    """Creates and cancels at the right moments, a call answered once: both assertions pass."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("call f"))
    call = next(e for e in send(rt, {"type": "response.create"}) if e["type"] == "response.function_call_arguments.done")
    send(
        rt,
        {
            "type": "conversation.item.create",
            "item": {"type": "function_call_output", "call_id": call["call_id"], "output": "ok"},
        },
    )
    send(rt, {"type": "response.create"})
    rt.log.assert_realtime_protocol()
    rt.log.assert_calls_answered()


@pytest.mark.parametrize(
    ("frames", "what"),
    [
        ([{"type": "response.create"}, {"type": "response.create"}], "response.create while a response was active"),
        ([{"type": "response.cancel"}], "response.cancel with no response active"),
    ],
)
def test_protocol_mistakes_fail_with_the_timeline(frames: list, what: str) -> None:
    """A create while active or a cancel with none fails the assertion, naming the mistake."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("hi"))
    for frame in frames:
        send(rt, frame, run=False)
    with pytest.raises(AssertionError, match=what) as raised:
        rt.log.assert_realtime_protocol()
    assert "opened /v1/realtime" in str(raised.value)


def test_a_truncate_past_the_audio_fails() -> None:
    """Truncating further than the audio delivered (pipecat#2106's 85 ms) is reported."""
    rt = session()
    send(rt, user_text("hi"))
    events = send(rt, {"type": "response.create"})
    item_id = events[1]["item"]["id"]
    send(
        rt,
        {
            "type": "conversation.item.truncate",
            "item_id": item_id,
            "content_index": 0,
            "audio_end_ms": rt.conversation.audio_ms[item_id] + 85,
        },
    )
    with pytest.raises(AssertionError, match="truncated past the audio"):
        rt.log.assert_realtime_protocol()


def test_an_unanswered_or_twice_answered_call_fails() -> None:
    """A call never answered, or answered twice, is reported with its request."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("call f"))
    send(rt, {"type": "response.create"})
    with pytest.raises(AssertionError, match="answered 0 time"):
        rt.log.assert_calls_answered()
    call_id = rt.log.requests[-1].output_items[0]["call_id"]
    for _ in range(2):
        send(
            rt, {"type": "conversation.item.create", "item": {"type": "function_call_output", "call_id": call_id, "output": "x"}}
        )
    with pytest.raises(AssertionError, match="answered 2 time"):
        rt.log.assert_calls_answered()


def _second_connection(rt_first, restore: bool):
    """A second core session on the same log, restoring the first's messages or not."""
    from realtimekit import session as new_session

    from openai_replay.realtime import RealtimeSession

    template = new_session()
    log, clock = rt_first.log, rt_first.clock
    rt = RealtimeSession(
        ids=template.ids, clock=clock, config=template.config, source=template.source, log=log,
        connection=log.open_connection("/v1/realtime", "", clock.time()), model="gpt-realtime",
        speak=template.speak, recognize=template.recognize,
    )  # fmt: skip
    send(rt, TEXT)
    if restore:
        send(rt, user_text("hi"))
        send(
            rt,
            {
                "type": "conversation.item.create",
                "item": {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "You said: hi"}]},
            },
        )
    send(rt, user_text("and now?"))
    send(rt, {"type": "response.create"})


@pytest.mark.parametrize("restore", [True, False])
def test_a_reconnect_must_restore_the_conversation(restore: bool) -> None:
    """After a new socket, the first response must see the earlier messages (livekit/agents-js#977)."""
    rt = session()
    send(rt, TEXT)
    send(rt, user_text("hi"))
    send(rt, {"type": "response.create"})
    _second_connection(rt, restore)
    if restore:
        rt.log.assert_conversation_restored()
    else:
        with pytest.raises(AssertionError, match="does not restore the conversation"):
            rt.log.assert_conversation_restored()
