"""The receive side over raw sockets: header and body deadlines, hang-ups and garbage as quiet client events."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import aiohttp
import pytest

from fake_server import FakeServer
from openai_replay.server.receive import LINGER_SECONDS

#: The loggers the server and aiohttp's server side write to.
SERVER_LOGGERS = ("openai_replay", "aiohttp")

HEADERS = b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The server's log records with a traceback or at ERROR (other tests' garbage on this worker excluded)."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.name.startswith(SERVER_LOGGERS) and (r.exc_info or r.levelno >= logging.ERROR)
    ]


async def _normal_request(server: FakeServer) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{server.url}/responses", json={"model": "m", "input": "hi"}) as resp:
            assert resp.status == 200 and (await resp.json())["status"] == "completed"


async def _closed_by_server(reader: asyncio.StreamReader, within: float) -> bool:
    """True when the server closes the connection (EOF or reset) within ``within`` seconds."""
    try:
        data = await asyncio.wait_for(reader.read(65536), within)
    except (ConnectionError, asyncio.TimeoutError) as exc:
        return not isinstance(exc, asyncio.TimeoutError)
    while data:  # a response before the close is fine (e.g. a 408); then EOF
        try:
            data = await asyncio.wait_for(reader.read(65536), within)
        except asyncio.TimeoutError:
            return False
        except ConnectionError:
            return True
    return True


async def test_trickled_headers_are_reaped(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 12 item 5: 100 connections trickling header bytes are all closed by the header deadline."""
    caplog.set_level(logging.INFO)
    async with FakeServer(require_auth=False, header_timeout=0.5) as server:
        conns = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(100)]
        started = time.monotonic()

        async def trickle(writer: asyncio.StreamWriter) -> None:
            for byte in HEADERS:
                try:
                    writer.write(bytes([byte]))
                    await writer.drain()
                except ConnectionError:
                    return
                await asyncio.sleep(0.05)

        tricklers = [asyncio.ensure_future(trickle(w)) for _, w in conns]
        closed = await asyncio.gather(*(_closed_by_server(r, 5.0) for r, _ in conns))
        elapsed = time.monotonic() - started
        for task in tricklers:
            task.cancel()
        for _, writer in conns:
            writer.close()
        assert all(closed) and elapsed < 3.0, (sum(closed), elapsed)
        await _normal_request(server)
    assert not tracebacks(caplog)


@pytest.mark.slow
async def test_long_websocket_and_sse_outlive_the_header_deadline() -> None:
    """The header deadline never cuts a WebSocket idle past it or an SSE stream longer than it."""
    async with FakeServer(require_auth=False, header_timeout=0.3, event_delay=0.05) as server:
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(server.ws_url) as ws:
                await asyncio.sleep(0.8)
                await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": "a longer reply please"}))
                for _ in range(1000):
                    event = json.loads((await ws.receive(timeout=10)).data)
                    if event["type"] in ("response.completed", "error"):
                        break
                assert event["type"] == "response.completed"
            started = time.monotonic()
            body = {"model": "m", "input": "a longer reply please", "stream": True}
            async with http.post(f"{server.url}/responses", json=body) as resp:
                text = await resp.text()
            assert time.monotonic() - started > 0.3 and "event: response.completed" in text


@pytest.mark.slow
async def test_slow_body_gets_408_and_the_connection_closes(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 12 item 5: a body that does not arrive within body_timeout is a 408 in the API's error shape."""
    caplog.set_level(logging.INFO)
    async with FakeServer(require_auth=False, body_timeout=0.5) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(HEADERS + b'Content-Length: 100\r\n\r\n{"model":')
        await writer.drain()
        started = time.monotonic()
        answer = await asyncio.wait_for(reader.read(), 6)  # the 408, then the close after the linger
        writer.close()
        assert time.monotonic() - started < 0.5 + LINGER_SECONDS + 1.5
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408")
        error = json.loads(body)["error"]
        assert set(error) == {"message", "type", "param", "code"} and "did not arrive within 0.5 seconds" in error["message"]
        await _normal_request(server)
    assert not tracebacks(caplog)


async def test_hang_ups_mid_body_are_quiet_client_events(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 12 item 4: 50 clients hanging up mid-body log one INFO line each, no traceback, no 'internal error'."""
    caplog.set_level(logging.INFO)
    async with FakeServer(require_auth=False) as server:
        for _ in range(50):
            _, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(HEADERS + b'Content-Length: 1000\r\n\r\n{"model":')
            await writer.drain()
            writer.close()
        for _ in range(100):  # bounded wait for the server to notice every hang-up
            if sum("client left" in r.getMessage() for r in caplog.records) >= 50:
                break
            await asyncio.sleep(0.05)
        await _normal_request(server)
    assert not tracebacks(caplog)
    assert not [r for r in caplog.records if "internal error" in r.getMessage()]
    assert sum("client left during POST /v1/responses" in r.getMessage() for r in caplog.records) == 50


@pytest.mark.parametrize(
    "request_bytes",
    [b"GARBAGE LINE\r\n\r\n", b"GET /v1/responses HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n"],
)
async def test_malformed_requests_get_400_without_a_traceback(caplog: pytest.LogCaptureFixture, request_bytes: bytes) -> None:
    """Issue 12 item 4: a malformed request line or header gets its 400 and no 'Error handling request' traceback."""
    caplog.set_level(logging.DEBUG)
    async with FakeServer(require_auth=False) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(request_bytes)
        await writer.drain()
        answer = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        assert answer.split(b"\r\n", 1)[0].endswith(b"400 Bad Request")
        await _normal_request(server)
    assert not tracebacks(caplog)


async def test_a_body_over_the_size_limit_is_413_in_the_api_shape() -> None:
    """A body over the 64 MiB limit gets a 413 in the API's error shape, not aiohttp's plain-text page."""
    async with FakeServer(require_auth=False) as server, aiohttp.ClientSession() as http:
        body = b'{"model":"m","input":"' + b"x" * (64 * 1024 * 1024 + 10) + b'"}'
        async with http.post(f"{server.url}/responses", data=body, headers={"Content-Type": "application/json"}) as resp:
            assert resp.status == 413
            error = (await resp.json())["error"]
        assert set(error) == {"message", "type", "param", "code"} and error["message"].startswith("The request body is too large")
        await _normal_request(server)
