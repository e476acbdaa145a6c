"""Soak: many turns with the default ``store`` on one ``openai-replay serve`` process stay within bounds.

CI runs a few hundred turns; ``OPENAI_REPLAY_FUZZ=long`` runs 20,000 and prints resident memory
(VmRSS) every 2,000 turns, asserting it levels off once the store and the log are full.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from fake_server import FakeServer
from openai_replay.cli.main import build_parser
from openai_replay.cli.serve import config_from_args

LONG = os.environ.get("OPENAI_REPLAY_FUZZ") == "long"


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


async def _turns(ws: aiohttp.ClientWebSocketResponse, count: int, start: int) -> list[str]:
    """``count`` stored turns on one socket; the response ids, in order."""
    ids = []
    for n in range(start, start + count):
        await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": f"turn {n} " + "words " * 20}))
        for _ in range(10_000):
            event = json.loads((await ws.receive(timeout=10)).data)
            if event["type"] in ("response.completed", "error"):
                break
        assert event["type"] == "response.completed", event
        ids.append(event["response"]["id"])
    return ids


@pytest.mark.slow
async def test_serve_soak_keeps_store_and_memory_bounded() -> None:
    """Turns with store on through a real `serve`: only the newest --store-limit stay retrievable; RSS levels off."""
    total, per_socket, store_limit = (20_000, 500, None) if LONG else (300, 100, 100)
    argv = [sys.executable, "-m", "openai_replay.cli", "serve", "--port", "0", "--no-auth"]
    argv += ["--store-limit", str(store_limit)] if store_limit else []  # the long run uses the default 10,000
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
        url = line.split("listening on ")[1].split()[0]
        ws_url = url.replace("http://", "ws://") + "/responses"
        ids: list[str] = []
        samples: list[tuple[int, float]] = []
        async with aiohttp.ClientSession() as http:
            while len(ids) < total:
                async with http.ws_connect(ws_url) as ws:
                    ids += await _turns(ws, per_socket, len(ids))
                if len(ids) % 2000 == 0 or len(ids) == total:
                    samples.append((len(ids), _rss_mb(proc.pid)))
            kept = store_limit or 10_000
            for rid, expected in ((ids[0], 404), (ids[-kept - 1], 404), (ids[-kept], 200), (ids[-1], 200)):
                async with http.get(f"{url}/responses/{rid}") as resp:
                    assert resp.status == expected, (rid, resp.status)
        print("\nserve soak (turns, VmRSS MB): " + ", ".join(f"({n}, {mb:.1f})" for n, mb in samples))
        if LONG:  # once the store is full (10,000), memory must level off: < 10 MB more over the last 8,000 turns
            at_12k = next(mb for n, mb in samples if n >= 12_000)
            assert samples[-1][1] - at_12k < 10, samples
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    stderr = (await proc.stderr.read()).decode()
    assert "Traceback" not in stderr, stderr[-2000:]


async def test_serve_defaults_keep_the_in_memory_state_bounded() -> None:
    """`serve`'s own config (small limits here) keeps the store, the log, frames and connection records bounded."""
    args = build_parser().parse_args(["serve", "--no-auth", "--store-limit", "50", "--log-limit", "40"])
    async with FakeServer(config=config_from_args(args)) as server:
        async with aiohttp.ClientSession() as http:
            for start in range(0, 400, 40):
                async with http.ws_connect(server.ws_url) as ws:
                    await _turns(ws, 40, start)
                    await ws.send_str("not json")  # a client frame the log also keeps
                    assert json.loads((await ws.receive(timeout=10)).data)["type"] == "error"
            for n in range(50):
                async with http.post(f"{server.url}/responses", json={"model": "m", "input": f"http {n}"}) as resp:
                    assert resp.status == 200
        log = server.log
        assert len(server.state.store) == 50
        assert len(log.requests) <= 40 + 40 // 4 + 1 and len(log.frames) <= 40 + 40 // 4 + 1
        assert len(log.connections) <= 40 + 40 // 4 + 1 and log.requests[-1].turn == 450


@pytest.mark.slow
async def test_serve_log_keeps_a_bounded_count_of_bounded_records() -> None:
    """Real `serve`, small log limits, 240 long turns: ~30 records kept, each cut and saying so; assertions fail loudly."""
    argv = [sys.executable, "-m", "openai_replay.cli", "serve", "--port", "0", "--no-auth"]
    argv += ["--log-limit", "30", "--log-event-limit", "32", "--log-payload-limit", "2048"]
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    long_text = " ".join(f"word{n}" for n in range(400))  # echoed one word a delta: ~400 events, ~3 KB of output
    try:
        assert proc.stdout is not None and proc.stderr is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
        url = line.split("listening on ")[1].split()[0]
        control = url.removesuffix("/v1") + "/__replay"
        async with aiohttp.ClientSession() as http:
            for _ in range(4):
                async with http.ws_connect(url.replace("http://", "ws://") + "/responses") as ws:
                    for _ in range(60):
                        await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": long_text}))
                        while json.loads((await ws.receive(timeout=10)).data)["type"] != "response.completed":
                            pass
            async with http.get(f"{control}/requests") as answer:
                log = await answer.json()
            async with http.post(f"{control}/assert/one_in_flight") as answer:
                status, verdict = answer.status, await answer.json()
        kept = log["requests"]
        assert len(kept) <= 30 + 30 // 4 + 1 and log["dropped"] == 240 - len(kept) and kept[-1]["turn"] == 240
        for record in kept:
            assert len(record["event_types"]) == 32 and "more event types]" in record["event_types"][15]
            assert len(json.dumps(record["output_items"])) < 2 * 2048
            assert {"event_types", "output_items"} <= set(record["truncated"])
        assert status == 409 and "--log-limit" in verdict["failure"]
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    stderr = (await proc.stderr.read()).decode()
    assert "Traceback" not in stderr, stderr[-2000:]
