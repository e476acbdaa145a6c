"""The WebSocket connection-level hooks a source may implement: refusing the handshake, idle pushes."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from scenariokit import RawSocket, texts

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.scenarios import scenario


async def test_refused_handshake_sends_the_status_body_and_headers_and_is_logged() -> None:
    """A refused upgrade is an HTTP error (no 101) with the real error body and headers; the log counts it."""
    s = scenario().reject_handshake(403, connection=[1, 2], message="Country not supported.", headers={"x-why": "geo"}).build()
    async with FakeServer(source=s) as server, aiohttp.ClientSession() as session:
        for _ in range(2):
            async with session.get(
                server.ws_url,
                headers={
                    "Authorization": "Bearer k",
                    "Upgrade": "websocket",
                    "Connection": "Upgrade",
                    "Sec-WebSocket-Version": "13",
                    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                },
            ) as response:
                body = await response.json()
                assert response.status == 403 and response.headers["x-why"] == "geo"
                assert body == {
                    "error": {"message": "Country not supported.", "type": "invalid_request_error", "param": None, "code": None}
                }
        async with RawSocket(server) as raw:
            await raw.send()
            accepted = texts(await raw.frames())
    assert accepted[-1]["type"] == "response.completed"
    assert [(c.id, c.handshake_status, c.closed_by) for c in server.log.connections] == [
        (1, 403, "server"),
        (2, 403, "server"),
        (3, None, "client"),
    ]
    assert server.log[0].connection_id == 3
    assert "conn 1  handshake refused with HTTP 403" in server.log.timeline()


async def test_idle_push_right_after_open() -> None:
    """`after_turns=0`: frames pushed as soon as the socket opens, before any request."""
    s = scenario().when_idle(after_turns=0).unknown_event("server.hello").binary(b"\x01").close(4000, "bye").build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        assert raw.ws is not None
        frames = [await asyncio.wait_for(raw.ws.receive(), 5) for _ in range(3)]
    assert json.loads(frames[0].data) == {"type": "server.hello"}
    assert frames[1].type == aiohttp.WSMsgType.BINARY and frames[1].data == b"\x01"
    assert frames[2].type == aiohttp.WSMsgType.CLOSE and frames[2].data == 4000
    connection = server.log.connections[0]
    assert connection.pushed == ["server.hello", "binary frame (1 bytes)"]
    assert (connection.closed_by, connection.close_code) == ("server", 4000)


async def test_a_new_request_cancels_a_pending_idle_push() -> None:
    """An idle push still stalling is cancelled when the client sends the next request (no longer idle)."""
    s = scenario().when_idle(after_turns=1).stall(30).error("server_error").build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        await raw.frames()
        await raw.send(input="quick follow-up")
        second = texts(await raw.frames())
        assert raw.ws is not None
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(raw.ws.receive(), 0.3)
    assert second[-1]["type"] == "response.completed"
    assert server.log.connections[0].pushed == []
    assert s.fired() == {"idle rule 1 (idle any connection after 1 requests)": 1}  # fired, then was cancelled


async def test_idle_stall_uses_the_server_clock() -> None:
    """An idle stall advances a ManualClock instead of waiting; the push follows at once."""
    clock = ManualClock()
    s = scenario().when_idle(connection=1, after_turns=1).stall(600).error("websocket_connection_limit_reached").build()
    async with FakeServer(source=s, clock=clock) as server, RawSocket(server) as raw:
        await raw.send()
        await raw.frames()
        assert raw.ws is not None
        pushed = json.loads((await asyncio.wait_for(raw.ws.receive(), 5)).data)
    assert pushed["error"]["code"] == "websocket_connection_limit_reached"
    finished = server.log[0].finished_at
    assert finished is not None and clock.time() - finished == 600
    assert server.log.connections[0].pushed == ["error (websocket_connection_limit_reached)"]


async def test_idle_drop_aborts_the_connection() -> None:
    """An idle `drop` kills the socket with no close frame; the log shows the server closed it (1006)."""
    s = scenario().when_idle(after_turns=1).drop().build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        await raw.frames()
        assert raw.ws is not None
        last = await asyncio.wait_for(raw.ws.receive(), 5)
    assert last.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE)
    assert last.type != aiohttp.WSMsgType.CLOSE or last.data == 1006
    assert (server.log.connections[0].closed_by, server.log.connections[0].close_code) == ("server", 1006)


async def test_a_server_bug_on_an_upgraded_socket_closes_it_1011_never_answers_in_http(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Issue 12 item 1: an exception outside a turn (here a broken idle hook) closes the WebSocket with 1011
    instead of the middleware writing an HTTP 500 onto the upgraded socket."""
    from openai_replay.simulated import SimulatedModel

    class BrokenIdle(SimulatedModel):
        def idle(self, connection: object, turns: int) -> None:
            raise RuntimeError("a bug in a source")

    async with FakeServer(source=BrokenIdle(), require_auth=False) as server, aiohttp.ClientSession() as session:
        async with session.ws_connect(server.ws_url) as ws:
            msg = await ws.receive(timeout=10)
            assert msg.type == aiohttp.WSMsgType.CLOSE and msg.data == 1011, msg
    assert any("internal error on WebSocket connection" in r.getMessage() for r in caplog.records)
