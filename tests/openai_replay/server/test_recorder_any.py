"""Recording and replaying calls the server does not simulate: models, embeddings, a file upload and its bytes.

The upstream here is a small aiohttp app standing in for the real API (it is not our server); the
recording goes through the real proxy, and the replay through the real fake server, both over sockets.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
from aiohttp import web
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay, HttpExchange, load_cassette
from openai_replay.cli.validate import check
from openai_replay.server.recorder import RecordingProxy

FILE_BYTES = bytes(range(256)) * 4  # not UTF-8: the cassette keeps it as base64
MODELS = {"object": "list", "data": [{"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}]}


def upstream_app() -> web.Application:
    """What the real API would answer for these calls (shapes from the OpenAPI spec)."""
    uploads: dict[str, bytes] = {}

    async def models(request: web.Request) -> web.Response:
        return web.json_response(MODELS)

    async def embeddings(request: web.Request) -> web.Response:
        body = await request.json()
        vector = base64.b64encode(b"\x00\x00\x80?" * 4).decode()
        return web.json_response(
            {
                "object": "list",
                "data": [{"object": "embedding", "index": 0, "embedding": vector}],
                "model": body["model"],
                "usage": {"prompt_tokens": 2, "total_tokens": 2},
            }
        )

    async def files(request: web.Request) -> web.Response:
        form = await request.post()
        upload: Any = form["file"]
        uploads["file-abc123"] = upload.file.read()
        return web.json_response(
            {
                "id": "file-abc123",
                "object": "file",
                "bytes": len(uploads["file-abc123"]),
                "created_at": 1700000000,
                "filename": upload.filename,
                "purpose": form["purpose"],
                "status": "processed",
                "expires_at": None,
                "status_details": None,
            }
        )

    async def content(request: web.Request) -> web.Response:
        return web.Response(body=uploads[request.match_info["file_id"]], content_type="application/octet-stream")

    app = web.Application()
    app.router.add_get("/v1/models", models)
    app.router.add_post("/v1/embeddings", embeddings)
    app.router.add_post("/v1/files", files)
    app.router.add_get("/v1/files/{file_id}/content", content)
    return app


async def calls(base_url: str) -> list[bytes]:
    """A models list, an embedding, a file upload and the file's content, as raw answer bytes."""
    client = async_sdk(base_url=base_url, api_key="sk-test-not-a-real-key-000000000000", max_retries=0)
    raw = client.with_raw_response
    out = [(await raw.models.list()).content]
    out.append((await raw.embeddings.create(model="text-embedding-3-small", input="hello")).content)
    upload = await raw.files.create(file=("data.bin", FILE_BYTES, "application/octet-stream"), purpose="assistants")
    out.append(upload.content)
    content = await client.files.content("file-abc123")
    out.append(content.content)
    return out


@pytest.fixture
async def upstream() -> Any:
    runner = web.AppRunner(upstream_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


async def test_any_recorded_call_replays_byte_for_byte(tmp_path: Path, upstream: str) -> None:
    """Models, embeddings, a multipart upload and binary content recorded through the proxy replay offline with the same bytes."""
    out = tmp_path / "any.json"
    async with RecordingProxy(upstream=upstream, out=out) as proxy:
        recorded = await calls(proxy.url)
    assert recorded[3] == FILE_BYTES
    assert [(r.endpoint, r.outcome.kind) for r in proxy.log.requests] == [
        ("GET /v1/models", "completed"),
        ("POST /v1/embeddings", "completed"),
        ("POST /v1/files", "completed"),
        ("GET /v1/files/file-abc123/content", "completed"),
    ]
    assert proxy.log.requests[2].payload["file"]["size"] == len(FILE_BYTES)
    cassette = load_cassette(out)
    exchanges = [c for c in cassette.connections if isinstance(c, HttpExchange)]
    assert [(e.method, e.path) for e in exchanges] == [
        ("GET", "/v1/models"),
        ("POST", "/v1/embeddings"),
        ("POST", "/v1/files"),
        ("GET", "/v1/files/file-abc123/content"),
    ]
    assert exchanges[2].request_body_base64 is not None and exchanges[3].body_base64 is not None
    assert "sk-test-not-a-real-key" not in out.read_text()
    assert check(out)[0] == []
    replay = CassetteReplay(out)
    async with FakeServer(source=replay) as server:
        replayed = await calls(server.url)
        assert replayed == recorded
        assert [r.endpoint for r in server.log.requests] == [f"{e.method} {e.path}" for e in exchanges]
    assert replay.unplayed() == [] and replay.mismatches == []


async def test_an_unrecorded_call_gets_the_closest_recording_error(tmp_path: Path, upstream: str) -> None:
    """A different upload than the one recorded matches nothing: a 400 naming the closest recording and the differing field."""
    out = tmp_path / "any.json"
    async with RecordingProxy(upstream=upstream, out=out) as proxy:
        await calls(proxy.url)
    async with FakeServer(source=CassetteReplay(out)) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        with pytest.raises(openai.BadRequestError) as caught:
            await client.files.create(file=("other.bin", b"different", "application/octet-stream"), purpose="assistants")
    message = str(caught.value)
    assert "closest: interaction 3" in message and "body.file" in message


async def test_unsimulated_endpoint_404_names_what_is_served(server: FakeServer) -> None:
    """Without a cassette, an unsimulated endpoint is the real 404, naming the served endpoints and how to record."""
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{server.url}/images/generations", json={"prompt": "x"}, headers={"Authorization": "Bearer k"}
        ) as resp:
            body = json.loads(await resp.read())
    assert resp.status == 404
    message = body["error"]["message"]
    assert message.startswith("Invalid URL (POST /v1/images/generations).")
    assert "POST /v1/responses" in message and "POST /v1/conversations" in message and "openai-replay record" in message


def test_validate_and_the_report_flag_what_can_never_be_served(tmp_path: Path) -> None:
    """A recorded WebSocket to another path, a non-/v1 call or one without an answer: validate fails and the report names each."""
    from openai_replay.cassette import Cassette, WsConnection, save_cassette

    cassette = Cassette(
        connections=[
            HttpExchange(method="GET", path="/v1/models", status=200, body=json.dumps(MODELS)),
            WsConnection(path="/v1/somewhere-else"),
            HttpExchange(method="GET", path="/health", status=200, body="ok"),
            HttpExchange(method="POST", path="/v1/files", status=None),
        ]
    )
    out = tmp_path / "never.json"
    save_cassette(cassette, out)
    problems, _ = check(out)
    assert len(problems) == 3 and all("can never be replayed" in p for p in problems)
    report = CassetteReplay(out).report()
    assert "3 recorded connection(s)" in report and "/v1/somewhere-else" in report and "/health" in report
