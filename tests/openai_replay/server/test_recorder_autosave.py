"""Autosave never holds up the proxy: with a 28 MB cassette being saved after every connection, small
requests through the recording proxy still answer at once (main saved on the event loop: ~1.5 s each)."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

import aiohttp
import pytest

from fake_server import FakeServer
from openai_replay.cassette import Cassette, Ending, WsConnection, WsFrame, load_cassette
from openai_replay.server.recorder import RecordingProxy

DELTA = json.dumps({"type": "response.output_text.delta", "delta": "word ", "sequence_number": 1, "item_id": "msg_" + "a" * 40,
                    "output_index": 0, "content_index": 0, "obfuscation": "abcdefgh"})  # fmt: skip


def large_cassette(connections: int = 100, frames: int = 1000) -> Cassette:
    """About 28 MB once written: 100 WebSocket connections of 1,000 delta frames."""
    create = WsFrame(0.0, "client", json.dumps({"type": "response.create", "model": "m", "input": "hi"}))
    return Cassette(
        connections=[
            WsConnection(
                frames=[create] + [WsFrame(0.0, "server", DELTA) for _ in range(frames)], close=Ending(0.0, "client", 1000)
            )
            for _ in range(connections)
        ]
    )


@pytest.mark.slow
async def test_small_requests_are_not_held_up_by_saving_a_large_cassette(tmp_path: Path) -> None:
    """Eight small HTTP requests, each followed by an autosave of a 28 MB cassette: median latency under 0.25 s."""
    out = tmp_path / "large.json"
    latencies = []
    async with FakeServer() as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out, keep=large_cassette(), api_key="sk-test-0000000000") as proxy:
            async with aiohttp.ClientSession() as session:
                for _ in range(8):
                    start = time.perf_counter()
                    async with session.post(proxy.url + "/responses", json={"model": "m", "input": "hi"}) as answer:
                        assert answer.status == 200
                        await answer.read()
                    latencies.append(time.perf_counter() - start)
                    await asyncio.sleep(0.05)
    saves = proxy.autosaves  # read after stop, which waits for a save in flight
    assert statistics.median(latencies) < 0.25, latencies
    assert saves >= 1  # autosave did run during the session
    cassette = load_cassette(out)
    assert len(cassette.connections) == 108 and out.stat().st_size > 20_000_000
