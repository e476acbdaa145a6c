"""The proxy's relays: events pass through as they arrive, and client disconnects are recorded."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp
from cassettekit import AUTH, user

from fake_server import FakeServer
from openai_replay.cassette import HttpExchange, WsConnection, interactions, load_cassette
from openai_replay.scenarios import Scenario, scenario
from openai_replay.server.recorder import RecordingProxy

MODEL = {"model": "gpt-4o-mini", "store": False}
STALL = 1.0


def stall_after_first_delta() -> Scenario:
    """Replies stream their first delta, then the upstream stalls for a second before the rest."""
    return scenario("stall").on().reply("one two three four").stall(STALL, after=("response.output_text.delta", 1)).build()


async def test_ws_frames_reach_the_client_before_the_upstream_finishes(tmp_path: Path) -> None:
    """Over WebSocket mode the first delta arrives at once, not after the upstream's stall (no buffering)."""
    out = tmp_path / "ws.json"
    async with FakeServer(seed=1, source=stall_after_first_delta()) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy, aiohttp.ClientSession() as session:
            async with session.ws_connect(proxy.ws_url, headers=AUTH) as ws:
                start = time.monotonic()
                await ws.send_str(json.dumps({"type": "response.create", **MODEL, "input": [user("hi")]}))
                arrivals: dict[str, float] = {}
                while "response.completed" not in arrivals:
                    msg = await asyncio.wait_for(ws.receive(), timeout=10)
                    arrivals.setdefault(json.loads(msg.data)["type"], time.monotonic() - start)
    assert arrivals["response.output_text.delta"] < STALL / 2
    assert arrivals["response.completed"] >= STALL * 0.9
    (item,) = interactions(load_cassette(out))
    delta_t = next(e.t for e in item.events if e.type == "response.output_text.delta")
    assert item.events[-1].t - delta_t >= STALL * 0.9  # the recorded offsets keep the stall


async def test_sse_events_reach_the_client_before_the_upstream_finishes(tmp_path: Path) -> None:
    """Over HTTP the SSE bytes are passed on chunk by chunk: the first delta arrives before the stall ends."""
    out = tmp_path / "sse.json"
    async with FakeServer(seed=1, source=stall_after_first_delta()) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy, aiohttp.ClientSession() as session:
            start = time.monotonic()
            body = {**MODEL, "input": "hi", "stream": True}
            async with session.post(proxy.url + "/responses", json=body, headers=AUTH) as answer:
                seen = ""
                first_delta = None

                async def read() -> None:
                    nonlocal seen, first_delta
                    async for chunk in answer.content.iter_any():
                        seen += chunk.decode()
                        if first_delta is None and "response.output_text.delta" in seen:
                            first_delta = time.monotonic() - start

                await asyncio.wait_for(read(), timeout=10)
                finished = time.monotonic() - start
    assert first_delta is not None and first_delta < STALL / 2
    assert finished >= STALL * 0.9
    exchange = load_cassette(out).connections[0]
    assert isinstance(exchange, HttpExchange) and exchange.events is not None
    assert "".join(e.wire() for e in exchange.events) == seen


async def test_client_closing_mid_stream_is_recorded(tmp_path: Path) -> None:
    """A client that closes its socket mid-response is recorded as closed by the client, events so far kept."""
    out = tmp_path / "gone.json"
    async with FakeServer(seed=1, source=stall_after_first_delta()) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy, aiohttp.ClientSession() as session:
            async with session.ws_connect(proxy.ws_url, headers=AUTH) as ws:
                await ws.send_str(json.dumps({"type": "response.create", **MODEL, "input": [user("hi")]}))
                while True:
                    msg = await asyncio.wait_for(ws.receive(), timeout=10)
                    if json.loads(msg.data)["type"] == "response.output_text.delta":
                        break
                await ws.close(code=4000, message=b"user hung up")
            for _ in range(100):
                if proxy.log.requests and proxy.log[0].outcome.kind != "pending":
                    break
                await asyncio.sleep(0.02)
            assert proxy.log[0].outcome.kind == "closed_by_client"
    conn = load_cassette(out).connections[0]
    assert isinstance(conn, WsConnection) and conn.close is not None
    assert (conn.close.by, conn.close.code, conn.close.reason) == ("client", 4000, "user hung up")
    (item,) = interactions(load_cassette(out))
    assert [e.type for e in item.events][-1] == "response.output_text.delta"
    assert item.outcome() == "closed by client 4000"


async def test_client_leaving_an_sse_stream_is_recorded(tmp_path: Path) -> None:
    """An HTTP client that hangs up mid-stream is recorded as ended by the client."""
    out = tmp_path / "left.json"
    async with FakeServer(seed=1, source=stall_after_first_delta()) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            reader, writer = await asyncio.open_connection("127.0.0.1", proxy.port)
            body = json.dumps({**MODEL, "input": "hi", "stream": True}).encode()
            writer.write(
                b"POST /v1/responses HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()
            received = b""
            while b"response.output_text.delta" not in received:
                received += await asyncio.wait_for(reader.read(4096), timeout=10)
            writer.close()
            for _ in range(150):
                exchange = proxy.cassette().connections[0]
                if isinstance(exchange, HttpExchange) and exchange.end is not None:
                    break
                await asyncio.sleep(0.02)
    exchange = load_cassette(out).connections[0]
    assert isinstance(exchange, HttpExchange) and exchange.end is not None
    assert exchange.end.by == "client" and not exchange.end.dropped
