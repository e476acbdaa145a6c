"""Issue 21 items 5, 6, 11: one WebSocket cannot hold the server, probed over real sockets with small limits.

Back-pressure on a flood of creates, the idle and per-frame read deadlines (a slowloris frame), the
connection cap's 503, unmasked client frames (RFC 6455) and invalid UTF-8 text frames.
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct

import aiohttp
import pytest
from wsraw import AUTH, frame, raw_ws, server_frames, sockets, until

from fake_server import FakeServer
from openai_replay.scenarios import scenario
from openai_replay.server.wsguard import FrameWatch

CREATE = {"type": "response.create", "model": "gpt-4o-mini", "store": False, "input": "hi"}


async def test_idle_socket_is_closed_after_the_idle_deadline() -> None:
    """Issue 21 item 6: a socket with nothing in flight and no frames is closed (1000, "idle") at ws_idle_timeout."""
    async with FakeServer(ws_idle_timeout=0.3) as server, raw_ws(server) as (reader, _):
        texts, code = await server_frames(reader, timeout=3)
        assert (texts, code) == ([], 1000)
        await until(lambda: not sockets(server))
        assert server.log.connections[0].closed_by == "server"


async def test_a_running_turn_is_not_idle() -> None:
    """A turn that runs longer than the idle deadline is not cut: the socket closes only once idle after it."""
    slow = scenario().on().stall(0.5).reply("late").build()
    async with FakeServer(source=slow, ws_idle_timeout=0.2) as server, raw_ws(server) as (reader, writer):
        writer.write(frame(json.dumps(CREATE).encode()))
        texts, code = await server_frames(reader, timeout=3)
        assert texts[-1]["type"] == "response.completed" and code == 1000


@pytest.mark.parametrize("claimed", [64 * 1024 * 1024 - 1, 200])
async def test_slowloris_frame_is_closed_at_the_frame_deadline(claimed: int) -> None:
    """Issue 21 item 6: a frame that claims 64 MiB - 1 (or 200 bytes) and sends one byte every 0.1 s is closed with 1008."""
    async with FakeServer(ws_frame_timeout=0.3, ws_idle_timeout=None) as server, raw_ws(server) as (reader, writer):
        writer.write(frame(b"", claimed=claimed))  # the header and mask key only

        async def trickle() -> None:
            for _ in range(100):
                writer.write(b"x")
                await asyncio.sleep(0.1)

        dripping = asyncio.ensure_future(trickle())
        try:
            texts, code = await server_frames(reader, timeout=3)
        finally:
            dripping.cancel()
        assert texts == [] and code in (1008, None)  # None: the server's close reset a socket still being written to
        await until(lambda: not sockets(server))
        record = server.log.connections[0]
        assert record.closed_by == "server" and record.close_code == 1008


async def test_a_half_sent_header_is_closed_too() -> None:
    """One byte of a frame header, then nothing: the frame deadline closes it (the idle one is off)."""
    async with FakeServer(ws_frame_timeout=0.2, ws_idle_timeout=None) as server, raw_ws(server) as (reader, writer):
        writer.write(b"\x81")
        assert await server_frames(reader, timeout=3) == ([], 1008)


async def test_unmasked_client_frame_is_refused_with_1002() -> None:
    """Issue 21 item 11: RFC 6455 5.1: an unmasked client frame closes the connection (1002) and is never answered."""
    async with FakeServer() as server, raw_ws(server) as (reader, writer):
        writer.write(frame(json.dumps(CREATE).encode(), mask=False))
        assert await server_frames(reader) == ([], 1002)
        assert len(server.log.requests) == 0


async def test_invalid_utf8_text_frame_gets_the_error_frame_and_the_socket_stays() -> None:
    """Issue 21 item 11: invalid UTF-8 in a text frame gets the documented 400 error frame, not a 1007 close."""
    async with FakeServer() as server, raw_ws(server) as (reader, writer):
        writer.write(frame(b'{"type": "response.create", "input": "\xff\xfe"}'))
        writer.write(frame(json.dumps(CREATE).encode()))
        texts, _ = await server_frames(reader, stop="response.completed")
        assert texts[0]["type"] == "error" and texts[0]["status"] == 400
        assert "Invalid JSON in WebSocket message: not UTF-8 text" in texts[0]["error"]["message"]
        assert texts[-1]["type"] == "response.completed", texts


async def test_connection_cap_refuses_with_503_in_openai_shape() -> None:
    """Issue 21 item 6: past max_ws_connections the handshake gets a 503 error body; a closed slot is reusable."""
    async with FakeServer(max_ws_connections=2) as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        first = await http.ws_connect(server.ws_url)
        second = await http.ws_connect(server.ws_url)
        async with http.get(
            server.ws_url.replace("ws://", "http://"),
            headers={
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version": "13",
            },
        ) as refused:
            body = await refused.json()
            assert refused.status == 503 and refused.headers["Retry-After"] == "1"
        assert body["error"]["type"] == "server_error" and body["error"]["code"] == "too_many_connections"
        assert "max_ws_connections" in body["error"]["message"]
        await first.close()
        await until(lambda: len(sockets(server)) < 2)
        third = await http.ws_connect(server.ws_url)
        await third.send_json(CREATE)
        assert (await third.receive_json(timeout=5))["type"] == "response.created"
        await second.close()
        await third.close()


async def _flood(server: FakeServer, writer: asyncio.StreamWriter) -> asyncio.Future[None]:
    """2,000 creates of 60 KB (120 MB if nothing pushed back), written as fast as TCP takes them."""
    big = frame(json.dumps({**CREATE, "input": "x" * 60_000}).encode())

    async def flood() -> None:
        for _ in range(2_000):
            writer.write(big)
            await writer.drain()

    sending = asyncio.ensure_future(flood())
    await asyncio.sleep(0.5)
    assert not sending.done(), "the server read all 2,000 frames: no back-pressure"
    assert len(server.log.requests) <= 5  # one running, four queued
    (session,) = sockets(server)
    assert sum(len(lane.queue) for lane in session.lanes.values()) <= 4 and session.room.paused
    return sending


async def test_a_flood_of_creates_is_held_back_not_buffered() -> None:
    """Issue 21 item 5: with ws_queue_limit=4, 60 KB creates sent without reading stop at the queue; the client is pushed back."""
    stuck = scenario().on().stall_forever().build()
    async with FakeServer(source=stuck, ws_queue_limit=4) as server, raw_ws(server) as (_, writer):
        sending = await _flood(server, writer)
        sending.cancel()


@pytest.mark.slow
async def test_a_flooding_client_that_leaves_frees_its_connection() -> None:
    """Issue 21 item 5: a client that resets its connection while held back (its turn never ends) is noticed: the
    connection and its queue go. (A client that closes politely is noticed once its turn ends and the server reads
    its FIN: TCP delivers the FIN behind the frames still unread.)"""
    stuck = scenario().on().stall_forever().build()
    async with FakeServer(source=stuck, ws_queue_limit=4) as server, raw_ws(server) as (_, writer):
        sending = await _flood(server, writer)
        (session,) = sockets(server)
        sending.cancel()
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close = reset
        writer.transport.abort()
        await until(lambda: not sockets(server))
        assert all(not lane.queue for lane in session.lanes.values())
        assert {r.outcome.kind for r in server.log.requests} == {"closed_by_client"}


def test_frame_watch_reads_headers_across_chunks() -> None:
    """FrameWatch follows frame boundaries fed a byte or a frame at a time and in one piece (7-, 16- and 64-bit lengths)."""

    class Parser:
        def __init__(self) -> None:
            self.fed = b""

        def feed_data(self, data: bytes) -> tuple[bool, bytes]:
            self.fed += data
            return False, b""

    frames = [frame(b"a" * n) for n in (0, 5, 125, 126, 300, 70_000)]
    whole = b"".join(frames)
    # in one piece, a byte at a time, and a frame per read (the usual case, which skips the walk)
    for chunks in ([whole], [whole[i : i + 1] for i in range(len(whole))], frames):
        parser, refused = Parser(), [True]
        asyncio.run(_feed(FrameWatch(parser, refused.clear), chunks))
        assert parser.fed == whole


async def _feed(watch: FrameWatch, chunks: list[bytes]) -> None:
    for chunk in chunks:
        watch.feed_data(chunk)
    assert watch.started_at is None and not watch.refused  # between frames, every frame masked
