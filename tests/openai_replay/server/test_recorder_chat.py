"""Recording Chat Completions through the proxy, then replaying: the client sees the same bytes."""

from __future__ import annotations

from pathlib import Path

from cassettekit import http_raw

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay, HttpExchange, load_cassette
from openai_replay.cassette.show import render
from openai_replay.server.recorder import RecordingProxy

MESSAGES = [{"role": "user", "content": "stream this"}]
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}


async def test_chat_stream_and_json_record_and_replay_byte_for_byte(tmp_path: Path) -> None:
    """A chat SSE stream (usage, tool call) and a JSON answer recorded through the proxy replay with the same bytes."""
    out = tmp_path / "chat.json"
    bodies = [
        {"model": "m", "messages": MESSAGES, "stream": True, "stream_options": {"include_usage": True}},
        {"model": "m", "messages": [{"role": "user", "content": "call get_weather"}], "tools": [WEATHER], "stream": True},
        {"model": "m", "messages": [{"role": "user", "content": "json this"}]},
    ]
    async with FakeServer(seed=4) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = [await http_raw(proxy.url, body, path="/chat/completions") for body in bodies]
            logged = [(r.api, r.outcome.kind, r.response_id) for r in proxy.log]
    assert recorded[0][1].startswith("data: {") and recorded[0][1].endswith("data: [DONE]\n\n")
    assert [(api, kind) for api, kind, _ in logged] == [("chat", "completed")] * 3
    assert all(rid and rid.startswith("chatcmpl-") for _, _, rid in logged)
    cassette = load_cassette(out)
    stream = cassette.connections[0]
    assert isinstance(stream, HttpExchange) and stream.path == "/v1/chat/completions"
    assert stream.events is not None and all(e.event == "" for e in stream.events)
    async with FakeServer(source=CassetteReplay(cassette)) as server:
        replayed = [await http_raw(server.url, body, path="/chat/completions") for body in bodies]
    assert replayed == recorded
    shown = render(cassette)
    assert shown.count("POST /v1/chat/completions") == 3 and "calls get_weather(" in shown and "finish_reason tool_calls" in shown
