"""The request log as plain JSON: what the control API (``GET /__replay/requests``) and
``serve --log-file`` hand to a test in any language.

Numbers are the log's own (1-based turns and connection ids); times are seconds since the epoch on
the server's clock. ``since`` gives the requests after turn ``since`` and ``frames_since`` the client
frames after that many frames, so a client can poll for what is new.

A bounded log says what it left out: ``dropped`` counts the oldest requests it no longer holds (turns
1 to ``dropped``), ``limits`` gives its limits, and each request's ``truncated`` names the parts cut
to them (``payload.input``, ``output_items``, ``event_types``; each cut carries a note in place).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openai_replay.log.timeline import render

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
from openai_replay.log.records import ConnectionRecord, FrameRecord, Outcome, RequestRecord

__all__ = ["export_connection", "export_frame", "export_log", "export_outcome", "export_request"]


def export_outcome(outcome: Outcome) -> dict[str, Any]:
    return {"kind": outcome.kind, "code": outcome.code, "close_code": outcome.close_code, "text": str(outcome)}


def export_request(record: RequestRecord) -> dict[str, Any]:
    """One request: what the client sent (``payload``), which try it was, and how it ended."""
    return {
        "turn": record.turn,
        "api": record.api,
        "model_turn": record.model_turn,
        "api_turn": record.api_turn,
        "endpoint": record.request_line,
        "transport": record.transport,
        "connection_id": record.connection_id,
        "turn_on_connection": record.turn_on_connection,
        "lane": record.lane,
        "attempt": record.attempt,
        "previous_response_id": record.previous_response_id,
        "payload": record.payload,
        "headers": dict(record.headers),
        "received_at": record.received_at,
        "response_id": record.response_id,
        "outcome": export_outcome(record.outcome),
        "terminal_at": record.terminal_at,
        "finished_at": record.finished_at,
        "retry_after": record.retry_after,
        "event_types": list(record.event_types),
        "output_items": list(record.output_items),
        "faults": list(record.faults),
        "answered_by": record.answered_by,
        "audio": record.audio,
        "truncated": list(record.truncated),
        "summary": record.summary(),
    }


def export_connection(record: ConnectionRecord) -> dict[str, Any]:
    """One WebSocket connection: when it opened and closed, and who closed it."""
    return {
        "id": record.id,
        "path": record.path,
        "query": record.query,
        "opened_at": record.opened_at,
        "closed_at": record.closed_at,
        "close_code": record.close_code,
        "closed_by": record.closed_by,
        "handshake_status": record.handshake_status,
        "pushed": list(record.pushed),
    }


def export_frame(frame: FrameRecord, seq: int) -> dict[str, Any]:
    """One client frame; ``seq`` numbers every frame the log ever took, from 1."""
    return {
        "seq": seq,
        "connection_id": frame.connection_id,
        "received_at": frame.received_at,
        "type": frame.type,
        "problem": frame.problem,
        "data": frame.data,
        "discarded": frame.discarded,
    }


def export_log(log: LogRecords, *, since: int = 0, frames_since: int = 0, timeline: bool = False) -> dict[str, Any]:
    """The log as JSON: every connection, the requests after turn ``since``, the frames after
    ``frames_since``, and ``next``: the cursors to pass to get only what comes after this answer."""
    requests = [r for r in list(log.requests) if r.turn > since]
    with log._lock:  # the frame list and its count move together
        frames, seen = list(log.frames), log.frames_seen
    first = seen - len(frames) + 1
    body: dict[str, Any] = {
        "connections": [export_connection(c) for c in list(log.connections)],
        "requests": [export_request(r) for r in requests],
        "frames": [export_frame(f, i) for i, f in enumerate(frames, start=first) if i > frames_since],
        "next": {"since": max([since, *(r.turn for r in requests)]), "frames_since": max(frames_since, seen)},
        "dropped": log.dropped,
        "limits": {"requests": log.limit, "payload_bytes": log.payload_limit, "event_types": log.event_limit},
    }
    if timeline:
        body["timeline"] = render(log, max_lines=10**9)
    return body
