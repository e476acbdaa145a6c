"""Cutting the log's copies to its limits, over any input: the cut is bounded, noted and counted."""

from __future__ import annotations

import json
import re

from fuzzkit import PROFILE
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.log.trim import MARKER, cut_events, cut_fields, cut_items, shrink

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=8) | st.dictionaries(st.text(max_size=8), inner, max_size=8),
    max_leaves=40,
)


@settings(PROFILE)
@given(st.lists(st.sampled_from(["response.created", "delta", "response.completed"]), max_size=400), st.integers(1, 64))
def test_cut_events_keeps_the_limit_and_counts_what_it_left_out(types: list[str], limit: int) -> None:
    """Any list over the limit becomes exactly `limit` entries: its first and last ones and one note whose count adds up."""
    cut = cut_events(types, limit)
    if len(types) <= limit:
        assert cut is None
        return
    assert cut is not None and len(cut) == limit
    notes = [i for i, t in enumerate(cut) if t.startswith(MARKER)]
    assert len(notes) == 1
    left_out = int(re.findall(r"(\d+) more event types", cut[notes[0]])[0])
    head, tail = cut[: notes[0]], cut[notes[0] + 1 :]
    assert len(head) + len(tail) + left_out == len(types)
    assert head == types[: len(head)] and tail == (types[-len(tail) :] if tail else [])


@settings(PROFILE)
@given(st.lists(_json, max_size=6), st.integers(1, 400))
def test_cut_items_is_none_within_budget_and_noted_beyond(items: list[object], budget: int) -> None:
    """Items that fit come back as None (kept whole); items that do not are cut with a note, unless nothing can be cut."""
    cut = cut_items(items, budget)
    if len(json.dumps(items, separators=(",", ":"), ensure_ascii=False).encode()) <= budget:
        assert cut is None
    elif cut is None:  # shrink cuts strings, lists and objects; a few scalars over a tiny budget stay whole
        assert shrink(items, budget) == items
    else:
        assert MARKER in json.dumps(cut, ensure_ascii=False)


@settings(PROFILE)
@given(st.dictionaries(st.sampled_from(["model", "input", "instructions", "tools"]), _json, min_size=1), st.integers(1, 200))
def test_cut_fields_names_every_field_it_changed(payload: dict[str, object], budget: int) -> None:
    """The fields named as cut are exactly the top-level fields whose kept value differs (or the payload as a whole)."""
    kept, cut = cut_fields(payload, budget)
    changed = {f"payload.{k}" for k in payload if k not in kept or kept[k] != payload[k]}
    assert set(cut) == (changed or {"payload"})
