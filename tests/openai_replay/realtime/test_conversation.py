"""The conversation's engine view: what each response reads, shared between responses while unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from realtimekit import send, session, user_text

from openai_replay.items import Tally, count_tokens, items_tokens, tally
from openai_replay.realtime import conversation as conversation_module
from openai_replay.realtime.conversation import engine_items
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
    assert all(record.input_items is record.payload["input"] for record in rt.log.requests)  # not a second copy


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


def test_input_tokens_are_the_count_of_what_each_response_read() -> None:
    """The kept token counts add up to items_tokens of each response's input, before and after items change."""
    rt = session()
    usage: list[int] = []
    for word in ("one", "two words", "three words here"):
        send(rt, user_text(word))
        done = send(rt, {"type": "response.create"})[-2]
        usage.append(done["response"]["usage"]["input_tokens"])
    reply_id = rt.conversation.order[1]
    truncated = send(rt, {"type": "conversation.item.truncate", "item_id": reply_id, "content_index": 0, "audio_end_ms": 0})
    assert truncated[0]["type"] == "conversation.item.truncated"
    send(rt, {"type": "conversation.item.delete", "item_id": rt.conversation.order[0]})
    done = send(rt, {"type": "response.create", "response": {"output_modalities": ["text"]}})[-2]
    usage.append(done["response"]["usage"]["input_tokens"])
    instructions = count_tokens(rt.session["instructions"] or "")
    assert usage == [items_tokens(given) + instructions for given in inputs(rt)]
    kept = rt.conversation.engine_items()
    assert rt.conversation.tally(kept) == tally(kept)
    assert rt.conversation.tally([{"type": "message", "role": "user", "content": "x" * 40}]) == Tally(14)  # another list: counted


_OPS = st.lists(
    st.one_of(
        st.tuples(st.just("add"), st.sampled_from(["last", "root", "after"]), st.integers(0, 20)),
        st.tuples(st.just("delete"), st.integers(0, 20)),
        st.tuples(st.just("truncate"), st.integers(0, 20)),
        st.tuples(st.just("respond"), st.sampled_from(["audio", "text"])),
    ),
    max_size=10,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_OPS, st.sampled_from([4, 4096]))
@example([("add", "last", 0)] * 4 + [("add", "root", 0)], 4)  # a full conversation keeps an item placed first
def test_the_kept_view_is_always_the_conversation_read_afresh(ops: list[tuple[Any, ...]], most: int) -> None:
    """After any mix of appends, inserts, deletes, truncates, replies and trimming, the view read
    incrementally equals every item converted and counted from scratch."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(conversation_module, "MAX_ITEMS", most)
        rt = session()
        for n, op in enumerate(ops):
            order = rt.conversation.order
            pick = order[op[-1] % len(order)] if order and isinstance(op[-1], int) else None
            if op[0] == "add":
                extra = {} if op[1] == "last" or not order else {"previous_item_id": "root" if op[1] == "root" else pick}
                added = send(rt, {**user_text(f"item {n} ```json" if n % 3 == 0 else f"item {n}"), **extra})
                assert added[0]["type"] == "conversation.item.added"
            elif op[0] == "delete" and order:
                send(rt, {"type": "conversation.item.delete", "item_id": pick})
            elif op[0] == "truncate" and order:
                send(rt, {"type": "conversation.item.truncate", "item_id": pick, "content_index": 0, "audio_end_ms": 0})
            elif op[0] == "respond":
                send(rt, {"type": "response.create", "response": {"output_modalities": [op[1]]}})
            view = rt.conversation.engine_items()
            afresh = engine_items([rt.conversation.items[i] for i in rt.conversation.order])
            assert view == afresh
            assert rt.conversation.tally(view) == tally(afresh)


def test_a_conversation_never_read_keeps_no_more_than_its_items(monkeypatch: pytest.MonkeyPatch) -> None:
    """Items added without a response ever reading them (a transcription session) leave no growing bookkeeping."""
    monkeypatch.setattr(conversation_module, "MAX_ITEMS", 4)
    rt = session()
    for n in range(50):
        send(rt, user_text(f"item {n}"))
    assert len(rt.conversation.order) == 4 and len(rt.conversation._appended) <= 4
    assert rt.conversation.engine_items() == engine_items([rt.conversation.items[i] for i in rt.conversation.order])
