"""The conversation's engine view: what each response reads, shared between responses while unchanged."""

from __future__ import annotations

from typing import Any

from realtimekit import send, session, user_text

from openai_replay.realtime.machine import RealtimeSession


def inputs(rt: RealtimeSession) -> list[list[dict[str, Any]]]:
    """The engine input of every response so far, as the request log keeps it."""
    return [record.payload["input"] for record in rt.log.requests]


def test_successive_responses_share_the_unchanged_items_instead_of_copying_the_conversation() -> None:
    """Each response's logged input holds the same dict for an item the earlier ones saw (memory grows by the new items only)."""
    rt = session()
    for word in ("one", "two", "three"):
        send(rt, user_text(word))
        send(rt, {"type": "response.create", "response": {"output_modalities": ["text"]}})
    first, second, third = inputs(rt)
    assert [len(first), len(second), len(third)] == [1, 3, 5]
    assert third[0] is second[0] is first[0] and third[1] is second[1] and third[2] is second[2]
    assert third[1] == {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "You said: one"}]}
    assert third[4] == {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "three"}]}


def test_a_changed_item_is_read_afresh_and_earlier_records_keep_what_they_read() -> None:
    """A truncate drops a reply's transcript: the next response reads the item without it, the earlier record still with it."""
    rt = session()
    send(rt, user_text("hi"))
    reply_id = send(rt, {"type": "response.create"})[1]["item"]["id"]
    send(rt, user_text("again"))
    send(rt, {"type": "response.create"})
    send(rt, {"type": "conversation.item.truncate", "item_id": reply_id, "content_index": 0, "audio_end_ms": 300})
    send(rt, user_text("third"))
    send(rt, {"type": "response.create"})
    _, before, after = inputs(rt)
    assert before[1] == {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "You said: hi"}]}
    assert after[1] == {"type": "message", "role": "assistant", "content": []}
    assert after[0] is before[0] and after[2] is before[2]


def test_a_deleted_item_leaves_the_engine_view() -> None:
    """conversation.item.delete removes the item from the next response's input and from the kept engine forms."""
    rt = session()
    send(rt, user_text("keep"))
    send(rt, user_text("drop", id="item_drop"))
    send(rt, {"type": "response.create", "response": {"output_modalities": ["text"]}})
    send(rt, {"type": "conversation.item.delete", "item_id": "item_drop"})
    assert [item["content"][0]["text"] for item in rt.conversation.engine_items()] == ["keep", "You said: drop"]
    assert set(rt.conversation._engine) == set(rt.conversation.order)
