"""Tallies add up: a conversation's tally built turn by turn equals the tally read from scratch."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from openai_replay.items import JSON_FENCE, Tally, fenced, items_tokens, tally

_TEXT = st.text(max_size=40) | st.sampled_from([JSON_FENCE, f"say it in a {JSON_FENCE} block", "```jso"])
_ITEM = st.one_of(
    st.builds(lambda role, text: {"type": "message", "role": role, "content": text}, st.sampled_from(["user", "system"]), _TEXT),
    st.builds(lambda text: {"role": "user", "content": [{"type": "input_text", "text": text}]}, _TEXT),
    st.builds(lambda out: {"type": "function_call_output", "call_id": "c", "output": out}, _TEXT),
    st.builds(lambda args: {"type": "function_call", "call_id": "c", "name": "f", "arguments": args}, _TEXT),
)


@given(st.lists(st.lists(_ITEM, max_size=4), max_size=6))
def test_a_tally_added_turn_by_turn_is_the_tally_of_the_whole(turns: list[list[dict[str, Any]]]) -> None:
    """Adding each turn's items to the kept tally gives the whole conversation's token count and fence."""
    kept, whole = Tally(), []
    for items in turns:
        kept = kept.plus(items)
        whole += items
    assert kept == tally(whole) == Tally(items_tokens(whole), fenced(whole))


def test_a_fence_is_found_only_as_written() -> None:
    """Only the literal ```json fence counts; an empty list adds nothing."""
    assert tally([{"role": "user", "content": f"reply in a {JSON_FENCE} block"}]).fenced
    assert not tally([{"role": "user", "content": "reply in a ``` json block"}]).fenced
    assert Tally(3, True).plus([]) == Tally(3, True)
