"""The six real Chat Completions recordings import and replay byte for byte; the SDK parses the replay."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml
from cassettekit import REAL_CHAT_EVENTS, http_raw, real_chat_cassette
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay
from openai_replay.cassette.show import render
from openai_replay.cassette.vcr_import import import_vcr

NAMES = sorted(REAL_CHAT_EVENTS)


def recorded(path: Path) -> tuple[CassetteReplay, list[dict[str, Any]]]:
    """A replay of the imported cassette, and the original YAML interactions (vcrpy or Ruby VCR)."""
    cassette, skipped = import_vcr(path)
    assert skipped == []
    doc = yaml.safe_load(path.read_text())
    return CassetteReplay(cassette), doc.get("interactions") or doc["http_interactions"]


@pytest.mark.parametrize("name", NAMES)
def test_every_chat_recording_imports_with_its_chunks(name: str) -> None:
    """Each file imports as chat exchanges with the README's chunk counts ([DONE] included), framing exact."""
    cassette, skipped = import_vcr(real_chat_cassette(name))
    assert skipped == [] and [getattr(c, "path", None) for c in cassette.connections] == ["/v1/chat/completions"] * len(
        REAL_CHAT_EVENTS[name]
    )
    counts = [len(c.events) if getattr(c, "events", None) is not None else None for c in cassette.connections]
    assert counts == REAL_CHAT_EVENTS[name]
    for exchange in cassette.connections:
        assert getattr(exchange, "note", None) is None  # the data:-only framing was kept exactly
        events = getattr(exchange, "events", None) or []
        assert all(e.event == "" for e in events) and (not events or events[-1].data == "[DONE]")


@pytest.mark.parametrize("name", NAMES)
async def test_chat_replays_over_http_byte_exact(name: str) -> None:
    """Raw HTTP clients get every recorded chat SSE body and JSON answer byte for byte, errors with their content."""
    replay, raw = recorded(real_chat_cassette(name))
    async with FakeServer(source=replay) as server:
        for item, original in zip(replay.items, raw, strict=True):
            status, text = await http_raw(server.url, item.request, path="/chat/completions")
            assert status == item.status
            if item.streamed:
                assert text == original["response"]["body"]["string"]
            elif status >= 400:
                assert json.loads(text)["error"] == json.loads(item.body or "")["error"]
            else:
                assert text == item.body
        assert server.log.requests[0].api == "chat"
    assert replay.unplayed() == [] and replay.mismatches == []


@pytest.mark.parametrize("name", NAMES)
async def test_the_sdk_parses_each_chat_replay(name: str) -> None:
    """chat.completions.create (streaming or not, as recorded) parses every replayed answer; a 404 raises NotFoundError."""
    replay, _ = recorded(real_chat_cassette(name))
    async with FakeServer(source=replay) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        for item in replay.items:
            body = dict(item.request or {})
            if item.status and item.status >= 400:
                with pytest.raises(openai.NotFoundError, match="does not exist"):
                    await client.chat.completions.create(**body)
            elif body.get("stream"):
                chunks = [chunk async for chunk in await client.chat.completions.create(**body)]
                assert chunks and all(c.object == "chat.completion.chunk" for c in chunks)
                assert len({c.id for c in chunks}) == 1
            else:
                completion = await client.chat.completions.create(**body)
                assert completion.object == "chat.completion" and completion.choices[0].finish_reason


def test_show_renders_chat_recordings() -> None:
    """show names the chat call, what was sent (messages), the finish reason and what the model said."""
    cassette, _ = import_vcr(real_chat_cassette("llm__test_tool_use_basic.yaml"))
    text = render(cassette)
    assert "POST /v1/chat/completions" in text and "messages 1" in text
    assert "finish_reason tool_calls" in text and "calls multiply(" in text
    assert ("finish_reason stop" in text and "chatcmpl-" in text) or "R1" in text


def _vcr(tmp_path: Path, responses: list[dict[str, Any]]) -> Path:
    request = {
        "method": "POST",
        "uri": "https://api.openai.com/v1/chat/completions",
        "headers": {},
        "body": json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}),
    }
    doc = {"version": 1, "interactions": [{"request": request, "response": r} for r in responses]}
    path = tmp_path / "chat.yaml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _answer(text: str) -> str:
    body = {
        "id": "chatcmpl-" + "a" * 29,
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
    }
    return json.dumps(body, indent=2) + "\n"


async def test_gzip_binary_and_two_recordings_of_one_request(tmp_path: Path) -> None:
    """A gzip !!binary body imports decompressed; two recordings of one request replay in recorded order."""
    first = {
        "status": {"code": 200},
        "headers": {"Content-Encoding": ["gzip"], "Content-Type": ["application/json"]},
        "body": {"string": gzip.compress(_answer("first").encode())},
    }
    second = {"status": {"code": 200}, "headers": {"Content-Type": ["application/json"]}, "body": {"string": _answer("second")}}
    path = _vcr(tmp_path, [first, second])
    assert "!!binary" in path.read_text()
    replay, _ = recorded(path)
    async with FakeServer(source=replay) as server:
        texts = [(await http_raw(server.url, item.request, path="/chat/completions"))[1] for item in replay.items]
    assert texts == [_answer("first"), _answer("second")]
