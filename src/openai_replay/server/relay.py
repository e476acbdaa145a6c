"""The recording proxy's two relays: a WebSocket pump pair and an HTTP/SSE pass-through.

Both forward each frame or chunk the moment it arrives (nothing is buffered), note it in the
recording and in the request log, and record how things ended: an upstream close (with its code),
an upstream drop, a client close or a client that went away.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import WSMsgType, web

from openai_replay.cassette.recording import Recording
from openai_replay.cassette.redact import Redactor
from openai_replay.cassette.sse import SseSplitter
from openai_replay.log import RequestLog
from openai_replay.server.proxylog import EndpointLogTap, HttpLogTap, WsLogTap
from openai_replay.server.upstream import Upstream

log = logging.getLogger("openai_replay.server.recorder")

NOT_SENDABLE = (1005, 1006, 1015)


@dataclass
class Relay:
    """What both relays need: where to forward, what to note things in."""

    upstream: Upstream
    session: aiohttp.ClientSession
    #: A `Recording`, or `Discard` for answers served from an existing cassette.
    recording: Recording | Any
    log: RequestLog
    sockets: set[web.WebSocketResponse]


def _error_body(status: int, message: str) -> str:
    kind = "server_error" if status >= 500 else "invalid_request_error"
    message = Redactor().text(message)  # it may quote a URL whose query holds the client's key
    return json.dumps({"error": {"message": message, "type": kind, "param": None, "code": None}}, indent=2)


async def relay_websocket(relay: Relay, request: web.Request) -> web.StreamResponse:
    """Connect upstream first (so a refused upgrade reaches the client), then pump both ways."""
    tap = relay.recording.open_ws(request.path, request.query_string, request.headers)
    logtap = WsLogTap(relay.log, request.path, request.query_string, request.headers)
    url = relay.upstream.ws_url(request.path, request.query_string)
    try:
        upstream = await relay.session.ws_connect(
            url, headers=relay.upstream.request_headers(request.headers, websocket=True), max_msg_size=0, autoping=True
        )
    except aiohttp.WSServerHandshakeError as exc:
        message = f"The upstream refused the WebSocket upgrade with HTTP {exc.status} ({exc.message})."
        body = _error_body(exc.status, message)
        tap.refused(exc.status, dict(exc.headers or {}), body, note=message)
        logtap.refused(exc.status)
        return web.Response(status=exc.status, text=body, content_type="application/json")
    except (aiohttp.ClientError, OSError, ValueError, asyncio.TimeoutError) as exc:
        message = f"openai-replay record: cannot reach the upstream at {url}: {exc or type(exc).__name__}"
        body = _error_body(502, message)
        relay.recording.proxy_failed(message)
        tap.refused(502, {}, body, note=message)
        logtap.refused(502)
        return web.Response(status=502, text=body, content_type="application/json")
    handshake = getattr(upstream, "_response", None)
    tap.accepted(dict(handshake.headers) if handshake is not None else {})
    client = web.WebSocketResponse(max_msg_size=0, autoping=True)
    await client.prepare(request)
    relay.sockets.add(client)
    try:
        await pump_both(request, client, upstream, tap, logtap)
    finally:
        relay.sockets.discard(client)
        if not upstream.closed:
            await upstream.close()
    return client


async def forward_client_message(msg: aiohttp.WSMessage, upstream: Any, tap: Any, logtap: WsLogTap) -> None:
    """Record one client text or binary frame and pass it upstream."""
    if msg.type == WSMsgType.TEXT:
        tap.frame("client", text=msg.data)
        logtap.client_text(msg.data)
        await upstream.send_str(msg.data)
    else:
        tap.frame("client", binary=msg.data)
        logtap.client_binary()
        await upstream.send_bytes(msg.data)


async def pump_both(request: web.Request, client: web.WebSocketResponse, upstream: Any, tap: Any, logtap: WsLogTap) -> None:
    async def from_client() -> None:
        while True:
            msg = await client.receive()
            if msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                await forward_client_message(msg, upstream, tap, logtap)
            elif msg.type == WSMsgType.CLOSE:
                code = msg.data if isinstance(msg.data, int) else client.close_code
                tap.closed("client", code, msg.extra or "")
                logtap.closed("client", code)
                await upstream.close(code=code if code and code not in NOT_SENDABLE else 1000, message=(msg.extra or "").encode())
                return
            elif msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                tap.closed("client", 1006, "", dropped=True)
                logtap.closed("client", 1006)
                await upstream.close(code=1001, message=b"client went away")
                return

    async def from_upstream() -> None:
        while True:
            msg = await upstream.receive()
            if msg.type == WSMsgType.TEXT:
                tap.frame("server", text=msg.data)
                logtap.server_text(msg.data)
                await client.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                tap.frame("server", binary=msg.data)
                await client.send_bytes(msg.data)
            elif msg.type == WSMsgType.CLOSE:
                code = msg.data if isinstance(msg.data, int) else upstream.close_code
                tap.closed("server", code, msg.extra or "")
                logtap.closed("server", code)
                await client.close(code=code if code and code not in NOT_SENDABLE else 1000, message=(msg.extra or "").encode())
                return
            elif msg.type in (WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                tap.closed("server", 1006, "", dropped=True)
                logtap.closed("server", 1006)
                if request.transport is not None:  # pass the drop on: the client sees 1006 too
                    request.transport.abort()
                return

    tasks = [asyncio.ensure_future(from_client()), asyncio.ensure_future(from_upstream())]
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task.exception() is not None and not isinstance(task.exception(), ConnectionError):
                log.warning("openai-replay record: relay error: %r", task.exception())
        if pending:
            await asyncio.wait(pending, timeout=2.0)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if tap.conn.close is None:
            tap.closed("client", client.close_code or 1006, "", dropped=client.close_code is None)
            logtap.closed("client", client.close_code)


async def relay_http(relay: Relay, request: web.Request) -> web.StreamResponse:
    """Forward one HTTP request; stream SSE back chunk by chunk, noting each event on arrival."""
    body = await request.read()
    tap = relay.recording.open_http(request.method, request.path, request.query_string, request.headers, body)
    path = request.path.rstrip("/")
    chat = path.endswith("/chat/completions")
    creating = request.method == "POST" and (path.endswith("/responses") or chat)
    logtap: HttpLogTap = (
        HttpLogTap(relay.log, body, request.headers, api="chat" if chat else "responses")
        if creating
        else EndpointLogTap(relay.log, request.method, request.path, body, request.headers)
    )
    url = relay.upstream.http_url(request.path, request.query_string)
    try:
        answer = await relay.session.request(
            request.method, url, headers=relay.upstream.request_headers(request.headers), data=body or None
        )
    except (aiohttp.ClientError, OSError, ValueError, asyncio.TimeoutError) as exc:
        message = f"openai-replay record: cannot reach the upstream at {url}: {exc or type(exc).__name__}"
        text = _error_body(502, message)
        relay.recording.proxy_failed(message)
        tap.answer(502, {"content-type": "application/json"}, stream=False)
        tap.body(text)
        tap.ended("server", note=message)
        logtap.answer(502, text, {})
        return web.Response(status=502, text=text, content_type="application/json")
    async with answer:
        headers = relay.upstream.response_headers(answer.headers)
        if "text/event-stream" in answer.headers.get("Content-Type", ""):
            return await _stream(request, answer, headers, tap, logtap)
        data = await answer.read()
        text = data.decode("utf-8", errors="replace")
        tap.answer(answer.status, answer.headers, stream=False)
        tap.body_bytes(data)
        tap.ended("server")
        logtap.answer(answer.status, text, answer.headers)
        response = web.Response(status=answer.status, body=data)
        for name, value in headers:
            response.headers.add(name, value)
        return response


async def _stream(
    request: web.Request, answer: aiohttp.ClientResponse, headers: list[tuple[str, str]], tap: Any, logtap: HttpLogTap
) -> web.StreamResponse:
    tap.answer(answer.status, answer.headers, stream=True)
    response = web.StreamResponse(status=answer.status)
    for name, value in headers:
        response.headers.add(name, value)
    response.enable_chunked_encoding()
    await response.prepare(request)
    splitter = SseSplitter()

    def note(events: list[tuple[str, str]]) -> None:
        for event, data in events:
            tap.event(event, data)
            logtap.event(data)

    try:
        async for chunk in answer.content.iter_any():
            note(splitter.feed(chunk))
            try:
                await response.write(chunk)
            except (ConnectionError, RuntimeError):
                tap.ended("client")
                logtap.ended("client")
                return response
    except (aiohttp.ClientPayloadError, aiohttp.ClientConnectionError, asyncio.IncompleteReadError) as exc:
        tap.ended("server", dropped=True, note=f"the upstream cut the stream: {exc}")
        logtap.ended("server", dropped=True)
        if request.transport is not None:
            request.transport.abort()
        return response
    note(splitter.flush())
    tap.ended("server")
    logtap.ended("server")
    try:
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        pass
    return response
