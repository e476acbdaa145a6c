"""Cassette format v1 as dataclasses, and their JSON form (``to_json`` / ``from_json``).

A cassette is one JSON document: ``{"version": 1, "meta": {...}, "connections": [...]}``. Each
connection is either a WebSocket connection (every client frame and server frame with its time
offset, the close code and who closed) or one HTTP exchange (request, status, every SSE event with
its offset, or the body). Recorded text is kept raw: a frame's ``text`` and an SSE event's ``data``
are the exact characters that crossed the wire, never re-serialised JSON.

Time offsets are seconds: a connection's ``started_at`` from the start of the recording, a frame's
or event's ``t`` from the start of its connection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FORMAT_VERSION = 1

Sender = Literal["client", "server"]


@dataclass
class Ending:
    """How a connection or exchange ended: who ended it, when, with which close code.

    ``dropped`` means no clean end: the TCP connection was cut (WebSocket code 1006, or an SSE
    stream that stopped mid-way).
    """

    t: float
    by: Sender
    code: int | None = None
    reason: str = ""
    dropped: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.t, "by": self.by}
        if self.code is not None:
            out["code"] = self.code
        if self.reason:
            out["reason"] = self.reason
        if self.dropped:
            out["dropped"] = True
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Ending:
        return cls(data["t"], data["by"], data.get("code"), data.get("reason", ""), bool(data.get("dropped", False)))


@dataclass
class WsFrame:
    """One WebSocket message; ``text`` is exact, ``binary`` is base64 for a binary frame."""

    t: float
    sender: Sender
    text: str | None = None
    binary: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"t": self.t, "from": self.sender}
        if self.binary is not None:
            out["binary"] = self.binary
        else:
            out["text"] = self.text or ""
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WsFrame:
        return cls(data["t"], data["from"], data.get("text"), data.get("binary"))


@dataclass
class WsConnection:
    """One WebSocket connection: the handshake, every frame, how it closed."""

    started_at: float = 0.0
    path: str = "/v1/responses"
    query: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    #: 101 when the upgrade succeeded; otherwise the rejecting HTTP status (then ``body`` holds its body).
    status: int = 101
    response_headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    frames: list[WsFrame] = field(default_factory=list)
    close: Ending | None = None
    #: What went wrong reaching the upstream, when something did (shown by ``openai-replay show``).
    note: str | None = None

    transport: Literal["ws"] = "ws"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "transport": "ws",
            "started_at": self.started_at,
            "path": self.path,
            "query": self.query,
            "request_headers": dict(sorted(self.request_headers.items())),
            "status": self.status,
            "response_headers": dict(sorted(self.response_headers.items())),
        }
        if self.body is not None:
            out["body"] = self.body
        out["frames"] = [f.to_json() for f in self.frames]
        out["close"] = self.close.to_json() if self.close else None
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WsConnection:
        close = data.get("close")
        return cls(
            started_at=data["started_at"],
            path=data["path"],
            query=data.get("query", ""),
            request_headers=dict(data.get("request_headers", {})),
            status=data.get("status", 101),
            response_headers=dict(data.get("response_headers", {})),
            body=data.get("body"),
            frames=[WsFrame.from_json(f) for f in data.get("frames", [])],
            close=Ending.from_json(close) if close else None,
            note=data.get("note"),
        )


@dataclass
class SseEvent:
    """One SSE event: ``event: <event>\\ndata: <data>\\n\\n`` on the wire, ``data`` exact."""

    t: float
    event: str
    data: str

    def to_json(self) -> dict[str, Any]:
        return {"t": self.t, "event": self.event, "data": self.data}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SseEvent:
        return cls(data["t"], data["event"], data["data"])

    def wire(self) -> str:
        if not self.event:
            return f"data: {self.data}\n\n"
        return f"event: {self.event}\ndata: {self.data}\n\n"


@dataclass
class HttpExchange:
    """One HTTP request and its answer: SSE ``events`` for a stream, else the ``body``."""

    started_at: float = 0.0
    method: str = "POST"
    path: str = "/v1/responses"
    query: str = ""
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    #: None when no answer came at all (the upstream could not be reached).
    status: int | None = 200
    response_headers: dict[str, str] = field(default_factory=dict)
    events: list[SseEvent] | None = None
    body: str | None = None
    end: Ending | None = None
    note: str | None = None
    #: A body that is not UTF-8 text (a file upload, an image, audio), base64-encoded; the text
    #: field beside it is then None.
    request_body_base64: str | None = None
    body_base64: str | None = None

    transport: Literal["http"] = "http"

    @property
    def streamed(self) -> bool:
        return self.events is not None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "transport": "http",
            "started_at": self.started_at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "request_headers": dict(sorted(self.request_headers.items())),
            "request_body": self.request_body,
        }
        if self.request_body_base64 is not None:
            out["request_body_base64"] = self.request_body_base64
        out |= {
            "status": self.status,
            "response_headers": dict(sorted(self.response_headers.items())),
        }
        if self.events is not None:
            out["events"] = [e.to_json() for e in self.events]
        else:
            out["body"] = self.body
            if self.body_base64 is not None:
                out["body_base64"] = self.body_base64
        out["end"] = self.end.to_json() if self.end else None
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HttpExchange:
        end = data.get("end")
        events = data.get("events")
        return cls(
            started_at=data["started_at"],
            method=data["method"],
            path=data["path"],
            query=data.get("query", ""),
            request_headers=dict(data.get("request_headers", {})),
            request_body=data.get("request_body"),
            status=data.get("status"),
            response_headers=dict(data.get("response_headers", {})),
            events=[SseEvent.from_json(e) for e in events] if events is not None else None,
            body=data.get("body"),
            end=Ending.from_json(end) if end else None,
            note=data.get("note"),
            request_body_base64=data.get("request_body_base64"),
            body_base64=data.get("body_base64"),
        )


Connection = WsConnection | HttpExchange


@dataclass
class Cassette:
    """A recorded session: connections in the order they were opened."""

    connections: list[Connection] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    version: int = FORMAT_VERSION
    #: Where it was loaded from or saved to (not part of the file).
    path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "meta": dict(sorted(self.meta.items())),
            "connections": [c.to_json() for c in self.connections],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], path: str | None = None) -> Cassette:
        connections: list[Connection] = []
        for entry in data.get("connections", []):
            if entry.get("transport") == "ws":
                connections.append(WsConnection.from_json(entry))
            else:
                connections.append(HttpExchange.from_json(entry))
        return cls(connections=connections, meta=dict(data.get("meta", {})), version=data["version"], path=path)
