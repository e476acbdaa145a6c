"""The turn-level view of a cassette: one `Interaction` per recorded request and its answer.

A WebSocket connection holds many requests; its server frames are assigned to requests the way
the server runs them: per lane (``stream_id``), first in first out, a request ending at its
terminal event or ``error`` frame. An HTTP exchange is one interaction. Matching, replay and the
timeline printer all read this view; the raw text of every event is kept as recorded.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from openai_replay.cassette.forms import content_type_of, recorded_body, request_view
from openai_replay.cassette.model import Cassette, Ending, HttpExchange, WsConnection
from openai_replay.chat.recorded import ChatReply, read_chat
from openai_replay.chat.recorded import outcome as chat_outcome

TERMINAL = ("response.completed", "response.failed", "response.incomplete")


@dataclass
class RecordedEvent:
    """One streamed event: ``t`` seconds after its request was sent; ``data`` exact."""

    t: float
    type: str
    data: str


@dataclass
class Interaction:
    """One recorded request and everything that answered it."""

    index: int
    connection: int
    transport: Literal["ws", "http"]
    method: str
    path: str
    query: str
    request_text: str | None
    request: dict[str, Any] | None
    started_at: float
    turn_on_connection: int = 1
    lane: str | None = None
    streamed: bool = True
    events: list[RecordedEvent] = field(default_factory=list)
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    #: A close or drop during this interaction, or right after it when it was the connection's last.
    ending: Ending | None = None
    ending_after: float = 0.0
    note: str | None = None
    #: A recorded answer that is not UTF-8 text, base64-encoded (``body`` is then None).
    body_base64: str | None = None

    @property
    def previous_response_id(self) -> str | None:
        value = (self.request or {}).get("previous_response_id")
        return value if isinstance(value, str) else None

    @property
    def response_id(self) -> str | None:
        for event in self.events[:3]:
            found = _response_id(_parse(event.data))
            if found:
                return found
        if self.body is not None:
            found = _response_id({"response": _parse(self.body)})
            if found:
                return found
        chat = self.chat
        return chat.id if chat is not None else None

    @property
    def chat(self) -> ChatReply | None:
        """The recorded answer read as Chat Completions (None when it is not a chat answer)."""
        if "/chat/completions" not in self.path:
            return None
        return read_chat([e.data for e in self.events] if self.streamed else None, self.body)

    @property
    def first_event_after(self) -> float | None:
        return self.events[0].t if self.events else None

    def describe(self) -> str:
        """``ws conn 1 turn 2`` / ``http POST /v1/responses``: where this was recorded."""
        if self.transport == "ws":
            return f"ws connection {self.connection + 1} turn {self.turn_on_connection}"
        query = f"?{self.query}" if self.query else ""
        return f"http {self.method} {self.path}{query} (connection {self.connection + 1})"

    def outcome(self) -> str:
        """How the recorded answer ended, in a few words."""
        if self.status is not None and self.status >= 400:
            code = _error_code(_parse(self.body or "")) if self.body else None
            return f"HTTP {self.status}" + (f" {code}" if code else "")
        chat = self.chat
        if chat is not None and not (chat.finish_reason is None and self.ending is not None and self.ending.dropped):
            return chat_outcome(chat)
        for event in reversed(self.events):
            if event.type in TERMINAL:
                text = event.type.removeprefix("response.")
                code = _error_code(_parse(event.data).get("response") or {})
                return text + (f" ({code})" if code else "")
            if event.type == "error":
                code = _error_code(_parse(event.data))
                return "error" + (f" ({code})" if code else "")
        if self.ending is not None:
            if self.ending.dropped:
                return "dropped"
            return f"closed by {self.ending.by}" + (f" {self.ending.code}" if self.ending.code is not None else "")
        if self.body_base64 is not None:
            return f"HTTP {self.status}, {len(self.body_base64) * 3 // 4 - self.body_base64.count('=')} bytes"
        if self.body is not None:
            status = _parse(self.body).get("status")
            return str(status) if isinstance(status, str) else f"HTTP {self.status}"
        return "no answer"


def parse_object(text: str | None) -> dict[str, Any]:
    """``text`` as a JSON object, or ``{}`` when it is anything else (not JSON, an array, too deep)."""
    try:
        value = json.loads(text or "")
    except (ValueError, TypeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


_parse = parse_object


def _response_id(event: dict[str, Any]) -> str | None:
    response = event.get("response")
    if isinstance(response, dict) and response.get("object") == "response" and isinstance(response.get("id"), str):
        return str(response["id"])
    return None


def _error_code(obj: dict[str, Any]) -> str | None:
    error = obj.get("error")
    if isinstance(error, dict):
        code = error.get("code") or error.get("type")
        return str(code) if code else None
    return None


def event_type(text: str) -> str:
    """The ``type`` of a recorded JSON event, or ``?`` when it is not one."""
    value = _parse(text).get("type")
    return value if isinstance(value, str) else "?"


def interactions(cassette: Cassette) -> list[Interaction]:
    """Every recorded request in cassette order, with its answer."""
    out: list[Interaction] = []
    for number, conn in enumerate(cassette.connections):
        if isinstance(conn, HttpExchange):
            out.append(_from_http(len(out), number, conn))
        else:
            out.extend(_from_ws(len(out), number, conn))
    return out


def _from_http(index: int, number: int, ex: HttpExchange) -> Interaction:
    parsed = _parse(ex.request_body) if ex.request_body else None
    content_type = content_type_of(ex.request_headers)
    if ex.request_body_base64 is not None or (content_type and "json" not in content_type.lower()):  # an upload, a form
        parsed = request_view(content_type, recorded_body(ex.request_body, ex.request_body_base64))
    item = Interaction(
        index=index,
        connection=number,
        transport="http",
        method=ex.method,
        path=ex.path,
        query=ex.query,
        request_text=ex.request_body,
        request=parsed if ex.request_body or ex.request_body_base64 else None,
        started_at=ex.started_at,
        streamed=ex.events is not None,
        events=[RecordedEvent(e.t, e.event, e.data) for e in ex.events or []],
        status=ex.status,
        response_headers=dict(ex.response_headers),
        body=ex.body,
        body_base64=ex.body_base64,
        note=ex.note,
    )
    if ex.end is not None and (ex.end.dropped or ex.end.by == "client"):
        item.ending, item.ending_after = ex.end, ex.end.t
    return item


def _from_ws(index: int, number: int, conn: WsConnection) -> list[Interaction]:
    found: list[Interaction] = []
    pending: dict[str | None, deque[Interaction]] = {}
    for frame in conn.frames:
        if frame.text is None:
            continue
        data = _parse(frame.text)
        if frame.sender == "client":
            if data.get("type") != "response.create":
                continue
            stream_id = data.get("stream_id")
            lane = stream_id if isinstance(stream_id, str) and stream_id else None
            item = Interaction(
                index=index + len(found),
                connection=number,
                transport="ws",
                method="POST",
                path=conn.path,
                query=conn.query,
                request_text=frame.text,
                request={k: v for k, v in data.items() if k != "type"},
                started_at=conn.started_at + frame.t,
                turn_on_connection=len(found) + 1,
                lane=lane,
            )
            found.append(item)
            pending.setdefault(lane, deque()).append(item)
            continue
        stream_id = data.get("stream_id")
        queue = pending.get(stream_id if isinstance(stream_id, str) else None)
        if not queue:
            continue
        target = queue[0]
        kind = data.get("type")
        target.events.append(RecordedEvent(round(conn.started_at + frame.t - target.started_at, 6), str(kind), frame.text))
        if kind in TERMINAL or kind == "error":
            queue.popleft()
    if conn.close is not None and found:
        in_flight = [q[0] for q in pending.values() if q]
        target = min(in_flight, key=lambda i: i.index) if in_flight else found[-1]
        target.ending = conn.close
        target.ending_after = max(0.0, round(conn.started_at + conn.close.t - target.started_at, 6))
    if conn.note and found:
        found[0].note = conn.note
    return found


def response_ids(items: list[Interaction]) -> dict[str, int]:
    """Recorded response id -> the index of the interaction that issued it."""
    ids: dict[str, int] = {}
    for item in items:
        rid = item.response_id
        if rid and rid not in ids:
            ids[rid] = item.index
    return ids
