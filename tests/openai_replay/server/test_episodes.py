"""Record modes through the proxy: ``new_episodes`` replays what is known and records only what is new."""

from __future__ import annotations

from pathlib import Path

from cassettekit import http_raw, user, ws_conversation

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay, interactions, load_cassette
from openai_replay.server.recorder import RecordingProxy

MODEL = {"model": "gpt-4o-mini", "store": False}
OLD = {**MODEL, "input": "known question", "stream": True}
NEW = {**MODEL, "input": "new question", "stream": True}


async def test_new_episodes_over_http(tmp_path: Path) -> None:
    """A recorded HTTP request is answered from the cassette (the upstream never sees it); a new one is
    forwarded, and the cassette ends up with both."""
    path = tmp_path / "episodes.json"
    async with FakeServer(seed=1) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=path) as proxy:
            first = await http_raw(proxy.url, OLD)
        existing = load_cassette(path)
        async with RecordingProxy(upstream=upstream.url, out=path, keep=existing, replay=existing) as proxy:
            again = await http_raw(proxy.url, OLD)
            fresh = await http_raw(proxy.url, NEW)
        assert len(upstream.log) == 2  # the known question went upstream only once, when first recorded
        assert [r.payload["input"] for r in proxy.log.requests] == ["known question", "new question"]
    assert again == first and fresh[0] == 200
    items = interactions(load_cassette(path))
    assert [(i.request or {})["input"] for i in items] == ["known question", "new question"]
    replay = CassetteReplay(load_cassette(path))
    async with FakeServer(source=replay) as server:
        assert await http_raw(server.url, NEW) == fresh
        assert await http_raw(server.url, OLD) == first
    replay.assert_all_played()


async def test_new_episodes_over_websocket_decides_per_connection(tmp_path: Path) -> None:
    """A WebSocket conversation whose first request was recorded replays whole; a new one is recorded whole."""
    path = tmp_path / "ws.json"
    known = [{**MODEL, "input": [user("hello")]}, {**MODEL, "input": [user("and again")]}]
    novel = [{**MODEL, "input": [user("something else")]}]
    async with FakeServer(seed=1) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=path) as proxy:
            recorded = await ws_conversation(proxy.ws_url, known)
        existing = load_cassette(path)
        async with RecordingProxy(upstream=upstream.url, out=path, keep=existing, replay=existing) as proxy:
            replayed = await ws_conversation(proxy.ws_url, known)
            forwarded = await ws_conversation(proxy.ws_url, novel)
        assert len(upstream.log.connections) == 2 and len(upstream.log) == 3
        assert len(proxy.log) == 3
    assert replayed.turns == recorded.turns and len(forwarded.turns[0]) > 2
    cassette = load_cassette(path)
    assert [len(interactions(cassette)), len(cassette.connections)] == [3, 2]


async def test_all_mode_keeps_old_interactions_and_records_everything(tmp_path: Path) -> None:
    """With ``keep`` and no replay (mode ``all``) every request goes upstream and is appended."""
    path = tmp_path / "all.json"
    async with FakeServer(seed=1) as upstream:
        async with RecordingProxy(upstream=upstream.url, out=path) as proxy:
            await http_raw(proxy.url, OLD)
        async with RecordingProxy(upstream=upstream.url, out=path, keep=load_cassette(path)) as proxy:
            await http_raw(proxy.url, OLD)
        assert len(upstream.log) == 2
    assert [(i.request or {})["input"] for i in interactions(load_cassette(path))] == ["known question"] * 2
