"""HTTP: POST /v1/responses (SSE and JSON), GET/DELETE stored responses, errors, auth."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import openai
import pytest
from multidict import CIMultiDict
from scenariokit import client_for
from testkit import assert_event_conforms, assert_stream_well_formed, spec, sse_events

from fake_server import FakeServer

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def post(server: FakeServer, body: Any, headers: dict[str, str] | None = None) -> tuple[int, CIMultiDict[str], bytes]:
    hdrs = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    hdrs.update(headers or {})
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/responses", data=data, headers=hdrs) as resp:
        return resp.status, CIMultiDict(resp.headers), await resp.read()


async def test_streamed_text_reply_through_the_sdk(server: FakeServer) -> None:
    """responses.create(stream=True) yields the full, spec-valid event sequence of a text reply."""
    stream = await client_for(server).responses.create(model="gpt-4o-mini", input="hello world", stream=True)
    events = [event.to_dict() async for event in stream]
    assert_stream_well_formed(events)
    types = [e["type"] for e in events]
    assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    deltas = [e["delta"] for e in events if e["type"] == "response.output_text.delta"]
    assert "".join(deltas) == "You said: hello world"
    for event in events:
        assert_event_conforms(event)


async def test_sse_bytes_match_real_framing(server: FakeServer) -> None:
    """The SSE body uses the real framing: headers, event/data pairs, compact JSON, no [DONE], obfuscation."""
    status, headers, body = await post(server, {"model": "m", "input": "héllo wörld", "stream": True})
    assert status == 200
    assert headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["Transfer-Encoding"] == "chunked" and "Content-Length" not in headers
    assert headers["x-request-id"].startswith("req_") and headers["openai-version"] == "2020-10-01"
    assert not any(k.lower().startswith("x-ratelimit") for k in headers)
    assert b"[DONE]" not in body and "héllo".encode() in body
    events = sse_events(body)
    for line in body.decode().split("\n"):
        if line.startswith("data: "):
            assert line[6:] == json.dumps(json.loads(line[6:]), separators=(",", ":"), ensure_ascii=False)
    for event in events:
        if event["type"].endswith(".delta"):
            assert (len(event["delta"]) + len(event["obfuscation"])) % 16 == 0
        keys = list(event)
        assert keys[0] == "type" and keys[1:] == sorted(keys[1:])
    created, completed = events[0]["response"], events[-1]["response"]
    assert created["service_tier"] == "auto" and completed["service_tier"] == "default"
    assert created["usage"] is None and created["completed_at"] is None and completed["completed_at"] is not None


async def test_json_response_when_not_streaming(server: FakeServer) -> None:
    """stream:false returns the final Response as pretty JSON with rate-limit headers and billing."""
    status, headers, body = await post(server, {"model": "gpt-4o-mini", "input": "plain"})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["x-ratelimit-limit-requests"]
    obj = json.loads(body)
    assert body.decode() == json.dumps(obj, indent=2)
    assert obj["billing"] == {"payer": "developer"} and obj["status"] == "completed"
    assert list(obj)[:4] == ["id", "object", "created_at", "status"] and list(obj)[-2:] == ["user", "metadata"]
    assert not spec().check_response(obj)
    sdk = await client_for(server).responses.create(model="gpt-4o-mini", input="plain")
    assert sdk.output_text == "You said: plain"


async def test_function_call_stream(server: FakeServer) -> None:
    """A 'call get_weather' request streams a function call with argument deltas and no content parts."""
    stream = await client_for(server).responses.create(
        model="m",
        input='call get_weather {"city": "Paris"}',
        tools=[WEATHER],
        stream=True,  # type: ignore[list-item]
    )
    events = [e.to_dict() async for e in stream]
    assert_stream_well_formed(events)
    types = [e["type"] for e in events]
    assert "response.content_part.added" not in types
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert len(deltas) > 1 and "".join(deltas) == '{"city":"Paris"}'
    done = next(e for e in events if e["type"] == "response.function_call_arguments.done")
    assert "name" not in done
    item = events[-1]["response"]["output"][0]
    assert item["type"] == "function_call" and item["name"] == "get_weather" and item["call_id"].startswith("call_")
    for event in events:
        assert_event_conforms(event)


async def test_a_stored_response_is_the_one_its_stream_completed_with(server: FakeServer) -> None:
    """GET answers the exact Response object of the stream's response.completed (both come from one encoding)."""
    status, _, body = await post(server, {"model": "m", "input": "keep me", "stream": True})
    assert status == 200
    completed = sse_events(body)[-1]
    assert completed["type"] == "response.completed"
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/responses/{completed['response']['id']}"
        async with http.get(url, headers={"Authorization": "Bearer k"}) as resp:
            assert resp.status == 200
            assert await resp.json() == completed["response"]


async def test_stored_response_get_and_delete(server: FakeServer) -> None:
    """store:true responses can be retrieved and deleted; afterwards GET is a 404 in OpenAI's shape."""
    client = client_for(server)
    created = await client.responses.create(model="m", input="keep me")
    fetched = await client.responses.retrieve(created.id)
    assert fetched.id == created.id and fetched.output_text == "You said: keep me"
    await client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError) as info:
        await client.responses.retrieve(created.id)
    assert info.value.body == {
        "message": f"Response with id '{created.id}' not found.",
        "type": "invalid_request_error",
        "param": None,
        "code": None,
    }


