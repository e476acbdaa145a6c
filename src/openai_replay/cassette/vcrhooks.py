"""vcrpy's hooks, unchanged: ``before_record_request(request)`` and ``before_record_response(response)``
written for vcrpy run on our recordings.

vcrpy hands the request hook a ``vcr.request.Request`` (``uri``, ``method``, ``headers``, ``body`` as
bytes, plus ``url``, ``host``, ``port``, ``path``, ``query``, ``protocol``) and the response hook a
dict ``{"status": {"code", "message"}, "headers": {name: [values]}, "body": {"string": bytes}}``.
`vcr_request_hook` and `vcr_response_hook` turn such hooks into our part hooks (`RequestPart`,
`ResponsePart`): each HTTP request, WebSocket client frame (method ``WS``), JSON body, SSE event and
WebSocket server frame is shown to the hook in vcrpy's shape, and what the hook changes is carried
back. ``None`` leaves the whole exchange out, as in vcrpy.

The request object is our own small class with vcrpy's attribute names rather than vcrpy's, so the
core needs no vcrpy installed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from openai_replay.cassette.redact import RequestPart, ResponsePart


class VcrRequest:
    """The attributes of vcrpy's ``Request`` that hooks read and write."""

    def __init__(self, method: str, uri: str, body: bytes | None, headers: Mapping[str, str]) -> None:
        self.method = method
        self.uri = uri
        self.body = body
        self.headers = dict(headers)

    @property
    def url(self) -> str:
        return self.uri

    @property
    def protocol(self) -> str:
        return urlsplit(self.uri).scheme

    @property
    def host(self) -> str:
        return urlsplit(self.uri).hostname or ""

    @property
    def port(self) -> int | None:
        parts = urlsplit(self.uri)
        return parts.port or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> list[tuple[str, str]]:
        return sorted(parse_qsl(urlsplit(self.uri).query, keep_blank_values=True))

    def __repr__(self) -> str:
        return f"<Request ({self.method}) {self.uri}>"


def vcr_request_hook(hook: Callable[[Any], Any], origin: str) -> Callable[[RequestPart], RequestPart | None]:
    """Our request hook running vcrpy's ``hook``; ``origin`` (``https://api.openai.com``) makes the ``uri``."""
    base = origin.rstrip("/")

    def part_hook(part: RequestPart) -> RequestPart | None:
        uri = base + part.path + (f"?{part.query}" if part.query else "")
        body = part.body.encode() if part.body is not None else None
        answer = hook(VcrRequest(part.method, uri, body, part.headers))
        if answer is None:
            return None
        parts = urlsplit(str(getattr(answer, "uri", uri)))
        part.path, part.query = parts.path or part.path, parts.query
        part.headers = {str(k): str(v) for k, v in dict(getattr(answer, "headers", part.headers)).items()}
        part.body = _text(getattr(answer, "body", body))
        return part

    return part_hook


def vcr_response_hook(hook: Callable[[Any], Any]) -> Callable[[ResponsePart], ResponsePart | None]:
    """Our response hook running vcrpy's ``hook`` on the dict vcrpy would give it."""

    def part_hook(part: ResponsePart) -> ResponsePart | None:
        code = part.status or 200
        response = {
            "status": {"code": code, "message": _reason(code)},
            "headers": {name: [value] for name, value in part.headers.items()},
            "body": {"string": part.body.encode() if part.body is not None else b""},
        }
        answer = hook(response)
        if answer is None:
            return None
        status = answer.get("status") or {}
        if part.status is not None and isinstance(status.get("code"), int):
            part.status = status["code"]
        part.headers = {str(k): _first(v) for k, v in (answer.get("headers") or {}).items()}
        body = (answer.get("body") or {}).get("string")
        part.body = _text(body) if part.body is not None or body else part.body
        return part

    return part_hook


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray)) else str(value)


def _first(value: Any) -> str:
    return str(value[0]) if isinstance(value, (list, tuple)) and value else str(value)


def _reason(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return ""
