"""Text frames written without aiohttp's writer: the same bytes, the same flow control, and the fallback."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiohttp._websocket.writer import WebSocketWriter
from wirekit import WsWire

from fake_server import FakeServer
from openai_replay.server.keys import SESSIONS
from openai_replay.server.wsframe import FrameWriteError, FrameWriter, direct_writer

#: Payload lengths at every header-size and write-splitting boundary (7-bit, 16-bit, 64-bit lengths;
#: header and payload written apart above 16 KiB).
LENGTHS = [0, 1, 125, 126, 127, 16384, 16385, 65535, 65536, 70000]


class Capture(asyncio.Transport):
    """A transport that keeps what is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing


class Protocol:
    """Just the flow-control state aiohttp's writer reads from its protocol."""

    def __init__(self) -> None:
        self._paused = False
        self.drained = 0

    async def _drain_helper(self) -> None:
        self.drained += 1


def writers(limit: int = 2**16) -> tuple[WebSocketWriter, Capture, WebSocketWriter, Capture]:
    """aiohttp's writer and one for `FrameWriter`, each over its own capture."""
    theirs, ours = Capture(), Capture()
    a = WebSocketWriter(Protocol(), theirs, limit=limit)  # type: ignore[arg-type]
    b = WebSocketWriter(Protocol(), ours, limit=limit)  # type: ignore[arg-type]
    return a, theirs, b, ours


@pytest.mark.parametrize("length", LENGTHS)
async def test_a_frame_has_the_bytes_and_writes_aiohttps_writer_makes(length: int) -> None:
    """For every header size, FrameWriter writes the same bytes in the same transport writes as the installed aiohttp."""
    text = ("é" if length % 2 else "x") * (length // (2 if length % 2 else 1)) + ("x" if length % 2 else "")
    assert len(text.encode()) == length
    a, theirs, b, ours = writers()
    await a.send_frame(text.encode(), aiohttp.WSMsgType.TEXT)
    FrameWriter(b).write(text)
    assert ours.writes == theirs.writes
    assert b._output_size == a._output_size  # aiohttp's flow-control count, kept the same way


async def test_flow_control_follows_aiohttps_writer() -> None:
    """Past the writer's limit the count resets, and a drain is asked for exactly when writing is paused."""
    a, _, b, _ = writers(limit=300)
    frames = FrameWriter(b)
    for paused in (False, True):
        a.protocol._paused = b.protocol._paused = paused  # type: ignore[attr-defined]
        a._output_size = b._output_size = 0
        drains = []
        for _ in range(5):
            await a.send_frame(b"y" * 100, aiohttp.WSMsgType.TEXT)
            must = frames.write("y" * 100)
            if must:
                await frames.drain()
            drains.append(must)
            assert b._output_size == a._output_size
        assert drains == [False, False, paused, False, False]
        assert b.protocol.drained == a.protocol.drained  # type: ignore[attr-defined]


async def test_a_closing_writer_or_transport_refuses_the_frame() -> None:
    """As aiohttp's writer does, a frame for a closing connection raises a ConnectionError and writes nothing."""
    _, _, b, ours = writers()
    ours.closing = True
    with pytest.raises(FrameWriteError):
        FrameWriter(b).write("late")
    ours.closing, b._closing = False, True
    with pytest.raises(ConnectionError):
        FrameWriter(b).write("late")
    assert ours.writes == []


def test_writers_it_does_not_know_fall_back_to_aiohttp() -> None:
    """Compression, a mask, another writer class or a missing attribute: None, so aiohttp's own writer writes."""
    ws = aiohttp.web.WebSocketResponse()
    assert direct_writer(ws) is None  # not prepared: no writer
    ws._writer = WebSocketWriter(Protocol(), Capture(), compress=15)  # type: ignore[arg-type]
    assert direct_writer(ws) is None
    ws._writer = WebSocketWriter(Protocol(), Capture(), use_mask=True)  # type: ignore[arg-type]
    assert direct_writer(ws) is None

    class Other(WebSocketWriter):
        pass

    ws._writer = Other(Protocol(), Capture())  # type: ignore[arg-type]
    assert direct_writer(ws) is None
    ws._writer = WebSocketWriter(object(), Capture())  # type: ignore[arg-type]  # a protocol without _paused
    assert direct_writer(ws) is None
    ws._writer = WebSocketWriter(Protocol(), Capture())  # type: ignore[arg-type]
    assert isinstance(direct_writer(ws), FrameWriter)


@pytest.mark.parametrize("deflate", [False, True])
async def test_the_server_writes_plain_frames_itself_and_leaves_deflate_to_aiohttp(deflate: bool) -> None:
    """With the installed aiohttp a plain connection takes the direct path and a permessage-deflate one does not; both turn."""
    async with FakeServer(seed=1, require_auth=False) as server:
        async with WsWire(server.port, deflate=deflate) as ws:
            for text in ("hi", "again"):  # two whole turns, each read up to its ending frame
                await ws.send({"type": "response.create", "model": "gpt-4.1", "input": text})
                await ws.turn()
            assert server._runner is not None
            (session,) = server._runner.app[SESSIONS]
            assert (session.frames is None) is deflate
