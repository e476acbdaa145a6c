"""The twelve real recordings replay over HTTP and over WebSocket mode, byte-exact, parsed by the SDK."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml
from cassettekit import REAL_EVENTS, TERMINAL, http_raw, real_cassette
from openai import AsyncOpenAI, AsyncStream
from openai.types.responses import Response, ResponseStreamEvent
from sdkkit import async_sdk
from testkit import sdk_parse_problems

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay, Interaction, interactions
from openai_replay.cassette.vcr_import import import_vcr

NAMES = sorted(REAL_EVENTS)


def recorded(name: str) -> tuple[CassetteReplay, list[dict[str, Any]]]:
    """A replay of the imported cassette, and the original YAML interactions it came from."""
    path: Path = real_cassette(name)
    cassette, _ = import_vcr(path)
    raw = [i for i in yaml.safe_load(path.read_text())["interactions"] if "/responses" in i["request"]["uri"]]
    return CassetteReplay(cassette), raw


def without_billing(body: dict[str, Any]) -> dict[str, Any]:
    """A JSON answer minus ``billing``, which the real API sends in JSON bodies but never in events."""
    return {k: v for k, v in body.items() if k != "billing"}


def strict_problems(event: dict[str, Any]) -> list[str]:
    """Strict SDK validation, except that recordings made before 2026-07 lack ``cache_write_tokens``
    (reference/real-traffic.md §4), which the SDK's types now require and its parser does not."""
    return [p for p in sdk_parse_problems(event, websocket=True) if not p.endswith("cache_write_tokens: Field required")]


@pytest.mark.parametrize("name", NAMES)
async def test_replays_over_http_byte_exact(name: str) -> None:
    """Raw HTTP clients get every recorded SSE body and JSON answer byte-for-byte, and each error's content."""
    replay, raw = recorded(name)
    async with FakeServer(source=replay) as server:
        for item, original in zip(replay.items, raw, strict=True):
            query = f"?{item.query}" if item.query else ""
            status, text = await http_raw(
                server.url, item.request, method=item.method, path=item.path.removeprefix("/v1") + query
            )
            assert status == item.status
            if item.streamed:
                assert text == original["response"]["body"]["string"]
            elif status >= 400:
                assert json.loads(text)["error"] == json.loads(item.body or "")["error"]
            else:
                assert text == item.body  # the recorded JSON answer, byte for byte
    assert replay.unplayed() == [] and replay.mismatches == []


async def sdk_http(client: AsyncOpenAI, item: Interaction) -> list[str]:
    """Send ``item``'s request with the SDK; what it parsed (event types, or the response status)."""
    if item.method == "GET":
        stream = await client.responses.retrieve(item.path.rsplit("/", 1)[-1], stream=True, starting_after=0)
        return [event.type async for event in stream]
    body = item.request or {}
    if body.get("stream"):
        stream = await client.post(
            "/responses", body=body, cast_to=Response, stream=True, stream_cls=AsyncStream[ResponseStreamEvent]
        )
        return [event.type async for event in stream]
    response = await client.post("/responses", body=body, cast_to=Response)
    assert isinstance(response, Response) and response.id == item.response_id
    return [f"response {response.status}"]


@pytest.mark.parametrize("name", NAMES)
async def test_replays_over_http_to_the_sdk(name: str) -> None:
    """The openai SDK parses every replayed stream and JSON answer; recorded errors raise its real exception."""
    replay, _ = recorded(name)
    async with FakeServer(source=replay) as server:
        client = async_sdk(base_url=server.url, api_key="test-key", max_retries=0)
        for item in replay.items:
            if (item.status or 200) >= 400:
                with pytest.raises(openai.BadRequestError) as raised:
                    await asyncio.wait_for(sdk_http(client, item), 20)
                assert raised.value.code == json.loads(item.body or "")["error"]["code"]
                continue
            parsed = await asyncio.wait_for(sdk_http(client, item), 20)
            if item.streamed:
                assert parsed == [e.type for e in item.events]
            else:
                assert parsed == ["response completed"]
        await client.close()
    assert replay.unplayed() == [] and replay.mismatches == []


@pytest.mark.parametrize("name", NAMES)
async def test_replays_over_websocket_mode(name: str) -> None:
    """Over ``client.responses.connect()`` every POST replays: SSE data lines arrive as frames byte-exact, JSON
    answers as a synthesized event stream; each frame validates against the SDK's WebSocket event types."""
    replay, _ = recorded(name)
    posts = [i for i in replay.items if i.method == "POST"]
    async with FakeServer(source=replay) as server:
        client = async_sdk(base_url=server.url, api_key="test-key", max_retries=0)
        async with client.responses.connect() as connection:
            for item in posts:
                body = {k: v for k, v in (item.request or {}).items() if k != "stream"}
                await connection.send({"type": "response.create", **body})  # type: ignore[typeddict-item]
                frames: list[str] = []
                while not frames or json.loads(frames[-1])["type"] not in TERMINAL:
                    frames.append((await asyncio.wait_for(connection.recv_bytes(), 10)).decode())
                for frame in frames:
                    event = connection.parse_event(frame)
                    assert event.type == json.loads(frame)["type"]
                    assert strict_problems(json.loads(frame)) == []
                if item.streamed:
                    assert frames == [e.data for e in item.events]
                elif (item.status or 200) >= 400:
                    (frame,) = frames
                    error = json.loads(frame)
                    assert error["status"] == item.status
                    assert error["error"]["code"] == json.loads(item.body or "")["error"]["code"]
                else:
                    final = json.loads(frames[-1])["response"]
                    assert json.loads(frames[0])["type"] == "response.created"
                    assert final == without_billing(json.loads(item.body or ""))
        await client.close()
    unplayed = replay.unplayed()
    assert [i.method for i in unplayed] == ["GET"] * len(unplayed)  # a stream resume has no WebSocket form
    assert replay.mismatches == []


def test_the_folder_holds_the_twelve_recordings() -> None:
    """The corpus's real-cassettes folder holds exactly the twelve recordings, each importable."""
    folder = real_cassette(NAMES[0]).parent
    assert sorted(p.name for p in folder.glob("*.yaml")) == NAMES
    assert all(interactions(import_vcr(folder / name)[0]) for name in NAMES)
