"""Byte-level encodings the real API uses (reference/real-traffic.md §1, §3, §7)."""

from __future__ import annotations

import json
from typing import Any

import orjson

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
#: A JSON string literal exactly as `compact` writes one (raw UTF-8, escapes only what JSON needs).
json_string = json.encoder.encode_basestring


class Event(dict):  # type: ignore[type-arg]
    """An event that already knows its compact JSON (``wire``), written in the same pass as the dict.

    `compact` returns ``wire`` as is, so hot events (one per delta) skip the encoder. Setting,
    deleting or updating one of its keys forgets ``wire``; values nested inside it must be replaced,
    not changed in place (`ResponseBuilder` only pre-encodes events whose nested values are empty).
    """

    __slots__ = ("wire",)
    #: Set by whoever encodes it; unset (or None) until then. No ``__init__``: one is made per delta.
    wire: str | None

    def __setitem__(self, key: Any, value: Any) -> None:
        self.wire = None
        super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        self.wire = None
        super().__delitem__(key)

    def __ior__(self, other: Any) -> Event:  # type: ignore[misc]
        self.wire = None
        return super().__ior__(other)  # type: ignore[no-any-return]

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.wire = None
        super().update(*args, **kwargs)

    def pop(self, *args: Any) -> Any:
        self.wire = None
        return super().pop(*args)

    def popitem(self) -> Any:
        self.wire = None
        return super().popitem()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        self.wire = None
        return super().setdefault(key, default)

    def clear(self) -> None:
        self.wire = None
        super().clear()


def compact(obj: Any) -> str:
    """SSE/WebSocket JSON: no spaces, raw UTF-8, key order preserved.

    orjson writes the same bytes as ``json.dumps(obj, separators=(",", ":"), ensure_ascii=False)``
    about ten times faster (the only difference: an exponent is written ``1e-7``, not ``1e-07``);
    what orjson refuses (keys that are not strings, integers beyond 64 bits) goes through json.
    """
    if type(obj) is Event:
        wire: str | None = getattr(obj, "wire", None)
        if wire is not None:
            return wire
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return _COMPACT.encode(obj)


def pretty(obj: Any) -> str:
    """Non-streaming JSON bodies: 2-space indent, ASCII escapes, no trailing newline."""
    return json.dumps(obj, indent=2)


def sse(event_type: str, data: str) -> bytes:
    """One SSE event exactly as the real API frames it: two lines, LF only, blank line after."""
    return f"event: {event_type}\ndata: {data}\n\n".encode()


def type_first(obj: dict[str, Any]) -> dict[str, Any]:
    """The 2026 key order of events and content parts: ``type``, then the rest alphabetically."""
    out: dict[str, Any] = {}
    if "type" in obj:
        out["type"] = obj["type"]
    for key in sorted(k for k in obj if k != "type"):
        out[key] = obj[key]
    return out


def item_order(obj: dict[str, Any]) -> dict[str, Any]:
    """Output item key order: ``id, type, status`` then alphabetical."""
    head = [k for k in ("id", "type", "status") if k in obj]
    out: dict[str, Any] = {k: obj[k] for k in head}
    for key in sorted(k for k in obj if k not in head):
        out[key] = obj[key]
    return out


def response_order(obj: dict[str, Any]) -> dict[str, Any]:
    """Response key order: ``id, object, created_at, status``, alphabetical, ``user, metadata``."""
    head = [k for k in ("id", "object", "created_at", "status") if k in obj]
    tail = [k for k in ("user", "metadata") if k in obj]
    out: dict[str, Any] = {k: obj[k] for k in head}
    for key in sorted(k for k in obj if k not in head and k not in tail):
        out[key] = obj[key]
    for key in tail:
        out[key] = obj[key]
    return out


def with_stream_id(event: dict[str, Any], stream_id: str | None) -> dict[str, Any]:
    """Echo a lane's ``stream_id`` on an event (v2); default-lane events carry no such key."""
    if stream_id is None:
        return event
    merged = dict(event)
    merged["stream_id"] = stream_id
    return type_first(merged) if next(iter(event), None) == "type" and _is_sorted(event) else merged


def _is_sorted(event: dict[str, Any]) -> bool:
    rest = [k for k in event if k != "type"]
    return rest == sorted(rest)
