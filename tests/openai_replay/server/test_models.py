"""GET /v1/models and /v1/models/{id} over real sockets: SDK types, the spec, the 404, configuration, faults."""

from __future__ import annotations

import aiohttp
import openai
import pytest
from openai.pagination import SyncPage
from openai.types import Model
from scenariokit import client_for
from sidekit import assert_conforms, assert_error_conforms, call

from fake_server import FakeServer
from openai_replay.scenarios import scenario


async def test_list_and_retrieve_parse_and_match_the_spec(server: FakeServer) -> None:
    """The list and one model parse with the SDK's types and validate against ListModelsResponse / Model."""
    status, body = await call(server, "GET", "/models")
    assert status == 200 and body["object"] == "list"
    assert_conforms("ListModelsResponse", SyncPage[Model], body)
    status, one = await call(server, "GET", "/models/gpt-4o-mini")
    assert status == 200 and one["id"] == "gpt-4o-mini"
    assert_conforms("Model", Model, one)
    listed = [m.id async for m in client_for(server).models.list()]
    assert "gpt-4o-mini" in listed and "text-embedding-3-small" in listed


async def test_unknown_model_is_the_real_404(server: FakeServer) -> None:
    """An unknown id gets 404 model_not_found in OpenAI's error shape."""
    with pytest.raises(openai.NotFoundError) as caught:
        await client_for(server).models.retrieve("gpt-nonexistent")
    assert caught.value.code == "model_not_found"
    status, body = await call(server, "GET", "/models/gpt-nonexistent")
    assert status == 404
    assert_error_conforms(body)


async def test_the_list_is_configurable() -> None:
    """FakeServer(models=[...]) lists exactly those models, and the rest are 404s."""
    async with FakeServer(models=["my-model"]) as server:
        client = client_for(server)
        assert [m.id async for m in client.models.list()] == ["my-model"]
        with pytest.raises(openai.NotFoundError):
            await client.models.retrieve("gpt-4o")


async def test_a_scenario_faults_the_models_call_and_the_log_names_it(server: FakeServer) -> None:
    """api='models' selects the call; a 500 then the simulated list; the log has the api and endpoint."""
    server.use(scenario().on(api="models", attempt=1).http_status(500, headers={"retry-after-ms": "10"}).build())
    client = client_for(server, max_retries=1)
    models = [m.id async for m in client.models.list()]
    assert "gpt-4o" in models
    records = server.log.requests
    assert [(r.api, r.endpoint, r.outcome.kind) for r in records] == [
        ("models", "GET /v1/models", "error"),
        ("models", "GET /v1/models", "completed"),
    ]


async def test_the_control_api_export_names_api_and_endpoint(server: FakeServer) -> None:
    """GET /__replay/requests gives each request's api and endpoint, side endpoints and turns alike."""
    client = client_for(server)
    await client.models.retrieve("gpt-4o")
    await client.embeddings.create(model="text-embedding-3-small", input="x")
    await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    async with aiohttp.ClientSession() as session, session.get(f"{server.control_url}/requests") as resp:
        exported = (await resp.json())["requests"]
    assert [(r["api"], r["endpoint"]) for r in exported] == [
        ("models", "GET /v1/models/gpt-4o"),
        ("embeddings", "POST /v1/embeddings"),
        ("chat", "POST /v1/chat/completions"),
    ]
