"""A marked test that calls endpoints the server does not simulate records them and replays them offline.

The upstream is a small aiohttp app on its own thread standing in for the real API (not our server).
"""

from __future__ import annotations

import asyncio
import textwrap
import threading
from collections.abc import Iterator

import pytest
from aiohttp import web
from pluginkit import RECORDING_INI as INI

from openai_replay.cli.validate import check

INNER = """
import pytest

@pytest.mark.openai_replay
def test_side_calls(openai_server, openai_client):
    assert [m.id for m in openai_client.models.list().data] == ["gpt-4o-mini"]
    vector = openai_client.embeddings.create(model="text-embedding-3-small", input="hello", encoding_format="float")
    assert vector.data[0].embedding == [0.5, 0.25]
"""


@pytest.fixture
def api() -> Iterator[tuple[str, list[str]]]:
    """A stand-in for the real API on a thread: its URL and the paths it was asked for."""
    seen: list[str] = []

    async def models(request: web.Request) -> web.Response:
        seen.append(request.path)
        return web.json_response(
            {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 1, "owned_by": "system"}]}
        )

    async def embeddings(request: web.Request) -> web.Response:
        seen.append(request.path)
        data = [{"object": "embedding", "index": 0, "embedding": [0.5, 0.25]}]
        return web.json_response({"object": "list", "data": data, "model": "m", "usage": {"prompt_tokens": 1, "total_tokens": 1}})

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/embeddings", embeddings)
    runner = web.AppRunner(app)
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/v1", seen
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.run_until_complete(runner.cleanup())
    loop.close()


@pytest.mark.slow
def test_a_marked_test_replays_unsimulated_calls_offline(pytester: pytest.Pytester, api: tuple[str, list[str]]) -> None:
    """Recorded once (models, embeddings), validate passes, and the offline run replays them without the upstream."""
    url, seen = api
    pytester.makeini(INI.format(url=url))
    pytester.makepyfile(test_side=textwrap.dedent(INNER))
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)
    assert seen == ["/v1/models", "/v1/embeddings"]
    (cassette,) = pytester.path.rglob("test_side_calls.json")
    assert check(cassette)[0] == []
    pytester.runpytest().assert_outcomes(passed=1)
    assert seen == ["/v1/models", "/v1/embeddings"]  # the replay never reached the upstream
