"""benchmarks/bench_scenario.json: what the peer harness (shared/peer-bench) gets from openai-replay.

The harness's client sends `response.create` / `POST /v1/responses` with user text `bench-long` or `bench-short`
and no Authorization header, and compares servers on the same event counts: 10,008 events (10,000 deltas of 4
characters) a long response, 10 events (2 deltas) a short turn. Requests below are shaped as its bench.py sends them.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import re
import signal
from pathlib import Path
from types import ModuleType
from typing import Any

import aiohttp
import pytest
from testkit import assert_event_conforms, assert_stream_well_formed, sse_events

from fake_server import FakeServer
from openai_replay.scenarios import load_scenario

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
SCENARIO = BENCH / "bench_scenario.json"
TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")
DELTA = "response.output_text.delta"


def by_path(name: str) -> ModuleType:
    """Import benchmarks/<name>.py by its path (benchmarks/ is no package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fixtures = by_path("fixtures")


def create_msg(text: str) -> str:
    """The WebSocket request of the harness's bench.py."""
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return json.dumps({"type": "response.create", "model": "gpt-4.1", "input": [message]})


def post_body(text: str) -> bytes:
    """The HTTP request of the harness's bench.py (stream: true)."""
    message = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    return json.dumps({"model": "gpt-4.1", "stream": True, "input": [message]}).encode()


async def ws_turn(ws: aiohttp.ClientWebSocketResponse, text: str) -> list[str]:
    """One response.create; the raw frames up to the terminal one."""
    await ws.send_str(create_msg(text))
    frames = []
    while True:
        msg = await asyncio.wait_for(ws.receive(), 10)
        assert msg.type == aiohttp.WSMsgType.TEXT, (msg.type, msg.data)
        frames.append(msg.data)
        if json.loads(msg.data)["type"] in TERMINAL:
            return frames


async def sse(url: str, text: str) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session:
        headers = {"Content-Type": "application/json"}  # no Authorization, like the harness
        async with session.post(f"{url}/responses", data=post_body(text), headers=headers) as resp:
            return resp.status, await resp.read()


def bench_server() -> FakeServer:
    """The scenario served as `openai-replay serve --no-auth --scenario bench_scenario.json` serves it."""
    return FakeServer(source=load_scenario(SCENARIO), require_auth=False)


def check_long(events: list[dict[str, Any]]) -> None:
    assert len(events) == 10_008
    assert_stream_well_formed(events)
    deltas = [e["delta"] for e in events if e["type"] == DELTA]
    assert len(deltas) == 10_000 and {len(d) for d in deltas} == {4}
    (done,) = [e for e in events if e["type"] == "response.output_text.done"]
    assert done["text"] == fixtures.LONG == "".join(deltas)


def check_short(events: list[dict[str, Any]], *, websocket: bool) -> None:
    assert len(events) == 10
    assert_stream_well_formed(events)
    assert [e["delta"] for e in events if e["type"] == DELTA] == [fixtures.SHORT[:20], fixtures.SHORT[20:]]
    for event in events:
        assert_event_conforms(event, websocket=websocket)


def test_scenario_file_is_what_fixtures_py_regenerates(tmp_path: Path) -> None:
    """bench_scenario.json is byte-identical to `fixtures.py --scenario`'s output, so it cannot drift from SHORT/LONG."""
    assert SCENARIO.read_text() == fixtures.scenario_text()
    out = fixtures.write_scenario(str(tmp_path / "s.json"))
    assert Path(out).read_bytes() == SCENARIO.read_bytes()
    texts = {rule["name"]: rule["do"][0]["text"] for rule in json.loads(SCENARIO.read_text())["rules"]}
    assert texts == {"bench-long": fixtures.LONG, "bench-short": fixtures.SHORT}


@pytest.mark.slow
async def test_websocket_counts_match_the_harness() -> None:
    """Over WebSocket: bench-short is 10 spec-valid events (2 deltas) every turn, bench-long 10,008 (10,000 4-char deltas)."""
    async with bench_server() as server, aiohttp.ClientSession() as session:
        async with session.ws_connect(server.ws_url, max_msg_size=0) as ws:
            for _ in range(2):  # the harness's ws_turns: sequential turns on one connection
                check_short([json.loads(f) for f in await ws_turn(ws, "bench-short")], websocket=True)
            frames = await ws_turn(ws, "bench-long")
        check_long([json.loads(f) for f in frames])
        assert frames[-1].startswith('{"type":"response.completed"')  # what bench.py's no-parse client waits for


@pytest.mark.slow
async def test_http_sse_counts_match_the_harness() -> None:
    """Over HTTP SSE (POST /v1/responses, stream true): the same 10 and 10,008 events, in the real framing."""
    async with bench_server() as server:
        status, body = await sse(server.url, "bench-short")
        assert status == 200
        check_short(sse_events(body), websocket=False)
        status, body = await sse(server.url, "bench-long")
        assert status == 200
        check_long(sse_events(body))
        assert body.split(b"\n\n")[-2].startswith(b"event: response.completed")  # bench.py's no-parse check


async def test_unmatched_input_fails_loudly() -> None:
    """Any other input gets a 500 naming the scenario (unmatched: fail), never a simulated reply that would skew a run."""
    async with bench_server() as server, aiohttp.ClientSession() as session:
        async with session.ws_connect(server.ws_url) as ws:
            (frame,) = await ws_turn(ws, "bench-medium")
        error = json.loads(frame)
        assert (error["type"], error["status"], error["error"]["code"]) == ("error", 500, "scenario_unmatched")
        assert "scenario 'bench': no rule matched" in error["error"]["message"]
        status, body = await sse(server.url, "hello")
        assert status == 500 and json.loads(body)["error"]["code"] == "scenario_unmatched"


@pytest.mark.slow
async def test_peer_py_server_command_serves_the_harness() -> None:
    """peer.py's server command, split as run_all.py splits it, serves both inputs without auth; SIGTERM stops it cleanly."""
    argv = by_path("peer").COMMAND.replace("{port}", "0").split()
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    try:
        banner = ""
        while not (found := re.search(r"listening on (http://127\.0\.0\.1:\d+/v1)", banner)):
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
            assert line, f"the server exited before listening: {banner}"
            banner += line
        status, short = await sse(found.group(1), "bench-short")
        assert status == 200 and len(sse_events(short)) == 10
        status, long = await sse(found.group(1), "bench-long")
        assert status == 200 and len(sse_events(long)) == 10_008
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(proc.communicate(), 10)
    assert proc.returncode == 0, err.decode()
    assert "scenario 'bench': every rule fired as declared" in out.decode()
