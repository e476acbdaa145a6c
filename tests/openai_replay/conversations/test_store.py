"""The conversation store: items get stable ids, the store is bounded."""

from __future__ import annotations

from openai_replay.conversations import Conversation, ConversationStore


def test_added_items_get_ids_and_keep_given_ones() -> None:
    """Items without an id get a derived one, given ids stay, and a deleted item's position is not reused."""
    conv = Conversation(id="conv_0123456789abcdef00aa", created_at=1)
    first = conv.add([{"role": "user", "content": "a"}, {"type": "message", "role": "user", "content": "b", "id": "msg_given"}])
    assert first[0]["id"].startswith("msg_0123456789abcdef00") and first[1]["id"] == "msg_given"
    assert first[0]["content"] == [{"type": "input_text", "text": "a"}] and first[0]["status"] == "completed"
    conv.items.remove(first[0])
    second = conv.add([{"role": "user", "content": "c"}])
    assert second[0]["id"] not in {i["id"] for i in first}


def test_the_store_keeps_the_newest_up_to_its_limit() -> None:
    """With a limit the oldest conversation goes first; clear empties it."""
    store = ConversationStore(limit=2)
    for n in range(3):
        store.put(Conversation(id=f"conv_{n}", created_at=n))
    assert store.get("conv_0") is None and store.get("conv_2") is not None and len(store) == 2
    assert store.find("conv_0").status == 404  # type: ignore[union-attr]
    store.clear()
    assert len(store) == 0
