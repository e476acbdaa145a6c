"""Recording through the proxy against a local upstream, then replaying: the client sees the same bytes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cassettekit import AUTH, WsObservation, http_raw, user, ws_conversation
from sdkkit import async_sdk, sync_sdk

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay, HttpExchange, WsConnection, interactions, load_cassette
from openai_replay.scenarios import builtin
from openai_replay.server.recorder import RecordingProxy

MODEL = {"model": "gpt-4o-mini", "store": False}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def record_ws(tmp_path: Path, creates: list[dict[str, Any]], source: Any = None) -> tuple[WsObservation, Path]:
    out = tmp_path / "session.json"
    async with FakeServer(seed=5, source=source) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            seen = await ws_conversation(proxy.ws_url, creates)
    return seen, out


async def replay_ws(out: Path, creates: list[dict[str, Any]], **options: Any) -> tuple[WsObservation, CassetteReplay]:
    replay = CassetteReplay(load_cassette(out), **options)
    async with FakeServer(source=replay) as server:
        seen = await ws_conversation(server.ws_url, creates)
    return seen, replay


async def test_chained_ws_conversation_replays_byte_for_byte(tmp_path: Path) -> None:
    """Three chained WebSocket turns recorded through the proxy replay with identical frames and ids."""
    creates = [{**MODEL, "input": [user(text)]} for text in ("Hello", "How are you?", "Bye")]
    recorded, out = await record_ws(tmp_path, creates)
    assert len(recorded.turns) == 3 and all(recorded.turns)
    replayed, replay = await replay_ws(out, creates)
    assert replayed.turns == recorded.turns
    cassette = load_cassette(out)
    conn = cassette.connections[0]
    assert isinstance(conn, WsConnection)
    assert [f.text for f in conn.frames if f.sender == "server"] == [f for turn in recorded.turns for f in turn]
    assert conn.close is not None and conn.close.by == "client" and conn.close.code == 1000
    assert replay.unplayed() == [] and replay.mismatches == []


async def test_http_sse_and_json_replay_byte_for_byte(tmp_path: Path) -> None:
    """An SSE stream and a JSON answer recorded through the proxy come back with the same bytes."""
    out = tmp_path / "http.json"
    bodies = [{**MODEL, "input": "stream this", "stream": True}, {**MODEL, "input": "json this"}]
    async with FakeServer(seed=2) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = [await http_raw(proxy.url, body) for body in bodies]
    assert recorded[0][1].startswith("event: response.created\ndata: {")
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        replayed = [await http_raw(server.url, body) for body in bodies]
    assert replayed == recorded
    stream = load_cassette(out).connections[0]
    assert isinstance(stream, HttpExchange) and stream.events is not None
    assert "".join(e.wire() for e in stream.events) == recorded[0][1]


async def test_sdk_sees_the_same_events_over_the_proxy_and_in_replay(tmp_path: Path) -> None:
    """The openai SDK parses the same events through the proxy and from the cassette (WS and HTTP)."""

    async def session(url: str) -> list[dict[str, Any]]:
        client = async_sdk(base_url=url, api_key="test-key", max_retries=0)
        seen: list[dict[str, Any]] = []
        async with client.responses.connect() as connection:
            previous = None
            for text in ("one", "two"):
                await connection.response.create(**MODEL, input=[user(text)], previous_response_id=previous or None)
                async for event in connection:
                    seen.append(event.to_dict())
                    if event.type == "response.completed":
                        previous = event.response.id
                        break
        stream = await client.responses.create(**MODEL, input="three", stream=True)
        seen += [event.to_dict() async for event in stream]
        await client.close()
        return seen

    out = tmp_path / "sdk.json"
    async with FakeServer(seed=9) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = await asyncio.wait_for(session(proxy.url), 20)
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        replayed = await asyncio.wait_for(session(server.url), 20)
    assert replayed == recorded
    assert [e["type"] for e in recorded].count("response.completed") == 3


async def test_tool_call_conversation_round_trip(tmp_path: Path) -> None:
    """A function call and its output, recorded over WebSocket mode, replay with the same call id."""
    first = {**MODEL, "tools": [WEATHER], "input": [user("What is the weather in Paris?")]}
    recorded, out = await record_ws(tmp_path, [first], source=builtin("tool_call"))
    done = json.loads(recorded.turns[0][-1])["response"]["output"][0]
    assert done["type"] == "function_call"
    second = {
        **MODEL,
        "tools": [WEATHER],
        "input": [{"type": "function_call_output", "call_id": done["call_id"], "output": "18C"}],
    }
    async with FakeServer(seed=5, source=builtin("tool_call")) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = await ws_conversation(proxy.ws_url, [first, second])
    replayed, _ = await replay_ws(out, [first, second])
    assert replayed.turns == recorded.turns
    assert '"type":"function_call"' in recorded.turns[0][-1]


@pytest.mark.parametrize(
    ("name", "ending"),
    [("close_mid_stream", "CLOSE 1011"), ("drop_mid_stream", "CLOSED"), ("failed", "terminal")],
)
async def test_ws_faults_are_recorded_and_replayed(tmp_path: Path, name: str, ending: str) -> None:
    """Upstream closes, drops and failures on a WebSocket are recorded faithfully and replayed the same."""
    creates = [{**MODEL, "input": [user("hello there")]}]
    recorded, out = await record_ws(tmp_path, creates, source=builtin(name))
    assert recorded.ended == ("open" if ending == "terminal" else ending)
    conn = load_cassette(out).connections[0]
    assert isinstance(conn, WsConnection) and conn.close is not None
    if ending == "CLOSE 1011":
        assert (conn.close.by, conn.close.code, conn.close.dropped) == ("server", 1011, False)
    elif ending == "CLOSED":
        assert (conn.close.by, conn.close.dropped) == ("server", True)
    replayed, _ = await replay_ws(out, creates)
    assert replayed.turns == recorded.turns
    assert replayed.ended == recorded.ended


@pytest.mark.parametrize("name", ["close_mid_stream", "drop_mid_stream", "failed"])
async def test_http_stream_faults_are_recorded_and_replayed(tmp_path: Path, name: str) -> None:
    """A cut, dropped or failed SSE stream is recorded as it happened and replays with the same bytes."""
    out = tmp_path / "fault.json"
    body = {**MODEL, "input": "hello", "stream": True}
    async with FakeServer(seed=4, source=builtin(name)) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = await http_raw(proxy.url, body)
    exchange = load_cassette(out).connections[0]
    assert isinstance(exchange, HttpExchange) and exchange.end is not None
    if name == "drop_mid_stream":
        assert recorded[1].endswith("<cut>") and exchange.end.dropped
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        replayed = await http_raw(server.url, body)
    assert replayed == recorded


async def test_http_error_status_with_retry_after_is_recorded_and_replayed(tmp_path: Path) -> None:
    """A 429 with retry-after comes back from the cassette with its status, body and retry headers."""
    out = tmp_path / "429.json"
    body = {**MODEL, "input": "hello", "stream": True}

    async def call(url: str) -> tuple[int, str, str | None]:
        async with aiohttp.ClientSession() as session:
            async with session.post(url + "/responses", json=body, headers=AUTH) as answer:
                return answer.status, await answer.text(), answer.headers.get("retry-after")

    async with FakeServer(seed=4, source=builtin("rate_limit")) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = await call(proxy.url)
    assert recorded[0] == 429 and recorded[2] == "1"
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        replayed = await call(server.url)
    assert replayed == recorded


async def test_refused_handshake_is_recorded_and_replayed(tmp_path: Path) -> None:
    """A refused WebSocket upgrade reaches the client through the proxy, is recorded, and is refused on replay."""
    out = tmp_path / "refused.json"
    creates = [{**MODEL, "input": [user("hi")]}]

    async def connect_twice(ws_url: str) -> tuple[int, WsObservation]:
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(ws_url, headers=AUTH)
        return refused.value.status, await ws_conversation(ws_url, creates)

    async with FakeServer(seed=4, source=builtin("reject_handshake")) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            recorded = await connect_twice(proxy.ws_url)
    first = load_cassette(out).connections[0]
    assert isinstance(first, WsConnection) and first.status == 429 and first.response_headers.get("retry-after") == "1"
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        replayed = await connect_twice(server.ws_url)
    assert replayed[0] == recorded[0] == 429
    assert replayed[1].turns == recorded[1].turns


async def test_request_log_is_filled_like_the_fake_servers(tmp_path: Path) -> None:
    """The proxy's RequestLog holds the same connections, requests, ids and outcomes as the upstream's."""
    creates = [{**MODEL, "input": [user(t)]} for t in ("a", "b")]
    async with FakeServer(seed=5) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=tmp_path / "log.json") as proxy:
            await ws_conversation(proxy.ws_url, creates)
            await http_raw(proxy.url, {**MODEL, "input": "c", "stream": True})
            await http_raw(proxy.url, {**MODEL, "input": "d"})

        def facts(log: Any) -> list[tuple[Any, ...]]:
            return [
                (r.transport, r.connection_id, r.turn_on_connection, r.payload, r.response_id, str(r.outcome), r.event_types[-1:])
                for r in log.requests
            ]

        assert facts(proxy.log) == facts(upstream.log)
        assert [(c.id, c.closed_by, c.close_code) for c in proxy.log.connections] == [(1, "client", 1000)]
        assert len(proxy.log) == 4 and proxy.log[1].chained


def test_thread_backed_proxy_records_a_sync_client(tmp_path: Path) -> None:
    """``with RecordingProxy(...)`` runs in a thread for sync code and writes the cassette on exit."""
    out = tmp_path / "sync.json"
    with FakeServer(seed=1) as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        client = sync_sdk(base_url=proxy.url, api_key="test-key", max_retries=0, timeout=10)
        answer = client.responses.create(model="gpt-4o-mini", input="sync hello")
        client.close()
    assert answer.output_text == "You said: sync hello"
    (item,) = interactions(load_cassette(out))
    assert item.response_id == answer.id and item.outcome() == "completed"


async def test_each_finished_connection_is_saved_at_once_and_atomically(tmp_path: Path) -> None:
    """The cassette is on disk (valid) as soon as a connection ends, before the proxy stops; no temp files."""
    out = tmp_path / "autosave.json"
    async with FakeServer(seed=1) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=out) as proxy:
            await ws_conversation(proxy.ws_url, [{**MODEL, "input": [user("saved early")]}])
            for _ in range(100):
                if out.exists() and load_cassette(out).connections[0].close is not None:  # type: ignore[union-attr]
                    break
                await asyncio.sleep(0.02)
            early = load_cassette(out)
    assert len(interactions(early)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["autosave.json"]


async def test_unreachable_upstream_is_answered_and_recorded(tmp_path: Path) -> None:
    """With nothing listening upstream, the client gets a clear 502 and the cassette says why."""
    out = tmp_path / "down.json"
    async with FakeServer() as gone:
        dead_url = gone.url
    async with RecordingProxy(upstream=dead_url, out=out) as proxy:
        status, text = await http_raw(proxy.url, {**MODEL, "input": "anyone?"})
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await session.ws_connect(proxy.ws_url, headers=AUTH)
    assert status == 502 and "cannot reach the upstream" in json.loads(text)["error"]["message"]
    assert refused.value.status == 502
    http, ws = load_cassette(out).connections
    assert http.note and "cannot reach the upstream" in http.note
    assert isinstance(ws, WsConnection) and ws.status == 502 and ws.note


async def test_upstream_gets_the_users_key_from_argument_environment_or_client(tmp_path: Path, monkeypatch: Any) -> None:
    """The proxy authenticates upstream with api_key, else OPENAI_API_KEY, else the client's own header."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    body = {**MODEL, "input": "who am I"}

    async def status_without_client_auth(proxy_url: str) -> int:
        async with aiohttp.ClientSession() as session:
            async with session.post(proxy_url + "/responses", json=body) as answer:
                return answer.status

    async with FakeServer(seed=1) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=tmp_path / "a.json") as proxy:
            assert await status_without_client_auth(proxy.url) == 401
            assert (await http_raw(proxy.url, body))[0] == 200  # the client's header is forwarded
        async with RecordingProxy(
            upstream=upstream.url, out=tmp_path / "b.json", api_key="sk-user-key-0123456789abcdef"
        ) as proxy:
            assert await status_without_client_auth(proxy.url) == 200
        monkeypatch.setenv("OPENAI_API_KEY", "sk-env-key-0123456789abcdef")
        async with RecordingProxy(upstream=upstream.url, out=tmp_path / "c.json") as proxy:
            assert await status_without_client_auth(proxy.url) == 200
    for name in ("a.json", "b.json", "c.json"):
        text = (tmp_path / name).read_text()
        assert "user-key" not in text and "env-key" not in text and "test-key" not in text
