"""CassetteReplay behind the real server: timing, mismatches, unplayed interactions, cross-transport."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import openai
import pytest
from cassettekit import http_raw, real_cassette, user, ws_conversation
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.cassette import (
    Cassette,
    CassetteMismatch,
    CassetteReplay,
    Ending,
    HttpExchange,
    Redactor,
    SseEvent,
    WsConnection,
    WsFrame,
    interactions,
    load_cassette,
    save_cassette,
)
from openai_replay.cassette.vcr_import import import_vcr
from openai_replay.server.recorder import RecordingProxy

MODEL = {"model": "gpt-4o-mini", "store": False}


def event(kind: str, seq: int, **fields: Any) -> str:
    return json.dumps({"type": kind, **fields, "sequence_number": seq}, separators=(",", ":"))


def paced_cassette(tmp_path: Path) -> Path:
    """One streamed answer whose events were recorded 0.3 s apart."""
    response = {"id": "resp_paced", "object": "response", "status": "in_progress", "output": []}
    done = {**response, "status": "completed"}
    events = [
        SseEvent(0.0, "response.created", event("response.created", 0, response=response)),
        SseEvent(0.3, "response.in_progress", event("response.in_progress", 1, response=response)),
        SseEvent(0.6, "response.completed", event("response.completed", 2, response=done)),
    ]
    exchange = HttpExchange(request_body=json.dumps({**MODEL, "input": "pace me", "stream": True}), events=events)
    cassette = Cassette(connections=[exchange], meta={"upstream": "https://example.test/v1"})
    return save_cassette(cassette, tmp_path / "paced.json")


@pytest.mark.parametrize(("speed", "low", "high"), [(0.0, 0.0, 0.25), (2.0, 0.27, 0.55), (1.0, 0.57, 1.2)])
async def test_speed_is_a_rate_on_the_recorded_timing(tmp_path: Path, speed: float, low: float, high: float) -> None:
    """Speed is a rate: 0 sends at once, 1 keeps the recorded 0.6 s, 2 plays twice as fast; HTTP and WebSocket."""
    path = paced_cassette(tmp_path)
    for transport in ("http", "ws"):
        async with FakeServer(source=CassetteReplay(load_cassette(path), speed=speed)) as server:
            start = time.monotonic()
            if transport == "http":
                status, _ = await http_raw(server.url, {**MODEL, "input": "pace me", "stream": True})
                assert status == 200
            else:
                seen = await ws_conversation(server.ws_url, [{**MODEL, "input": "pace me"}])
                assert len(seen.turns[0]) == 3
            elapsed = time.monotonic() - start
        assert low <= elapsed <= high, f"{transport} at speed {speed} took {elapsed:.2f} s"


async def test_negative_speed_is_refused(tmp_path: Path) -> None:
    """A negative speed is a clear error, not a silent default."""
    with pytest.raises(ValueError, match="speed is a rate: 1 = as recorded, 2 = twice as fast"):
        CassetteReplay(load_cassette(paced_cassette(tmp_path)), speed=-1)


async def test_time_scale_keeps_the_old_meaning_of_speed_with_a_deprecation(tmp_path: Path) -> None:
    """time_scale=2 (the old speed=2) doubles the recorded delays and warns, naming the new speed."""
    with pytest.warns(DeprecationWarning, match=r"time_scale=2 .*deprecated; speed is now a rate, so use speed=0\.5"):
        replay = CassetteReplay(load_cassette(paced_cassette(tmp_path)), time_scale=2)
    async with FakeServer(source=replay) as server:
        start = time.monotonic()
        status, _ = await http_raw(server.url, {**MODEL, "input": "pace me", "stream": True})
        elapsed = time.monotonic() - start
    assert status == 200 and 1.1 <= elapsed <= 2.0, f"time_scale=2 took {elapsed:.2f} s (recorded: 0.6 s)"


async def test_unmatched_request_answers_with_the_closest_recording_and_the_fix(tmp_path: Path) -> None:
    """A request nothing matches gets an error naming the closest recording, the differing field and the
    exact re-record command, over WebSocket mode and HTTP; check() raises the same text."""
    path = paced_cassette(tmp_path)
    replay = CassetteReplay(load_cassette(path))
    async with FakeServer(source=replay) as server:
        client = async_sdk(base_url=server.url, api_key="test-key", max_retries=0)
        async with client.responses.connect() as connection:
            await connection.response.create(**MODEL, input="pace you")  # type: ignore[arg-type]
            frame = await asyncio.wait_for(connection.recv(), 10)
        with pytest.raises(openai.BadRequestError) as raised:
            await client.responses.create(model="gpt-4o", input="pace me")
        await client.close()
    assert frame.type == "error"
    message = frame.error.message  # type: ignore[union-attr]
    assert "no recorded interaction in " + str(path) in message
    assert "closest: interaction 1, http POST /v1/responses" in message
    assert "- body.input: recorded 'pace me', live 'pace you'" in message
    assert f"to re-record: openai-replay record --upstream https://example.test/v1 --out {path}" in message
    assert (
        raised.value.code == "cassette_mismatch" and "body.model: recorded 'gpt-4o-mini', live 'gpt-4o'" in raised.value.message
    )
    with pytest.raises(CassetteMismatch) as failed:
        replay.check()
    assert message in str(failed.value) and "never played" in str(failed.value)


async def test_unplayed_interactions_are_reported_or_fail(tmp_path: Path) -> None:
    """Interactions no request used are listed; assert_all_played fails on them, check() does not."""
    cassette, _ = import_vcr(real_cassette("llm-openai-plugin__test_tools.yaml"))
    replay = CassetteReplay(cassette)
    first = replay.items[0]
    async with FakeServer(source=replay) as server:
        status, _ = await http_raw(server.url, first.request)
    assert status == 200
    assert [i.index for i in replay.unplayed()] == [1]
    replay.check()
    with pytest.raises(
        CassetteMismatch, match=r"1 recorded interaction\(s\) in the cassette never played:\n  - interaction 2: http POST"
    ):
        replay.assert_all_played()
    replay.reset()
    assert len(replay.unplayed()) == 2


async def test_the_same_request_recorded_twice_replays_in_order() -> None:
    """Two identical recorded requests are answered with the first recording, then the second."""
    cassette, _ = import_vcr(real_cassette("openllmetry__test_responses_streaming.yaml"))
    replay = CassetteReplay(cassette)
    first, second = replay.items
    assert first.request == second.request
    async with FakeServer(source=replay) as server:
        answers = [await http_raw(server.url, first.request) for _ in range(2)]
        status, text = await http_raw(server.url, first.request)
    assert [a[1] for a in answers] == ["".join(f"event: {e.type}\ndata: {e.data}\n\n" for e in i.events) for i in (first, second)]
    assert status == 400 and "already played" in json.loads(text)["error"]["message"]


async def test_websocket_recording_replays_over_http(tmp_path: Path) -> None:
    """Frames recorded over WebSocket mode come back as SSE data lines (stream) and as the JSON response."""
    out = tmp_path / "ws.json"
    creates = [{**MODEL, "input": [user("over ws")]}, {**MODEL, "input": [user("again")]}]
    async with FakeServer(seed=8) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = await ws_conversation(proxy.ws_url, creates, chain=False)
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        status, sse = await http_raw(server.url, {**creates[0], "stream": True})
        status2, body = await http_raw(server.url, creates[1])
    assert status == status2 == 200
    assert [line[len("data: ") :] for line in sse.splitlines() if line.startswith("data: ")] == recorded.turns[0]
    assert json.loads(body)["output"] == json.loads(recorded.turns[1][-1])["response"]["output"]


async def test_recorded_close_after_the_last_turn_is_replayed(tmp_path: Path) -> None:
    """A server close recorded after the last response (e.g. the connection limit) ends the replayed socket too."""
    done = {"id": "resp_z", "object": "response", "status": "completed", "output": []}
    frames = [
        WsFrame(0.0, "client", json.dumps({"type": "response.create", "input": "x"})),
        WsFrame(0.1, "server", event("response.created", 0, response={**done, "status": "in_progress"})),
        WsFrame(0.2, "server", event("response.completed", 1, response=done)),
    ]
    conn = WsConnection(frames=frames, close=Ending(0.5, "server", 1001, "going away"))
    replay = CassetteReplay(Cassette(connections=[conn]))
    assert interactions(replay.cassette)[0].ending_after == 0.5
    async with FakeServer(source=replay) as server:
        seen = await ws_conversation(server.ws_url, [{"input": "x"}, {"input": "x"}])
    assert len(seen.turns[0]) == 2 and seen.ended == "CLOSE 1001"


async def test_a_cassette_recorded_under_narrower_rules_still_matches(tmp_path: Path) -> None:
    """A request whose tool arguments hold a password, recorded when the rules kept it, still replays now that they scrub it."""
    path = tmp_path / "older.json"
    arguments = json.dumps({"user": "ops", "password": "hunter2-Xq9"})
    body = {
        "model": "gpt-4o-mini",
        "input": [{"type": "function_call", "call_id": "c1", "name": "login", "arguments": arguments}],
    }
    async with FakeServer(seed=2) as upstream:
        older = Redactor(patterns=[])  # no value rules: what a narrower rule set kept
        async with RecordingProxy(upstream=upstream.url, out=path, api_key="k", redact=older) as proxy:
            status, _ = await http_raw(proxy.url, body)
            assert status == 200
    assert "hunter2-Xq9" in path.read_text()
    replay = CassetteReplay(load_cassette(path))
    async with FakeServer(source=replay) as server:
        status, text = await http_raw(server.url, body)
    assert status == 200 and replay.mismatches == [], text
