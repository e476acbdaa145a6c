"""A Realtime session recorded through the proxy replays into a fresh run of the same SDK client."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.cassette.replay import CassetteReplay
from openai_replay.server.recorder import RecordingProxy

TOOL = {
    "type": "function",
    "name": "lookup",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
}


async def _conversation(base_url: str, run: str) -> list[Any]:
    """Text turn with a client-chosen item id, then a tool call answered; every event the client saw."""
    client = async_sdk(base_url=base_url, api_key="sk-test")
    seen: list[Any] = []
    async with client.realtime.connect(model="gpt-realtime") as conn:
        seen.append(await conn.recv())
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"], "tools": [TOOL]})
        seen.append(await conn.recv())
        item = {
            "id": f"item_{run}",
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "call lookup"}],
        }
        await conn.conversation.item.create(item=item, event_id=f"evt_{run}")
        await conn.response.create()
        async for event in conn:
            seen.append(event)
            if event.type == "rate_limits.updated":
                break
        call = next(e for e in seen if e.type == "response.function_call_arguments.done")
        await conn.conversation.item.create(item={"type": "function_call_output", "call_id": call.call_id, "output": "found"})
        await conn.response.create()
        async for event in conn:
            seen.append(event)
            if event.type == "rate_limits.updated":
                break
    return seen


async def test_a_recorded_session_replays_into_a_fresh_client_with_its_ids(tmp_path: Path) -> None:
    """Recorded through the proxy, replayed from the cassette: the same events, with the new run's item ids."""
    out = tmp_path / "realtime.json"
    async with FakeServer() as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        recorded = await _conversation(proxy.url, "first")
    assert json.loads(out.read_text())["connections"][0]["path"] == "/v1/realtime"
    source = CassetteReplay(out)
    async with FakeServer(source=source) as server:
        replayed = await _conversation(server.url, "second")
    source.check(allow_unplayed=False)  # every recorded interaction counts as played
    assert [e.type for e in replayed] == [e.type for e in recorded]
    added = next(e for e in replayed if e.type == "conversation.item.added")
    assert added.item.id == "item_second"
    final = replayed[-2]
    assert final.type == "response.done" and final.response.output[0].content[0].text == "lookup returned: found"
    assert "opened /v1/realtime" in server.log.timeline()


async def test_a_client_that_departs_from_the_recording_gets_a_loud_error(tmp_path: Path) -> None:
    """A frame the recording does not expect is answered with an error naming what was expected and how to re-record."""
    out = tmp_path / "realtime.json"
    async with FakeServer() as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        await _conversation(proxy.url, "first")
    source = CassetteReplay(out)
    async with FakeServer(source=source, require_auth=False) as server, aiohttp.ClientSession() as http:
        url = server.ws_url.rsplit("/v1/", 1)[0] + "/v1/realtime?model=gpt-realtime"
        async with http.ws_connect(url) as ws:
            assert json.loads((await ws.receive()).data)["type"] == "session.created"
            await ws.send_str(json.dumps({"type": "input_audio_buffer.clear"}))
            error = json.loads((await ws.receive()).data)
    assert error["type"] == "error" and error["error"]["code"] == "cassette_mismatch"
    assert "expected 'session.update'" in error["error"]["message"] and "re-record" in error["error"]["message"]
    assert source.mismatches


async def test_recorded_audio_appends_keep_only_a_digest_and_length(tmp_path: Path) -> None:
    """A Realtime append is recorded as its audio's SHA-256 and byte count, and the cassette still replays."""
    import base64
    import hashlib

    audio = b"\x01\x02" * 24000
    out = tmp_path / "audio.json"

    async def session(base_url: str) -> list[str]:
        client = async_sdk(base_url=base_url, api_key="sk-test")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            kinds = [(await conn.recv()).type]
            await conn.input_audio_buffer.append(audio=base64.b64encode(audio).decode())
            await conn.input_audio_buffer.clear()
            kinds.append((await conn.recv()).type)
        return kinds

    async with FakeServer() as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        assert await session(proxy.url) == ["session.created", "input_audio_buffer.cleared"]
    frames = json.loads(out.read_text())["connections"][0]["frames"]
    append = json.loads(next(f["text"] for f in frames if "input_audio_buffer.append" in f.get("text", "")))
    assert append == {
        "type": "input_audio_buffer.append",
        "audio_sha256": hashlib.sha256(audio).hexdigest(),
        "audio_bytes": len(audio),
    }
    async with FakeServer(source=CassetteReplay(out)) as server:
        assert await session(server.url) == ["session.created", "input_audio_buffer.cleared"]


async def _spoken_turn(base_url: str, pcm: bytes, chunk_ms: int) -> tuple[str, str, list[str]]:
    """The user's speech appended in ``chunk_ms`` chunks; server VAD ends the turn: (heard, reply, errors)."""
    import base64

    client = async_sdk(base_url=base_url, api_key="sk-test")
    heard, reply, errors = "", "", []
    async with client.realtime.connect(model="gpt-realtime") as conn:
        transcribed = {"input": {"transcription": {"model": "whisper-1"}}}
        session = {"type": "realtime", "output_modalities": ["text"], "audio": transcribed}
        await conn.session.update(session=session)
        step = 48 * chunk_ms
        for i in range(0, len(pcm), step):
            await conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + step]).decode())
        while True:
            try:  # once refused, read every refusal (one a frame), so the socket closes cleanly
                event = await asyncio.wait_for(conn.recv(), 0.5 if errors else 10)
            except TimeoutError:
                break
            if event.type == "conversation.item.input_audio_transcription.completed":
                heard = event.transcript
            elif event.type == "error":
                errors.append(event.error.message)
            elif event.type == "response.done":
                reply = event.response.output[0].content[0].text
                break
    return heard, reply, errors


@pytest.mark.slow
async def test_a_recorded_audio_turn_replays_by_digest_and_length(tmp_path: Path) -> None:
    """Recorded with 100 ms appends: a fresh run replays with the same chunks or with 40 ms ones; other audio is refused."""
    from realtimekit import spoken

    out = tmp_path / "spoken.json"
    pcm = spoken("book a table", 800)
    async with FakeServer() as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        assert await _spoken_turn(proxy.url, pcm, 100) == ("book a table", "You said: book a table", [])
    for chunk_ms in (100, 40):
        source = CassetteReplay(out)
        async with FakeServer(source=source) as server:
            assert await _spoken_turn(server.url, pcm, chunk_ms) == ("book a table", "You said: book a table", []), chunk_ms
        assert source.mismatches == []
    source = CassetteReplay(out)
    async with FakeServer(source=source) as server:
        _, _, errors = await _spoken_turn(server.url, spoken("cancel my order", 800), 100)
    assert errors and "different audio" in errors[0] and source.mismatches
