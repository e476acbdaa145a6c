"""HTTP: the Responses sub-routes: input_items paging, input_tokens, compact, cancel, GET/DELETE through the engine."""

from __future__ import annotations

import aiohttp
import openai
import pytest
from scenariokit import client_for
from testkit import spec

from fake_server import FakeServer
from openai_replay.scenarios import scenario


async def raw(server: FakeServer, method: str, path: str, body: object = None) -> tuple[int, dict]:
    headers = {"Authorization": "Bearer k"}
    async with aiohttp.ClientSession() as session:
        async with session.request(method, f"{server.url}{path}", json=body, headers=headers) as resp:
            return resp.status, await resp.json()


async def test_input_tokens_and_compact_are_routes_not_response_ids(server: FakeServer) -> None:
    """POST /v1/responses/input_tokens and /compact answer 200 (they used to be 405s: taken for a response id)."""
    client = client_for(server)
    counted = await client.responses.input_tokens.count(model="gpt-4o-mini", input="Tell me a joke.")
    again = await client.responses.input_tokens.count(model="gpt-4o-mini", input="Tell me a joke.")
    assert counted.object == "response.input_tokens" and counted.input_tokens == again.input_tokens > 0
    longer = await client.responses.input_tokens.count(model="gpt-4o-mini", input="Tell me a much longer joke about a cat.")
    assert longer.input_tokens > counted.input_tokens
    compacted = await client.responses.compact(model="gpt-4o-mini", input="remember the number 42")
    assert compacted.object == "response.compaction"
    assert [item.type for item in compacted.output] == ["message", "compaction"]
    assert compacted.usage.total_tokens == compacted.usage.input_tokens + compacted.usage.output_tokens


async def test_input_tokens_reads_the_chain_it_continues(server: FakeServer) -> None:
    """A count with previous_response_id includes the stored chain; an unknown id is previous_response_not_found."""
    client = client_for(server)
    first = await client.responses.create(model="gpt-4o-mini", input="a fairly long first message to count")
    alone = await client.responses.input_tokens.count(model="gpt-4o-mini", input="next")
    chained = await client.responses.input_tokens.count(model="gpt-4o-mini", input="next", previous_response_id=first.id)
    assert chained.input_tokens > alone.input_tokens
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.input_tokens.count(model="gpt-4o-mini", input="x", previous_response_id="resp_missing")
    assert caught.value.code == "previous_response_not_found"


async def test_side_request_errors_have_the_real_shape(server: FakeServer) -> None:
    """Unknown fields, a compact without model and a body that is no object are 400s in OpenAI's error shape."""
    for path, body, param in [
        ("/responses/input_tokens", {"model": "m", "bogus": 1}, "bogus"),
        ("/responses/compact", {"input": "x"}, "model"),
        ("/responses/input_tokens", [1, 2], "body"),
    ]:
        status, answer = await raw(server, "POST", path, body)
        assert status == 400 and answer["error"]["param"] == param
        assert spec().check_error_body(answer) == []


async def test_input_items_pages_in_both_orders(server: FakeServer) -> None:
    """input_items lists what the response read (ids assigned, stable), newest first by default, paged with after/limit."""
    client = client_for(server)
    items = [{"role": "user", "content": f"message {n}"} for n in range(5)]
    response = await client.responses.create(model="gpt-4o-mini", input=items)
    listed = await client.responses.input_items.list(response.id)
    assert [i.content[0].text for i in listed.data] == [f"message {n}" for n in reversed(range(5))]
    assert listed.has_more is False and listed.first_id == listed.data[0].id
    again = await client.responses.input_items.list(response.id)
    assert [i.id for i in again.data] == [i.id for i in listed.data]
    first = await client.responses.input_items.list(response.id, order="asc", limit=2)
    assert [i.content[0].text for i in first.data] == ["message 0", "message 1"] and first.has_more
    rest = await client.responses.input_items.list(response.id, order="asc", after=first.last_id)
    assert [i.content[0].text for i in rest.data] == ["message 2", "message 3", "message 4"] and not rest.has_more
    every = [i.id async for i in client.responses.input_items.list(response.id, order="asc", limit=2)]
    assert len(every) == 5


async def test_input_items_errors(server: FakeServer) -> None:
    """An unknown or unstored response is a 404; a bad limit or order is a 400 naming the parameter."""
    client = client_for(server)
    with pytest.raises(openai.NotFoundError):
        await client.responses.input_items.list("resp_nope")
    unstored = await client.responses.create(model="gpt-4o-mini", input="x", store=False)
    with pytest.raises(openai.NotFoundError):
        await client.responses.input_items.list(unstored.id)
    stored = await client.responses.create(model="gpt-4o-mini", input="x")
    for query, param in [("limit=0", "limit"), ("limit=abc", "limit"), ("order=up", "order"), ("after=msg_x", "after")]:
        status, body = await raw(server, "GET", f"/responses/{stored.id}/input_items?{query}")
        assert status == 400 and body["error"]["param"] == param


async def test_side_requests_are_logged_with_their_endpoint(server: FakeServer) -> None:
    """Each side request is in the request log with its request line, and the timeline shows it."""
    client = client_for(server)
    response = await client.responses.create(model="gpt-4o-mini", input="x")
    await client.responses.retrieve(response.id)
    await client.responses.input_items.list(response.id)
    await client.responses.delete(response.id)
    endpoints = [r.endpoint for r in server.log.requests]
    assert endpoints == [
        None,
        f"GET /v1/responses/{response.id}",
        f"GET /v1/responses/{response.id}/input_items",
        f"DELETE /v1/responses/{response.id}",
    ]
    assert f"-> DELETE /v1/responses/{response.id}" in server.log.timeline()


async def test_a_scenario_faults_a_side_request_and_leaves_state_alone(server: FakeServer) -> None:
    """A scripted 500 on DELETE answers 500 and deletes nothing; the retry then deletes."""
    client = client_for(server)
    response = await client.responses.create(model="gpt-4o-mini", input="x")
    server.use(scenario("flaky delete").on(where=lambda turn: turn.method == "DELETE").times(1).error("server_error").build())
    with pytest.raises(openai.InternalServerError):
        await client.responses.delete(response.id)
    assert (await client.responses.retrieve(response.id)).id == response.id
    await client.responses.delete(response.id)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(response.id)


async def test_the_count_matches_the_usage_of_the_response(server: FakeServer) -> None:
    """input_tokens counts what a response with the same input, instructions and tools reports as its input tokens."""
    client = client_for(server)
    request = {"model": "gpt-4o-mini", "input": "count me please", "instructions": "Be brief."}
    counted = await client.responses.input_tokens.count(**request)
    response = await client.responses.create(**request)
    assert response.usage is not None and counted.input_tokens == response.usage.input_tokens
