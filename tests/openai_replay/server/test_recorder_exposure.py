"""The recorder lends the user's API key only to callers on this machine, unless told otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from aiohttp import web

from openai_replay.server.recorder import RecordingProxy

USER_KEY = "sk-user-key-0123456789abcdef"


@asynccontextmanager
async def upstream_that_echoes_authorization() -> AsyncIterator[tuple[str, list[str]]]:
    """A stand-in for the real API (not our fake server) that answers what Authorization it was sent."""
    seen: list[str] = []

    async def answer(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization", ""))
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/v1", seen
    finally:
        await runner.cleanup()


async def post(url: str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/responses", json={"input": "hi"}, headers=headers) as answer,
    ):
        return answer.status, await answer.json()


async def test_without_lend_key_a_caller_without_its_own_key_gets_a_401_and_reaches_nothing(tmp_path: Path) -> None:
    """lend_key=False: no Authorization gets the proxy's own 401 (nothing forwarded or recorded); a caller's key goes as is"""
    async with upstream_that_echoes_authorization() as (url, seen):
        async with RecordingProxy(upstream=url, out=tmp_path / "c.json", api_key=USER_KEY, lend_key=False) as proxy:
            assert not proxy.lends_key
            status, body = await post(proxy.url, {})
            assert status == 401 and "--lend-key" in body["error"]["message"]  # type: ignore[index]
            assert seen == [] and proxy.cassette().connections == []
            assert (await post(proxy.url, {"Authorization": "Bearer sk-callers-own-key-0123456789"}))[0] == 200
    assert seen == ["Bearer sk-callers-own-key-0123456789"]  # never the user's key


async def test_the_key_is_lent_on_loopback_by_default_and_elsewhere_only_when_asked(tmp_path: Path) -> None:
    """A loopback proxy attaches the user's key; lend_key=True does it anywhere; a wildcard bind does not by default."""
    async with upstream_that_echoes_authorization() as (url, seen):
        async with RecordingProxy(upstream=url, out=tmp_path / "c.json", api_key=USER_KEY) as proxy:
            assert proxy.lends_key and (await post(proxy.url, {}))[0] == 200
    assert seen == [f"Bearer {USER_KEY}"]
    nowhere = "http://127.0.0.1:9/v1"
    assert not RecordingProxy(upstream=nowhere, out=tmp_path / "d.json", api_key=USER_KEY, host="0.0.0.0").lends_key
    lent = RecordingProxy(upstream=nowhere, out=tmp_path / "e.json", api_key=USER_KEY, host="0.0.0.0", lend_key=True)
    assert lent.lends_key and lent.upstream.api_key == USER_KEY
