"""POST /v1/chat/completions over real sockets: JSON and SSE, tool calls, usage, errors, auth."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import openai
import pytest
from multidict import CIMultiDict
from scenariokit import client_for
from testkit import assert_chat_conforms, chat_sse_chunks, spec

from fake_server import FakeServer
from openai_replay.scenarios import scenario

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
USER = [{"role": "user", "content": "hello world"}]


async def post(server: FakeServer, body: Any, headers: dict[str, str] | None = None) -> tuple[int, CIMultiDict[str], bytes]:
    hdrs = {"Authorization": "Bearer k", "Content-Type": "application/json"}
    hdrs.update(headers or {})
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/chat/completions", data=data, headers=hdrs) as resp,
    ):
        return resp.status, CIMultiDict(resp.headers), await resp.read()


async def test_non_streaming_reply_through_the_sdk(server: FakeServer) -> None:
    """chat.completions.create returns a spec-valid chat.completion with the simulated text and usage details."""
    completion = await client_for(server).chat.completions.create(model="gpt-4o-mini", messages=USER)  # type: ignore[arg-type]
    assert completion.object == "chat.completion" and completion.id.startswith("chatcmpl-") and len(completion.id) == 38
    choice = completion.choices[0]
    assert choice.message.content == "You said: hello world" and choice.message.role == "assistant"
    assert choice.finish_reason == "stop" and choice.message.tool_calls is None
    usage = completion.usage
    assert usage is not None and usage.total_tokens == usage.prompt_tokens + usage.completion_tokens
    assert usage.prompt_tokens_details is not None and usage.prompt_tokens_details.cached_tokens == 0
    assert usage.completion_tokens_details is not None and usage.completion_tokens_details.reasoning_tokens == 0
    assert_chat_conforms(completion.model_dump(mode="json", exclude_unset=True))


async def test_json_body_bytes_and_headers_match_the_real_api(server: FakeServer) -> None:
    """The JSON body is 2-space pretty JSON with a trailing newline, in the real key order, with rate-limit headers."""
    status, headers, body = await post(server, {"model": "gpt-4o-mini", "messages": USER})
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert headers["x-request-id"].startswith("req_") and headers["x-ratelimit-limit-requests"]
    text = body.decode()
    obj = json.loads(text)
    assert text == json.dumps(obj, indent=2) + "\n"
    assert list(obj) == ["id", "object", "created", "model", "choices", "usage", "service_tier", "system_fingerprint"]
    assert list(obj["choices"][0]["message"]) == ["role", "content", "refusal", "annotations"]
    assert_chat_conforms(obj)


async def test_stream_with_usage_has_the_2025_shape(server: FakeServer) -> None:
    """A stream: role chunk, content deltas, finish chunk, usage chunk with empty choices, [DONE]; usage null before."""
    body = {"model": "gpt-4o-mini", "messages": USER, "stream": True, "stream_options": {"include_usage": True}}
    status, headers, raw = await post(server, body)
    assert status == 200 and headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert headers["x-ratelimit-limit-requests"] and "Content-Length" not in headers
    chunks = chat_sse_chunks(raw)
    for chunk in chunks:
        assert_chat_conforms(chunk)
        assert list(chunk)[:7] == ["id", "object", "created", "model", "service_tier", "system_fingerprint", "choices"]
        assert list(chunk)[7:] == ["usage", "obfuscation"] and len(chunk["obfuscation"]) >= 2
    assert len({c["id"] for c in chunks}) == 1 and len({c["created"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
    assert text == "You said: hello world"
    finish, last = chunks[-2], chunks[-1]
    assert finish["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert last["choices"] == [] and last["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    assert all(c["usage"] is None for c in chunks[:-1])
    assert all(c["choices"][0]["finish_reason"] is None for c in chunks[:-2])


async def test_stream_through_the_sdk_without_usage_or_obfuscation(server: FakeServer) -> None:
    """Without include_usage chunks carry no usage key; include_obfuscation false drops the padding."""
    stream = await client_for(server).chat.completions.create(
        model="m",
        messages=USER,
        stream=True,
        stream_options={"include_obfuscation": False},  # type: ignore[arg-type,typeddict-unknown-key]
    )
    chunks = [chunk.model_dump(mode="json", exclude_unset=True) async for chunk in stream]
    assert all("usage" not in c and "obfuscation" not in c for c in chunks)
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "You said: hello world"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_streamed_tool_call_fragments(server: FakeServer) -> None:
    """A tool call streams its id/type/name first (with the role), then argument fragments, then finish tool_calls."""
    body = {"model": "m", "messages": [{"role": "user", "content": "call get_weather"}], "tools": [WEATHER], "stream": True}
    chunks = chat_sse_chunks((await post(server, body))[2])
    for chunk in chunks:
        assert_chat_conforms(chunk)
    head = chunks[0]["choices"][0]["delta"]
    assert head["role"] == "assistant" and head["content"] is None
    call = head["tool_calls"][0]
    assert call["index"] == 0 and call["id"].startswith("call_") and call["type"] == "function"
    assert call["function"] == {"name": "get_weather", "arguments": ""}
    fragments = [c["choices"][0]["delta"]["tool_calls"][0] for c in chunks[1:-1]]
    assert len(fragments) > 1 and all(f == {"index": 0, "function": {"arguments": f["function"]["arguments"]}} for f in fragments)
    assert json.loads("".join(f["function"]["arguments"] for f in fragments)) == {"city": "example"}
    assert chunks[-1]["choices"][0]["finish_reason"] == "tool_calls"


async def test_tool_round_trip_through_the_sdk_uses_the_same_rules_as_responses(server: FakeServer) -> None:
    """tool_choice forces a call; the tool result comes back as 'get_weather returned: ...', the Responses text."""
    client = client_for(server)
    first = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    calls = first.choices[0].message.tool_calls
    assert first.choices[0].finish_reason == "tool_calls" and calls and first.choices[0].message.content is None
    assert_chat_conforms(first.model_dump(mode="json", exclude_unset=True))
    call = calls[0]
    messages: list[Any] = [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": None, "tool_calls": [call.model_dump(mode="json", exclude_unset=True)]},
        {"role": "tool", "tool_call_id": call.id, "content": '{"temp": 21}'},
    ]
    second = await client.chat.completions.create(model="m", messages=messages, tools=[WEATHER])  # type: ignore[list-item]
    answer = await client.responses.create(
        model="m",
        input=[
            {"role": "user", "content": "weather?"},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": '{"temp": 21}'},
        ],
    )
    assert second.choices[0].message.content == answer.output_text == 'get_weather returned: {"temp": 21}'
    none = await client.chat.completions.create(
        model="m",
        messages=[{"role": "user", "content": "call get_weather"}],
        tools=[WEATHER],
        tool_choice="none",  # type: ignore[list-item]
    )
    assert none.choices[0].message.tool_calls is None and none.choices[0].finish_reason == "stop"


async def test_parallel_tool_calls_from_a_scenario_are_indexed() -> None:
    """Two scripted calls stream as tool_calls index 0 and 1; the JSON body lists both."""
    rules = scenario("parallel").on().call("get_weather", '{"city":"Paris"}').call("get_weather", '{"city":"Rome"}').complete()
    async with FakeServer(seed=2) as server:
        server.use(rules.times(2).build())
        body = {"model": "m", "messages": [{"role": "user", "content": "two cities"}], "tools": [WEATHER], "stream": True}
        chunks = chat_sse_chunks((await post(server, body))[2])
        completion = await client_for(server).chat.completions.create(model="m", messages=body["messages"], tools=[WEATHER])  # type: ignore[arg-type]
    for chunk in chunks:
        assert_chat_conforms(chunk)
    calls = [t for c in chunks for t in c["choices"][0]["delta"].get("tool_calls") or []]
    assert [t["index"] for t in calls if "id" in t] == [0, 1]
    args = {i: "".join(t["function"]["arguments"] for t in calls if t["index"] == i) for i in (0, 1)}
    assert args == {0: '{"city":"Paris"}', 1: '{"city":"Rome"}'}
    listed = completion.choices[0].message.tool_calls or []
    assert [c.function.arguments for c in listed] == ['{"city":"Paris"}', '{"city":"Rome"}']  # type: ignore[union-attr]


async def test_same_seed_gives_the_same_bytes() -> None:
    """Determinism: two servers with one seed answer the same request with identical streams."""
    body = {"model": "m", "messages": USER, "stream": True, "stream_options": {"include_usage": True}}
    streams = []
    for _ in range(2):
        async with FakeServer(seed=7) as server:
            streams.append((await post(server, body))[2])
    assert streams[0] == streams[1]


BAD = [
    ({"model": "m"}, "Missing required parameter: 'messages'.", "messages"),
    ({"model": "m", "messages": []}, "[] is too short - 'messages'", "messages"),
    ({"messages": USER}, "you must provide a model parameter", None),
    ({"model": "m", "messages": "hi"}, "Invalid type for 'messages': expected an array, but got a string instead.", "messages"),
    (
        {"model": "m", "messages": USER, "temperature": "hot"},
        "Invalid type for 'temperature': expected a decimal, but got a string instead.",
        "temperature",
    ),
    (
        {"model": "m", "messages": USER, "stream": "yes"},
        "Invalid type for 'stream': expected a boolean, but got a string instead.",
        "stream",
    ),
    ({"model": "m", "messages": USER, "foo": 1}, "Unrecognized request argument supplied: foo", None),
    (
        {"model": "m", "messages": [{"role": "bot", "content": "x"}]},
        "Invalid value: 'bot'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.",
        "messages[0].role",
    ),
    (
        {"model": "m", "messages": [*USER, {"role": "tool", "content": "x"}]},
        "Missing required parameter: 'messages[1].tool_call_id'.",
        "messages[1].tool_call_id",
    ),
    (
        {"model": "m", "messages": [*USER, {"role": "tool", "content": "x", "tool_call_id": "call_1"}]},
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        "messages.[1].role",
    ),
    (
        {"model": "m", "messages": USER, "tools": [{"type": "function"}]},
        "Missing required parameter: 'tools[0].function'.",
        "tools[0].function",
    ),
    (
        {"model": "m", "messages": USER, "tools": [{"type": "function", "function": {}}]},
        "Missing required parameter: 'tools[0].function.name'.",
        "tools[0].function.name",
    ),
]


@pytest.mark.parametrize(("body", "message", "param"), BAD)
async def test_bad_requests_get_the_real_400(server: FakeServer, body: dict[str, Any], message: str, param: str | None) -> None:
    """Common mistakes get the real 400 message and param, in OpenAI's error shape, with the usual headers."""
    status, headers, raw = await post(server, body)
    error = json.loads(raw)
    assert status == 400 and error["error"]["message"] == message and error["error"]["param"] == param
    assert list(error["error"]) == ["message", "type", "param", "code"] and error["error"]["type"] == "invalid_request_error"
    assert not spec().check_error_body(error)
    assert raw.decode() == json.dumps(error, indent=4) + "\n"  # the chat endpoint's own error formatting
    assert headers["x-request-id"].startswith("req_") and headers["openai-processing-ms"]
    assert headers["x-ratelimit-remaining-requests"] and headers["x-ratelimit-limit-tokens"]
    assert server.log.requests[-1].outcome.kind == "error" and server.log.requests[-1].api == "chat"


