"""Realtime writes, coalesced: the same bytes as one write per event, a response's start at once, paced audio paced."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import socket
import threading
from typing import Any

from clockkit import GateClock
from wirekit import WsWire
from wsraw import recv_until

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.steps import Emit

#: (length, sha256) of every byte the server wrote after the handshake, captured at git 53e5eed, the
#: commit before Realtime writes were coalesced (one write per event), with seed 7 and a manual clock:
#: session.created, two text turns and a spoken (audio out) turn. If the events change on purpose,
#: capture them again at that change's parent and say so in its commit.
BEFORE = (114627, "df11b9e684a8d4b72dafa6bced9353e8b3f7720e87e1f9701a4bbfe7fdeeaab5")


def item(text: str) -> dict[str, Any]:
    return {
        "type": "conversation.item.create",
        "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]},
    }


async def until(ws: WsWire, kind: str) -> tuple[bytes, list[str]]:
    """The raw frames up to and including the first of type ``kind``, and their types."""
    raw, kinds = b"", []
    while not kinds or kinds[-1] != kind:
        frame, payload = await ws._frame(10)
        raw += frame
        kinds.append(json.loads(payload)["type"])
    return raw, kinds


async def test_bytes_on_the_wire_are_those_written_before_coalescing() -> None:
    """session.created, text turns and a spoken turn: the same bytes as when every event had its own write."""
    async with (
        FakeServer(seed=7, clock=ManualClock()) as server,
        WsWire(server.port, path="/v1/realtime?model=gpt-realtime") as ws,
    ):
        raw, _ = await until(ws, "session.created")
        for text, modalities in (("hello there", ["text"]), ("and again", ["text"]), ("say it", ["audio"])):
            await ws.send(item(text))
            await ws.send({"type": "response.create", "response": {"output_modalities": modalities}})
            turn, _ = await until(ws, "rate_limits.updated")
            raw += turn
    assert (len(raw), hashlib.sha256(raw).hexdigest()) == BEFORE


class HoldsTheLoop:
    """A source that, after its first event, blocks the server's loop until the client has seen it."""

    def __init__(self) -> None:
        self.seen = threading.Event()
        self.waited: bool | None = None

    def plan(self, turn: Any) -> Any:
        b = turn.builder
        yield Emit(b.created())
        self.waited = self.seen.wait(10)  # blocks the loop: nothing is written meanwhile
        yield Emit(b.in_progress())
        yield from (Emit(event) for event in b.message("still here", None))
        yield Emit(b.completed())


def test_a_response_starts_reaching_the_client_before_the_rest_is_built() -> None:
    """response.created leaves at once, not at the end of the tick: the client reads it while the server's loop is held."""
    source = HoldsTheLoop()
    with FakeServer(source=source, require_auth=False) as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(10)
        key = base64.b64encode(b"0123456789abcdef").decode()
        sock.sendall(
            f"GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        frame = json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}}).encode()
        sock.sendall(bytes([0x81, 0x80 | len(frame)]) + b"\x00\x00\x00\x00" + frame)
        seen = recv_until(sock, b'"response.created"')
        assert b"response.output_item.added" not in seen  # the server is still holding its loop
        source.seen.set()
        seen = recv_until(sock, b'"response.done"', seen)
    assert source.waited is True and b"response.output_text.delta" in seen


async def test_paced_audio_is_written_chunk_by_chunk() -> None:
    """At realtime_pace 1, each output audio chunk reaches the client while the server sleeps before the next."""
    clock = GateClock()
    async with (
        FakeServer(seed=1, clock=clock, realtime_pace=1.0) as server,
        WsWire(server.port, path="/v1/realtime?model=gpt-realtime") as ws,
    ):
        await until(ws, "session.created")
        await ws.send(item("one two three four"))
        await ws.send({"type": "response.create"})
        _, kinds = await until(ws, "response.output_audio.delta")  # the first chunk: no sleep before it
        assert "response.created" in kinds
        for _ in range(4):
            gate = await asyncio.wait_for(clock.sleeping.get(), 10)  # the server sleeps: its chunk is already here
            gate.set_result(None)
            _, payload = await ws._frame(10)
            assert json.loads(payload)["type"] == "response.output_audio.delta"
