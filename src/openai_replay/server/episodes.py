"""Record mode ``new_episodes``: answer what the cassette already holds, record only what is new.

The recording proxy runs a private `FakeServer` replaying the existing cassette. An HTTP request
that matches an unplayed recorded interaction goes there (and is not recorded again); anything
else goes to the upstream and is recorded. A WebSocket connection is decided by its first
``response.create``: replayed as a whole when that request was recorded, else forwarded and
recorded as a whole (a conversation's turns must share one connection, so it is never split).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from openai_replay.cassette.forms import content_type_of, request_view
from openai_replay.cassette.matching import LiveRequest
from openai_replay.cassette.replay import CassetteReplay
from openai_replay.server.proxylog import WsLogTap
from openai_replay.server.relay import Relay, forward_client_message, pump_both


class _NullTap:
    """Notes nothing."""

    class _Conn:
        close: Any = None

    def __init__(self) -> None:
        self.conn = self._Conn()

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


class Discard:
    """A recording that keeps nothing: for answers served from the existing cassette."""

    def open_ws(self, path: str, query: str, headers: Mapping[str, str]) -> Any:
        return _NullTap()

    def proxy_failed(self, message: str) -> None:
        """Answers served from the cassette never reach the upstream, so nothing can fail here."""

    def open_http(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None) -> Any:
        return _NullTap()


def _body(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def replays_http(replay: CassetteReplay, request: web.Request, body: bytes) -> bool:
    """Does the existing cassette hold an unplayed answer to this HTTP request?"""
    live = LiveRequest(
        transport="http",
        body=request_view(content_type_of(request.headers), body),
        method=request.method,
        path=request.path,
        query=request.query_string,
    )
    return replay.peek(live) is not None


async def relay_episode_ws(recorded: Relay, replayed: Relay, replay: CassetteReplay, request: web.Request) -> web.StreamResponse:
    """Accept, read the first frame, then pump to the replaying server or to the upstream."""
    client = web.WebSocketResponse(max_msg_size=0, autoping=True)
    await client.prepare(request)
    first = await client.receive()
    if first.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
        return client
    chosen = recorded
    if first.type == WSMsgType.TEXT:
        event = _body(first.data)
        if event is not None and event.get("type") == "response.create":
            live = LiveRequest(transport="ws", body={k: v for k, v in event.items() if k != "type"}, connection_id=-1)
            if replay.peek(live) is not None:
                chosen = replayed
    tap = chosen.recording.open_ws(request.path, request.query_string, request.headers)
    logtap = WsLogTap(recorded.log, request.path, request.query_string, request.headers)
    url = chosen.upstream.ws_url(request.path, request.query_string)
    try:
        upstream = await chosen.session.ws_connect(
            url, headers=chosen.upstream.request_headers(request.headers, websocket=True), max_msg_size=0
        )
    except (aiohttp.ClientError, OSError) as exc:
        chosen.recording.proxy_failed(f"openai-replay record: cannot reach the upstream at {url}: {exc}")
        tap.closed("server", 1011, f"cannot reach {url}: {exc}")
        await client.close(code=1011, message=b"openai-replay record: upstream unreachable")
        return client
    await forward_client_message(first, upstream, tap, logtap)
    recorded.sockets.add(client)
    try:
        await pump_both(request, client, upstream, tap, logtap)
    finally:
        recorded.sockets.discard(client)
        if not upstream.closed:
            await upstream.close()
    return client
