"""Reading conversations back out of the request log: what the server already has, item identity.

A chained request's conversation is its parent's conversation, plus its own input, plus its output;
following ``previous_response_id`` through the log rebuilds it. Items are compared by what they
mean, not by every byte, because clients legitimately reshape items they send back (an assistant
message may come back without its ``id`` or ``status``, as a plain string, and so on).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from openai_replay.items import item_text

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import RequestRecord

__all__ = [
    "ItemKey",
    "by_response_id",
    "context_before",
    "conversation_through",
    "is_assistant_output",
    "item_key",
    "item_keys",
    "request",
    "where",
]

ItemKey = tuple[str, ...]

#: Outcomes after which the server keeps the response as the connection's latest (protocol.py).
KEPT = ("completed", "incomplete", "cancelled")
#: Outcomes of a turn that failed (4xx/5xx), which evict the id it referenced.
FAILED = ("failed", "error")


def item_key(item: dict[str, Any]) -> ItemKey:
    """What makes two items the same item for a conversation, whatever their exact shape."""
    kind = str(item.get("type", "message"))
    if kind == "message":
        return ("message", str(item.get("role", "user")), item_text(item))
    if kind == "function_call":
        return ("function_call", str(item.get("call_id")))
    if kind == "function_call_output":
        return ("function_call_output", str(item.get("call_id")), item_text(item))
    if item.get("id"):
        return (kind, str(item["id"]))
    return (kind, json.dumps(item, sort_keys=True))


def item_keys(items: list[dict[str, Any]]) -> list[ItemKey]:
    return [item_key(i) for i in items]


def is_assistant_output(item: dict[str, Any]) -> bool:
    """Items only the model produces: its messages, function calls, reasoning."""
    kind = item.get("type", "message")
    if kind == "message":
        return item.get("role") == "assistant"
    return kind not in ("function_call_output", "item_reference")


def request(log: LogRecords, turn: int) -> RequestRecord:
    """The request numbered ``turn`` (1-based, as the timeline shows), or a clear error."""
    for record in list(log.requests):
        if record.turn == turn:
            return record
    if 0 < turn <= log.dropped:
        from openai_replay.log.bounds import LogIncomplete, dropped_problem

        raise LogIncomplete(f"request #{turn} is no longer in the log: {dropped_problem(log)}.")
    raise LookupError(f"there is no request #{turn}: the log holds {len(log.requests)} request(s)")


def by_response_id(log: LogRecords) -> dict[str, RequestRecord]:
    return {r.response_id: r for r in list(log.requests) if r.response_id}


def context_before(log: LogRecords, record: RequestRecord) -> list[dict[str, Any]] | None:
    """The conversation the server holds before ``record``'s input: its parent's whole conversation.

    None when ``record`` names a ``previous_response_id`` the log does not know.
    """
    if not record.previous_response_id:
        return []
    parent = by_response_id(log).get(record.previous_response_id)
    if parent is None:
        return None
    return conversation_through(log, parent)


def conversation_through(log: LogRecords, record: RequestRecord) -> list[dict[str, Any]]:
    """Everything up to and including ``record``'s output, following ``previous_response_id`` back."""
    index = by_response_id(log)
    chain: list[RequestRecord] = []
    seen: set[int] = set()
    current: RequestRecord | None = record
    while current is not None and current.turn not in seen:
        seen.add(current.turn)
        chain.append(current)
        prev = current.previous_response_id
        current = index.get(prev) if prev else None
    items: list[dict[str, Any]] = []
    for step in reversed(chain):
        items += step.input_items + step.output_items
    return items


def where(record: RequestRecord) -> str:
    """``connection 2``, ``connection 2 lane 'tools'`` or ``HTTP``."""
    if record.connection_id is None:
        return "HTTP"
    return f"connection {record.connection_id}" + (f" lane {record.lane!r}" if record.lane else "")
