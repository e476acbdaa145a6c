"""Byte-level encodings the real API uses (reference/real-traffic.md §1, §3, §7)."""

from __future__ import annotations

import json
from typing import Any

_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact(obj: Any) -> str:
    """SSE/WebSocket JSON: no spaces, raw UTF-8, key order preserved."""
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