async def test_store_false_is_not_retrievable(server: FakeServer) -> None:
    """A store:false response is never kept for GET."""
    client = client_for(server)
    created = await client.responses.create(model="m", input="forget me", store=False)
    with pytest.raises(openai.NotFoundError):
        await client.responses.retrieve(created.id)


async def test_http_chain_needs_a_stored_response(server: FakeServer) -> None:
    """Over HTTP previous_response_id resolves only through the store (store:false ids are not found)."""
    client = client_for(server)
    kept = await client.responses.create(model="m", input="one")
    chained = await client.responses.create(model="m", input="two", previous_response_id=kept.id)
    assert chained.previous_response_id == kept.id and chained.usage and chained.usage.input_tokens > kept.usage.input_tokens  # type: ignore[union-attr]
    lost = await client.responses.create(model="m", input="three", store=False)
    with pytest.raises(openai.BadRequestError) as info:
        await client.responses.create(model="m", input="four", previous_response_id=lost.id, stream=True)
    assert info.value.code == "previous_response_not_found" and info.value.param == "previous_response_id"


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ({"input": "no model"}, "missing_required_parameter", "model"),
        ({"model": "m", "temperature": -1, "stream": True}, "decimal_below_min_value", "temperature"),
        ({"model": "m", "temperature": "hot"}, "invalid_type", "temperature"),
        ({"model": "m", "generate": False}, "unknown_parameter", "generate"),
        (
            {"model": "m", "input": [{"type": "function_call_output", "output": "x"}]},
            "missing_required_parameter",
            "input[0].call_id",
        ),
        ({"model": "m", "truncation": "sometimes"}, "invalid_value", "truncation"),
    ],
)
async def test_invalid_payloads_get_400_json_even_when_streaming(
    server: FakeServer, body: dict[str, Any], code: str, param: str
) -> None:
    """Validation failures come back as a 400 JSON error body (never SSE), naming the param."""
    status, headers, raw = await post(server, body)
    assert status == 400 and headers["Content-Type"] == "application/json"
    error = json.loads(raw)
    assert list(error["error"]) == ["message", "type", "param", "code"]
    assert error["error"]["code"] == code and error["error"]["param"] == param
    assert not spec().check_error_body(error)


async def test_invalid_json_body(server: FakeServer) -> None:
    """A body that is not JSON gets the real 'could not parse the JSON body' 400."""
    status, _, raw = await post(server, b"{not json")
    assert status == 400
    assert json.loads(raw)["error"]["message"].startswith("We could not parse the JSON body of your request.")
    assert server.log[0].outcome.kind == "error"


async def test_missing_token_gets_401_and_auth_can_be_off() -> None:
    """No bearer token: the SDK sees AuthenticationError with the real message; require_auth=False lets it in."""
    async with FakeServer() as server, aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/responses", json={"model": "m", "input": "x"}) as resp:
            assert resp.status == 401
            assert (await resp.json())["error"]["message"].startswith("You didn't provide an API key.")
    async with FakeServer(require_auth=False) as server, aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/responses", json={"model": "m", "input": "x"}) as resp:
            assert resp.status == 200


async def test_unknown_routes_and_methods(server: FakeServer) -> None:
    """Unknown paths are 404 'Invalid URL', wrong methods 405 with Allow, both in OpenAI's error shape."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/chat/nothing", headers={"Authorization": "Bearer k"}) as resp:
            assert resp.status == 404
            assert (await resp.json())["error"]["message"].startswith("Invalid URL (GET /v1/chat/nothing).")
        async with session.put(f"{server.url}/responses", headers={"Authorization": "Bearer k"}) as resp:
            assert resp.status == 405 and "POST" in resp.headers["Allow"]
            assert (await resp.json())["error"]["type"] == "invalid_request_error"
        async with session.get(f"{server.url}/responses", headers={"Authorization": "Bearer k"}) as resp:
            assert resp.status == 405


async def test_server_bug_is_a_500_in_openai_shape() -> None:
    """An exception inside a source reaches an HTTP client as a 500 server_error body."""

    class Broken:
        def plan(self, turn: Any) -> Any:
            raise RuntimeError("boom")

    async with FakeServer(source=Broken()) as server:
        with pytest.raises(openai.InternalServerError) as info:
            await client_for(server).responses.create(model="m", input="x")
    assert info.value.status_code == 500
    assert info.value.body["type"] == "server_error"  # type: ignore[index]


async def test_same_seed_same_bytes(manual_clock: Any) -> None:
    """Two servers with the same seed and clock produce byte-identical SSE bodies."""
    bodies = []
    for _ in range(2):
        async with FakeServer(seed=42, clock=manual_clock) as server:
            _, _, body = await post(server, {"model": "m", "input": "determinism", "stream": True})
            bodies.append(body)
    assert bodies[0] == bodies[1]