async def test_sdk_raises_bad_request_and_auth_errors(server: FakeServer) -> None:
    """The SDK sees a 400 as BadRequestError and a missing key as the real 401; bad JSON is the real 400."""
    with pytest.raises(openai.BadRequestError, match="too short"):
        await client_for(server).chat.completions.create(model="m", messages=[])
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}/chat/completions", json={}) as resp:
        assert resp.status == 401 and "didn't provide an API key" in (await resp.json())["error"]["message"]
    status, _, raw = await post(server, b"{not json")
    assert status == 400 and "could not parse the JSON body" in json.loads(raw)["error"]["message"]


ODD: list[Any] = [
    [],
    "messages",
    None,
    {"model": 1, "messages": USER},
    {"model": "m", "messages": [None]},
    {"model": "m", "messages": [{"role": "user", "content": 5}]},
    {"model": "m", "messages": [{"role": "user", "content": [1, "x", {"type": "text"}]}]},
    {"model": "m", "messages": [{"role": "assistant", "tool_calls": "x"}]},
    {"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": "f"}]}]},
    {"model": "m", "messages": [{"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {}}]}]},
    {"model": "m", "messages": USER, "tools": "x"},
    {"model": "m", "messages": USER, "tools": [1]},
    {"model": "m", "messages": USER, "tools": [{"type": "function", "function": {"name": 3}}]},
    {"model": "m", "messages": USER, "tools": [{"type": "function", "function": {"name": "f", "parameters": []}}]},
    {"model": "m", "messages": USER, "tools": [WEATHER], "tool_choice": {"type": "function"}},
    {"model": "m", "messages": USER, "tools": [WEATHER], "tool_choice": {"type": "function", "function": {"name": 1}}},
    {"model": "m", "messages": USER, "stream": True, "stream_options": "x"},
    {"model": "m", "messages": USER, "max_tokens": 0},
    {"model": "m", "messages": USER, "n": True},
    {"model": "m", "messages": USER, "service_tier": "fastest"},
]


@pytest.mark.parametrize("body", ODD)
async def test_odd_bodies_get_a_400_never_a_crash(server: FakeServer, body: Any) -> None:
    """Malformed chat bodies of every shape get one clear 400 in OpenAI's error shape (no 500, no hang)."""
    status, _, raw = await post(server, body)
    error = json.loads(raw)["error"]
    assert status == 400 and error["message"] and "\n" not in error["message"], error
    assert list(error) == ["message", "type", "param", "code"]


@pytest.mark.parametrize(
    "body",
    [
        # include_usage "yes" was here; issue 21 makes it the spec's 400 (test_server_bounds.py)
        {"model": "m", "messages": USER, "stream": True, "stream_options": {"include_usage": False, "include_obfuscation": True}},
        {"model": "m", "messages": [{"role": "developer", "content": [{"type": "text", "text": "be brief"}]}, *USER], "n": 2},
        {"model": "m", "messages": [{"role": "assistant", "content": ""}, *USER], "max_tokens": 3, "stream": True},
    ],
)
async def test_unusual_but_valid_bodies_are_answered(server: FakeServer, body: dict[str, Any]) -> None:
    """Unusual valid bodies (odd stream_options values, content parts, an empty assistant message) get a normal answer."""
    status, _, raw = await post(server, body)
    assert status == 200
    parsed = chat_sse_chunks(raw) if body.get("stream") else [json.loads(raw)]
    for obj in parsed:
        assert_chat_conforms(obj)
