"""Filling a `RequestLog` from proxied traffic, the same way the fake server fills its own.

Connections, client frames and requests are logged as they arrive; the upstream's events set each
request's response id, event types and outcome; a close or drop ends what was still in flight.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Mapping
from typing import Any, Literal

from openai_replay.log import ConnectionRecord, RequestLog, RequestRecord

TERMINAL = {"response.completed": "completed", "response.failed": "failed", "response.incomplete": "incomplete"}


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return None


def _retry_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items() if k.lower().startswith("x-stainless-retry")}


def note_event(record: RequestRecord, event: Any, now: float) -> None:
    """Update ``record`` with one server event (its type, response id and outcome)."""
    if not isinstance(event, dict):
        return
    kind = str(event.get("type"))
    record.event_types.append(kind)
    found = event.get("response")
    response: dict[str, Any] = found if isinstance(found, dict) else {}
    if record.response_id is None and isinstance(response.get("id"), str):
        record.response_id = response["id"]
    if record.outcome.kind != "pending":
        return
    if kind in TERMINAL:
        record.outcome.kind = TERMINAL[kind]  # type: ignore[assignment]
        if kind == "response.failed":
            record.outcome.code = (response.get("error") or {}).get("code")
        _ended(record, now)
    elif kind == "error":
        record.outcome.kind = "error"
        record.outcome.code = (event.get("error") or {}).get("code")
        _ended(record, now)


def _ended(record: RequestRecord, now: float, headers: Mapping[str, str] | None = None) -> None:
    record.finished_at = now
    ended = getattr(record, "ended", None)
    if ended is not None:
        ended(now, headers)


class WsLogTap:
    """Logs one proxied WebSocket connection."""

    def __init__(self, log: RequestLog, path: str, query: str, headers: Mapping[str, str]) -> None:
        self.log = log
        self.headers = _retry_headers(headers)
        self.conn: ConnectionRecord = log.open_connection(path, query, time.time())
        self.pending: dict[str | None, deque[RequestRecord]] = {}

    def refused(self, status: int) -> None:
        if hasattr(self.conn, "handshake_status"):
            self.conn.handshake_status = status
        self.conn.closed_by, self.conn.closed_at = "server", time.time()

    def client_text(self, text: str) -> None:
        now = time.time()
        event = _parse(text)
        if not isinstance(event, dict):
            problem = "invalid JSON" if event is None else "not a JSON object"
            self.log.add_frame(self.conn.id, now, None, problem, text)
            return
        kind = event.get("type")
        self.log.add_frame(self.conn.id, now, kind if isinstance(kind, str) else None, None, event)
        if kind != "response.create":
            return
        payload = {k: v for k, v in event.items() if k != "type"}
        stream_id = payload.get("stream_id")
        lane = stream_id if isinstance(stream_id, str) and stream_id else None
        record = self.log.add_request(
            transport="ws", payload=payload, now=now, connection=self.conn, lane=lane, headers=self.headers
        )
        self.pending.setdefault(lane, deque()).append(record)

    def client_binary(self) -> None:
        self.log.add_frame(self.conn.id, time.time(), None, "binary frame")

    def server_text(self, text: str) -> None:
        event = _parse(text)
        if not isinstance(event, dict):
            return
        stream_id = event.get("stream_id")
        queue = self.pending.get(stream_id if isinstance(stream_id, str) else None)
        if not queue:
            return
        record = queue[0]
        note_event(record, event, time.time())
        if record.outcome.kind != "pending":
            queue.popleft()

    def closed(self, by: str, code: int | None) -> None:
        now = time.time()
        if self.conn.closed_by is None:
            self.conn.closed_by, self.conn.close_code, self.conn.closed_at = by, code, now  # type: ignore[assignment]
        for queue in self.pending.values():
            for record in queue:
                if record.outcome.kind == "pending":
                    dropped = by == "server" and code == 1006
                    record.outcome.kind = "dropped" if dropped else ("closed_by_client" if by == "client" else "closed_by_server")
                    record.outcome.close_code = code
                    _ended(record, now)
            queue.clear()


def note_chat(record: RequestRecord, obj: Any, now: float) -> None:
    """Update ``record`` with one chat chunk or ``chat.completion`` body (id, finish, error)."""
    if not isinstance(obj, dict):
        return
    record.event_types.append(str(obj.get("object") or ("error" if "error" in obj else "?")))
    if record.response_id is None and isinstance(obj.get("id"), str):
        record.response_id = obj["id"]
    if record.outcome.kind != "pending":
        return
    if isinstance(obj.get("error"), dict):
        record.outcome.kind, record.outcome.code = "error", obj["error"].get("code")
        _ended(record, now)
        return
    for choice in obj.get("choices") or []:
        reason = choice.get("finish_reason") if isinstance(choice, dict) else None
        if reason:
            record.outcome.kind = "incomplete" if reason in ("length", "content_filter") else "completed"
            _ended(record, now)


class HttpLogTap:
    """Logs one proxied ``POST /v1/responses`` or ``POST /v1/chat/completions`` (``api="chat"``)."""

    def __init__(
        self, log: RequestLog, body: bytes, headers: Mapping[str, str], api: Literal["responses", "chat"] = "responses"
    ) -> None:
        payload = _parse(body.decode("utf-8", errors="replace")) if body else None
        if body and payload is None:
            payload = {"_invalid_json": body[:200].decode(errors="replace")}
        self.api = api
        self.record = log.add_request(
            transport="http", payload=payload, now=time.time(), headers=_retry_headers(headers), api=api
        )

    def event(self, data: str) -> None:
        if self.api == "chat":
            note_chat(self.record, _parse(data), time.time())
        else:
            note_event(self.record, _parse(data), time.time())

    def answer(self, status: int, body: str, headers: Mapping[str, str]) -> None:
        parsed = _parse(body)
        now = time.time()
        if status >= 400:
            error = parsed.get("error") if isinstance(parsed, dict) else None
            self.record.outcome.kind = "error"
            self.record.outcome.code = (error.get("code") or error.get("type")) if isinstance(error, dict) else f"http_{status}"
            _ended(self.record, now, headers)
        elif self.api == "chat":
            note_chat(self.record, parsed, now)
        elif isinstance(parsed, dict) and parsed.get("object") == "response":
            note_event(self.record, {"type": f"response.{parsed.get('status')}", "response": parsed}, now)

    def ended(self, by: str, *, dropped: bool = False) -> None:
        if self.record.outcome.kind == "pending":
            self.record.outcome.kind = "dropped" if dropped else ("closed_by_client" if by == "client" else "closed_by_server")
            _ended(self.record, time.time())


class EndpointLogTap(HttpLogTap):
    """Logs one proxied request that creates no response (a list, a retrieve, a file upload): its
    request line, its body as matching reads it, and whether it succeeded."""

    def __init__(self, log: RequestLog, method: str, path: str, body: bytes, headers: Mapping[str, str]) -> None:
        from openai_replay.cassette.forms import content_type_of, request_view

        self.api = "responses"
        self.record = log.add_request(
            transport="http",
            payload=request_view(content_type_of(headers), body) or {},
            now=time.time(),
            headers=_retry_headers(headers),
            valid=False,
            endpoint=f"{method} {path}",
        )

    def event(self, data: str) -> None:
        """A streamed answer to a side request (a background response resumed) is relayed, not read."""

    def answer(self, status: int, body: str, headers: Mapping[str, str]) -> None:
        if status >= 400:
            super().answer(status, body, headers)
        else:
            self.record.outcome.kind = "completed"
            _ended(self.record, time.time())
