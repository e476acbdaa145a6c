"""JSON responses with the real API's formatting and headers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from openai_replay.errors import ApiError
from openai_replay.server.state import ServerState
from openai_replay.wire import pretty


def common_headers(state: ServerState) -> dict[str, str]:
    return {"x-request-id": state.ids.request_id(), "openai-version": "2020-10-01", "openai-processing-ms": "1"}


def raw_json_response(state: ServerState, body: str | bytes, status: int = 200, content_type: str | None = None) -> web.Response:
    """A body sent exactly as given (a recorded answer, byte for byte), JSON unless told otherwise."""
    headers = common_headers(state)
    headers["Content-Type"] = content_type or "application/json"
    return web.Response(body=body.encode() if isinstance(body, str) else body, status=status, headers=headers)


def json_response(state: ServerState, body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """A pretty-printed JSON body (2-space indent, ASCII escapes), as non-streaming answers are."""
    all_headers = common_headers(state)
    all_headers["Content-Type"] = "application/json"  # no charset, as the real API sends it
    all_headers.update(headers or {})
    return web.Response(body=pretty(body).encode(), status=status, headers=all_headers)


def error_response(state: ServerState, error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    merged = dict(error.headers)
    merged.update(headers or {})
    return json_response(state, error.http_body(), error.status, merged)
