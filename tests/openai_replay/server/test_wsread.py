"""Issue 27: a whole text frame read past aiohttp's reader reads as aiohttp's does; all else still goes to aiohttp."""

from __future__ import annotations

import asyncio
import json
import os
import struct
from typing import Any

import aiohttp
from fuzzkit import budget
from hypothesis import given, settings
from hypothesis import strategies as st
from wsraw import AUTH, frame, raw_ws, server_frames, sockets, until

from fake_server import FakeServer
from openai_replay.server.wsread import one_text_frame, read_directly

CREATE = {"type": "response.create", "model": "gpt-4o-mini", "store": False, "input": "hi"}


def _masked(first: int, payload: bytes, key: bytes) -> bytes:
    n = len(payload)
    head = struct.pack("!BB", first, 0x80 | n) if n < 126 else struct.pack("!BBH", first, 0x80 | 126, n)
    masked = bytearray(n)
    for i in range(4):  # XOR by byte tables, one per key byte: C speed, and not the code under test
        masked[i::4] = payload[i::4].translate(bytes(b ^ key[i] for b in range(256)))
    return head + key + bytes(masked)


@settings(max_examples=budget(200), deadline=None)
@given(
    seed=st.binary(min_size=1, max_size=64),
    n=st.integers(0, 300) | st.integers(60_000, 65_535),
    key=st.binary(min_size=4, max_size=4),
)
def test_one_text_frame_unmasks_any_payload(seed: bytes, n: int, key: bytes) -> None:
    """Any payload under 64 KiB behind any mask key comes back exactly (7- and 16-bit lengths)."""
    payload = (seed * (n // len(seed) + 1))[:n]
    assert one_text_frame(_masked(0x81, payload, key)) == payload


def test_one_text_frame_declines_every_other_read() -> None:
    """Unmasked, unfinished, binary, control, RSV1, 64-bit, short, long and doubled reads are left to aiohttp."""
    key, text = b"\x01\x02\x03\x04", json.dumps(CREATE).encode()
    whole = _masked(0x81, text, key)
    declined = [
        frame(text, mask=False),  # unmasked: FrameWatch refuses it with 1002
        _masked(0x01, text, key),  # FIN clear: the first fragment of a message
        _masked(0x82, text, key),  # binary
        _masked(0x89, b"ping", key),  # ping
        _masked(0x88, b"\x03\xe8", key),  # close
        _masked(0xC1, text, key),  # RSV1 (a compressed frame)
        _masked(0x80, text, key),  # a continuation frame
        frame(b"x" * 70_000),  # a 64-bit length
        whole[:-1],  # a frame cut short
        whole + b"\x81",  # a frame and the start of the next
        whole + whole,  # two frames in one read
        b"\x81\x80",  # shorter than any masked header
    ]
    assert [one_text_frame(data) for data in declined] == [None] * len(declined)
    assert one_text_frame(whole) == text


def test_the_installed_aiohttp_is_read_directly() -> None:
    """read_directly knows the installed aiohttp's queue (a new layout fails here, not silently slower); else declines."""

    class Watch:
        take: Any = None

    async def main() -> None:
        async with FakeServer() as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
            async with http.ws_connect(f"ws://127.0.0.1:{server.port}/v1/responses"):
                await until(lambda: bool(sockets(server)))
                session = next(iter(sockets(server)))
                assert session.deadlines.watch.take is not None
                assert read_directly(session.ws, Watch(), lambda data: True)
                assert not read_directly(session.ws, None, lambda data: True)
                assert not read_directly(object(), Watch(), lambda data: True)  # type: ignore[arg-type]

    asyncio.run(main())


async def test_one_frame_per_read_is_taken_past_aiohttp() -> None:
    """A client writing one create per read (every SDK) has each taken directly, answered in full, and logged as before."""
    async with FakeServer() as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        async with http.ws_connect(f"ws://127.0.0.1:{server.port}/v1/responses") as ws:
            for turn in range(3):
                await ws.send_str(json.dumps({**CREATE, "input": f"turn {turn}"}))
                kinds = []
                while not kinds or kinds[-1] != "response.completed":
                    kinds.append(json.loads((await ws.receive()).data)["type"])
                assert kinds[0] == "response.created" and len(kinds) >= 5
            session = next(iter(sockets(server)))
            assert session.taken == 3
    frames = server.log.frames
    assert [f.type for f in frames] == ["response.create"] * 3 and all(f.problem is None for f in frames)
    assert [r.outcome.kind for r in server.log.requests] == ["completed"] * 3
    assert [r.payload["input"] for r in server.log.requests] == ["turn 0", "turn 1", "turn 2"]


async def test_what_aiohttp_must_read_keeps_its_order_and_answers() -> None:
    """Split, pipelined and fragmented creates, a ping, bad JSON, then a whole frame: answered in order, each once."""
    texts = [json.dumps({**CREATE, "input": f"n{i}"}).encode() for i in range(6)]
    async with FakeServer() as server, raw_ws(server) as (reader, writer):
        one = frame(texts[0])
        writer.write(one[:5])  # a frame split across reads: aiohttp's reader
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(one[5:])
        writer.write(frame(texts[1]) + frame(texts[2]))  # pipelined in one read
        key = os.urandom(4)
        half = len(texts[3]) // 2
        writer.write(_masked(0x01, texts[3][:half], key))  # a fragmented create...
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(_masked(0x89, b"hi", key))  # ...a ping between its fragments...
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(_masked(0x80, texts[3][half:], key))  # ...and its last fragment
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(frame(b"{not json"))  # a whole frame the session declines: aiohttp's reader, then the error frame
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(frame(texts[4]))  # whole, once the reader waits again
        await writer.drain()
        got: list[Any] = []
        while sum(1 for t in got if t["type"] in ("response.completed", "error")) < 6:
            more, _ = await server_frames(reader, stop="response.completed")
            got += more
        session = next(iter(sockets(server)))
        taken = session.taken
    endings = [t for t in got if t["type"] in ("response.completed", "error")]
    assert [e["type"] for e in endings] == ["response.completed"] * 4 + ["error", "response.completed"]
    assert [r.payload["input"] for r in server.log.requests] == ["n0", "n1", "n2", "n3", "n4"]
    assert taken <= 1  # only the last create could be taken directly: everything before it went to aiohttp


async def test_a_whole_cancel_frame_still_cancels() -> None:
    """A whole response.cancel frame is declined by the fast path and cancels the turn through aiohttp's reader."""
    from openai_replay.scenarios import scenario

    slow = scenario().on().stall(5).reply("late").build()
    async with FakeServer(source=slow, cancel_mode="honour") as server, raw_ws(server) as (reader, writer):
        writer.write(frame(json.dumps(CREATE).encode()))
        await until(lambda: bool(server.log.requests))
        writer.write(frame(json.dumps({"type": "response.cancel"}).encode()))
        texts, _ = await server_frames(reader, stop="response.incomplete")
    assert texts[-1]["type"] == "response.incomplete"
    assert server.log.requests[0].outcome.kind == "cancelled"
