"""Shrinking a large payload for the request log of a long-running server: a copy within a byte budget.

The copy keeps the payload's shape (small fields such as ``model`` first, whatever order they came
in) and says where it cut, with `MARKER` text, so a reader of the log never mistakes a cut payload
for what the client sent. The original is never changed: the turn, the connection cache and the
store share its items.
"""

from __future__ import annotations

from typing import Any

import orjson

#: Starts every note of a cut; the note says how much was left out.
MARKER = "[truncated by the request log:"
#: The key under which a cut object notes the fields it left out.
MARKER_KEY = "_truncated"


def shrink(value: Any, budget: int) -> Any:
    """A copy of ``value`` that takes about ``budget`` bytes of JSON, with a note at every cut."""
    left = [budget]
    return _shrink(value, left)


def _note(count: int, what: str) -> str:
    return f"{MARKER} {count} more {what}]"


def _weight(value: Any) -> tuple[bool, int]:
    """Containers last; strings by length; other scalars first."""
    return isinstance(value, (list, dict)), len(value) if isinstance(value, str) else 0


def _shrink(value: Any, left: list[int]) -> Any:
    if isinstance(value, str):
        if len(value) <= left[0]:
            left[0] -= len(value) + 2
            return value
        keep = max(left[0], 0)
        left[0] = 0
        return value[:keep] + _note(len(value) - keep, "characters")
    if isinstance(value, list):
        out: list[Any] = []
        left[0] -= 2
        for index, item in enumerate(value):
            if left[0] <= 0:
                out.append(_note(len(value) - index, "items"))
                break
            out.append(_shrink(item, left))
        return out
    if isinstance(value, dict):
        left[0] -= 2
        # Scalars first (model, stream, previous_response_id...), so a huge input cannot crowd them out.
        order = sorted(value, key=lambda key: _weight(value[key]))
        kept: dict[Any, Any] = {}
        for index, key in enumerate(order):
            if left[0] <= 0:
                kept[MARKER_KEY] = _note(len(order) - index, "fields")
                break
            left[0] -= len(str(key)) + 3
            # Each field gets a fair share of what is left, so one huge field leaves room for the rest.
            share = [max(left[0] // (len(order) - index), 64)]
            start = share[0]
            kept[key] = _shrink(value[key], share)
            left[0] -= start - share[0]
        return {key: kept[key] for key in [*value, MARKER_KEY] if key in kept}
    left[0] -= 8
    return value


def cut_fields(payload: dict[str, Any], budget: int) -> tuple[dict[str, Any], tuple[str, ...]]:
    """`shrink` for a request payload, and the top-level fields it changed (``payload.input``...),
    so a reader can tell whether what it needs was cut."""
    kept = shrink(payload, budget)
    changed = tuple(f"payload.{key}" for key in payload if key not in kept or kept[key] != payload[key])
    return kept, changed or ("payload",)


def cut_events(types: list[str], limit: int) -> list[str] | None:
    """At most ``limit`` event types: the first and the last ones around a note of how many were left
    out (a long stream is mostly deltas; its start and end say how it went). None when within it."""
    if len(types) <= limit:
        return None
    head = max((limit - 1) // 2, 0)
    tail = max(limit - 1 - head, 0)
    left_out = len(types) - head - tail
    return [*types[:head], _note(left_out, "event types"), *(types[-tail:] if tail else [])]


def cut_items(items: list[Any], budget: int) -> list[Any] | None:
    """``items`` within ``budget`` bytes of JSON (see `shrink`), or None when they fit (or nothing
    could be cut)."""
    try:
        size = len(orjson.dumps(items))
    except TypeError:  # what orjson refuses (huge integers, non-string keys): measured the slow way
        import json

        size = len(json.dumps(items, default=str))
    if size <= budget:
        return None
    kept = shrink(items, budget)
    return None if kept == items else kept  # a budget below the brackets themselves cuts nothing
