"""Wire coalescing: the writes of one loop tick leave in one transport write, with the same bytes."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import itertools
import json
import socket
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from clockkit import GateClock
from wirekit import WsWire, sse_body
from wsraw import recv_until

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.scenarios import scenario
from openai_replay.server.coalesce import FIRST_EVENTS, LIMIT, CoalescingTransport
from openai_replay.steps import Emit

LONG_STORY = "Write a long story about a lighthouse."
#: 8,000 characters in 2,000 deltas of 4: about 500 KB of events, so a few writes ramping up to `LIMIT` bytes.
LONG = "".join(f"{i:04d}" for i in range(2000))

#: (length, sha256) of the bytes written after the headers, captured at git 33df794, the commit before
#: coalescing (one write per frame or chunk), with seed 7 and a manual clock. If the events change on
#: purpose, capture them again at that change's parent and say so in its commit.
BEFORE = {
    "ws": (492360, "54f821e17e4d74aa4ec9de2ea1f45a4541474d9b07790adf84ad875fdf3e9af2"),
    "ws deflate": (62616, "e13a2773d587e61075d79194635020ab35fc0cdf4418f8b7d5361b4262284fde"),
    "sse short": (5098, "bfa972d9e7a9229b742f20ff2914d34fded8a944cd409e4a1afe7ba05c8c4c77"),
    "sse long": (573366, "09390ee0950504637fb04227bacc22e3ce9b02dc4f86fc3a846300c969f2217c"),
    "ws simulated": (6293, "4c006ec7a29364c29a548636d16731982629ae3d60b7367e7e62a7105f057263"),
    "sse simulated": (7038, "21b25c70d887b2aa697a6db075673090cc198040fe9629828de875dc8806db1e"),
}


def replies() -> Any:
    """A 32-character reply in 2 deltas ("short") and the long one ("long")."""
    short = "A short reply of 32 characters."
    return scenario().on(text_contains="long").reply(LONG, chunk=4).on(text_contains="short").reply(short, chunk=16).build()


def request(text: str, **extra: Any) -> dict[str, Any]:
    return {"model": "gpt-4.1", "input": text, **extra}


def digest(data: bytes) -> tuple[int, str]:
    return len(data), hashlib.sha256(data).hexdigest()


async def test_bytes_on_the_wire_are_those_written_before_coalescing() -> None:
    """WS (plain and permessage-deflate) and SSE bytes, short, long and simulated, match the pre-coalescing capture."""
    seen: dict[str, tuple[int, str]] = {}
    async with FakeServer(seed=7, clock=ManualClock(), source=replies()) as server:
        for deflate in (False, True):
            async with WsWire(server.port, deflate=deflate) as ws:
                raw = b""
                for text in ("short", "long", "short"):
                    await ws.send({"type": "response.create", **request(text)})
                    raw += await ws.turn()
            seen["ws deflate" if deflate else "ws"] = digest(raw)
        for text in ("short", "long"):
            seen[f"sse {text}"] = digest(await sse_body(server.port, request(text, stream=True)))
    async with FakeServer(seed=7, clock=ManualClock()) as server:
        async with WsWire(server.port) as ws:
            await ws.send({"type": "response.create", **request(LONG_STORY)})
            seen["ws simulated"] = digest(await ws.turn())
        seen["sse simulated"] = digest(await sse_body(server.port, request(LONG_STORY, stream=True)))
    assert seen == BEFORE


async def test_a_paced_stream_is_written_event_by_event() -> None:
    """Each event of a stream paced by a Sleep reaches the client while the server still sleeps before the next."""
    clock = GateClock()
    paced = scenario().on(text_contains="paced").reply("one two three", chunk=4).slow(delay=1.0).build()
    async with FakeServer(seed=1, clock=clock, source=paced) as server:
        async with WsWire(server.port) as ws:
            await ws.send({"type": "response.create", **request("paced")})
            types: list[str] = []
            while not types or types[-1] != "response.completed":
                frame = await asyncio.wait_for(ws.frame(), 10)  # written before the server's next sleep ended
                types.append(json.loads(frame)["type"])
                if types[-1] != "response.completed":
                    gate = await asyncio.wait_for(clock.sleeping.get(), 10)  # the server sleeps: open its gate
                    gate.set_result(None)
    assert types[0] == "response.created" and types.count("response.output_text.delta") == 4


#: Events the source below sends before it holds the loop: more than the channels send at once.
HOLD_AFTER = 18
assert FIRST_EVENTS < HOLD_AFTER


class HoldsTheLoop:
    """A source that builds a long reply without yielding, as a long reply does: after HOLD_AFTER
    events it blocks the server's loop until the client has read the stream's start."""

    def __init__(self) -> None:
        self.seen = threading.Event()
        self.waited: bool | None = None

    def plan(self, turn: Any) -> Any:
        b = turn.builder
        for count, event in enumerate(itertools.chain([b.created(), b.in_progress()], b.message("x" * 200, 4)), 1):
            yield Emit(event)
            if count == HOLD_AFTER:
                self.waited = self.seen.wait(10)  # blocks the loop: nothing is written meanwhile
        yield Emit(b.completed())


@pytest.mark.parametrize("transport", ["ws", "sse"])
def test_a_long_reply_built_without_yielding_starts_reaching_the_client_at_once(transport: str) -> None:
    """The first FIRST_EVENTS events leave before the reply is built (and before the loop runs again):
    the client reads response.created while the server is still busy with the rest."""
    source = HoldsTheLoop()
    body = json.dumps(request("go", **({"stream": True} if transport == "sse" else {})))
    with FakeServer(source=source, require_auth=False) as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.settimeout(10)
        if transport == "ws":
            key = base64.b64encode(b"0123456789abcdef").decode()
            sock.sendall(
                f"GET /v1/responses HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
            )
            frame = json.dumps({"type": "response.create", **json.loads(body)}).encode()
            mask = b"\x00\x00\x00\x00"
            sock.sendall(bytes([0x81, 0x80 | 126]) + len(frame).to_bytes(2, "big") + mask + frame)
        else:
            sock.sendall(
                f"POST /v1/responses HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n{body}".encode()
            )
        seen = recv_until(sock, b"response.output_text.delta")
        assert b"response.completed" not in seen  # the server is still holding its loop
        source.seen.set()
        recv_until(sock, b"response.completed", seen)
    assert source.waited is True


class Counted(asyncio.Transport):
    """A real transport that counts the writes reaching it."""

    def __init__(self, inner: asyncio.Transport) -> None:
        super().__init__()
        self.inner = inner
        self.writes: list[bytes] = []

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))
        self.inner.write(data)

    def is_closing(self) -> bool:
        return self.inner.is_closing()

    def close(self) -> None:
        self.inner.close()

    def abort(self) -> None:
        self.inner.abort()

    def write_eof(self) -> None:
        self.inner.write_eof()

    def get_write_buffer_size(self) -> int:
        return self.inner.get_write_buffer_size()


@pytest.fixture
async def pair() -> AsyncIterator[tuple[CoalescingTransport, Counted, asyncio.StreamReader]]:
    """A loopback connection: the client side's transport, coalesced over a counter, and the server side's reader."""
    accepted: asyncio.Queue[asyncio.StreamReader] = asyncio.Queue()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await accepted.put(reader)

    listener = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    counted = Counted(writer.transport)  # type: ignore[arg-type]
    coalesced = CoalescingTransport(counted, asyncio.get_running_loop())
    reader = await asyncio.wait_for(accepted.get(), 10)
    yield coalesced, counted, reader
    writer.transport.abort()
    listener.close()
    await listener.wait_closed()


async def test_writes_of_one_tick_leave_in_one_write(pair: Any) -> None:
    """Ten writes in one tick reach the socket as one write, in order, once the writer yields."""
    coalesced, counted, reader = pair
    for i in range(10):
        coalesced.write(f"event {i}\n".encode())
    assert counted.writes == []
    await asyncio.sleep(0)
    expected = b"".join(f"event {i}\n".encode() for i in range(10))
    assert counted.writes == [expected]
    assert await asyncio.wait_for(reader.readexactly(len(expected)), 10) == expected


async def test_a_full_buffer_is_written_without_waiting_for_the_tick(pair: Any) -> None:
    """Once LIMIT bytes wait they are written at once, without waiting for the writer to yield."""
    coalesced, counted, reader = pair
    chunk = b"x" * 1000
    for _ in range(LIMIT // len(chunk) + 1):
        coalesced.write(chunk)
    assert len(counted.writes) == 1 and len(counted.writes[0]) >= LIMIT
    await asyncio.wait_for(reader.readexactly(len(counted.writes[0])), 10)


@pytest.mark.parametrize("end", ["close", "abort", "write_eof"])
async def test_ending_writes_what_is_kept_first(pair: Any, end: str) -> None:
    """close, abort and write_eof write the kept bytes before ending the connection, as before coalescing."""
    coalesced, counted, _ = pair
    coalesced.write(b"last words")
    getattr(coalesced, end)()
    assert counted.writes == [b"last words"]


async def test_bytes_kept_for_a_connection_that_is_gone_are_dropped(pair: Any) -> None:
    """When the transport closed meanwhile, the end-of-tick write is skipped rather than written to a dead socket."""
    coalesced, counted, _ = pair
    coalesced.write(b"too late")
    counted.inner.abort()
    await asyncio.sleep(0)
    assert counted.writes == []


def _frame_types(data: bytes) -> list[str]:
    """The event types of the unmasked server text frames in ``data`` (7- and 16-bit lengths)."""
    types, at = [], 0
    while at < len(data):
        text, n, at = data[at] & 0x0F == 1, data[at + 1] & 0x7F, at + 2
        if n == 126:
            n, at = int.from_bytes(data[at : at + 2], "big"), at + 2
        if text:  # not the close frame
            types.append(json.loads(data[at : at + n])["type"])
        at += n
    return types


def _short_turn_writes(connections: int) -> list[list[list[str]]]:
    """For each of ``connections`` WebSockets sending one short create at the same moment, the event
    types in each write reaching its socket. The server runs on its own thread and loop (as
    `with FakeServer()` runs it); that loop is held while the creates are sent, so all of them are
    read in one pass of it."""
    from websockets.sync.client import connect

    from openai_replay.server.keys import SESSIONS

    with FakeServer(source=replies(), require_auth=False) as server:
        loop = server._loop
        assert loop is not None and server._runner is not None
        with contextlib.ExitStack() as stack:
            url = f"ws://127.0.0.1:{server.port}/v1/responses"
            sockets = [stack.enter_context(connect(url, compression=None)) for _ in range(connections)]
            for _ in range(500):  # the server adds each session just after its 101 is out
                if len(server._runner.app[SESSIONS]) == connections:
                    break
                time.sleep(0.01)
            counted: list[Counted] = []
            for session in list(server._runner.app[SESSIONS]):
                coalesced = session.request.protocol.transport
                assert isinstance(coalesced, CoalescingTransport)
                counted.append(Counted(coalesced._inner))
                coalesced._inner = counted[-1]
            held, gate = threading.Event(), threading.Event()

            def hold() -> None:
                held.set()
                gate.wait(10)

            loop.call_soon_threadsafe(hold)  # the server's loop waits here...
            assert held.wait(10)  # (already waiting: no create can be read before it)
            for ws in sockets:
                ws.send(json.dumps({"type": "response.create", **request("short")}))
            time.sleep(0.2)  # ...until every create is in its socket's buffer
            gate.set()
            for ws in sockets:
                received: list[str] = []
                while not received or received[-1] != "response.completed":
                    received.append(json.loads(ws.recv(timeout=10))["type"])
                assert len(received) == 10
    return [[types for types in map(_frame_types, c.writes) if types] for c in counted]


def test_a_short_websocket_turn_alone_leaves_in_three_writes() -> None:
    """A 10-event turn that begins alone is written after its 1st and 8th events (WS_EARLY) and at its ending."""
    from openai_replay.server.coalesce import WS_EARLY

    assert {1, 8} == WS_EARLY
    assert [[len(w) for w in writes] for writes in _short_turn_writes(1)] == [[1, 7, 2]]


def test_short_websocket_turns_begun_together_leave_in_one_write_but_the_first() -> None:
    """Of four turns begun in one loop pass, only the first writes its WS_EARLY marks; the others leave in one write each."""
    shapes = sorted([len(w) for w in writes] for writes in _short_turn_writes(4))
    assert shapes == [[1, 7, 2], [10], [10], [10]]
