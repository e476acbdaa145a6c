"""Chat requests in the log and timeline; history and tool-result assertions over real chat traffic."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from openai import AsyncOpenAI
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.scenarios import scenario

WEATHER = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}


def client_for(server: FakeServer, retries: int = 0) -> AsyncOpenAI:
    return async_sdk(base_url=server.url, api_key="k", max_retries=retries)


async def _post(server: FakeServer, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {"model": "m", "messages": messages, **extra}
    headers = {"Authorization": "Bearer k"}
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{server.url}/chat/completions", json=body, headers=headers) as r,
    ):
        return dict(await r.json())


async def _chat(server: FakeServer, turns: list[str], *, duplicate: bool = False, drop: bool = False) -> None:
    """A full-context chat client; ``duplicate``/``drop`` make it resend the assistant text twice/never."""
    history: list[dict[str, Any]] = []
    for text in turns:
        history.append({"role": "user", "content": text})
        reply = (await _post(server, history))["choices"][0]["message"]["content"]
        if not drop:
            history.append({"role": "assistant", "content": reply})
        if duplicate:
            history.append({"role": "assistant", "content": reply})


async def test_chat_requests_appear_in_the_timeline_with_their_api(server: FakeServer) -> None:
    """Each chat request is an HTTP record marked api 'chat', shown as POST /v1/chat/completions with its messages."""
    await client_for(server).chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    record = server.log.requests[-1]
    assert (record.transport, record.api, record.outcome.kind) == ("http", "chat", "completed")
    assert record.response_id is not None and record.response_id.startswith("chatcmpl-")
    assert record.output_items[0]["type"] == "message"
    timeline = server.log.timeline()
    assert "POST /v1/chat/completions" in timeline and "messages=" in timeline and "You said: hi" in timeline
    assert "chat" in record.summary()


async def test_a_correct_chat_client_passes_the_history_assertions(server: FakeServer) -> None:
    """Full context every turn, each assistant reply resent once: assert_full_context and assert_history_intact pass."""
    await _chat(server, ["one", "two", "three"])
    server.log.assert_full_context(2)
    server.log.assert_full_context(3)
    server.log.assert_history_intact()


@pytest.mark.parametrize(("fault", "expected"), [("duplicate", "2 times"), ("drop", "does not reproduce")])
async def test_duplicated_or_lost_assistant_text_fails_with_the_timeline(server: FakeServer, fault: str, expected: str) -> None:
    """A client that resends the assistant's text twice, or drops it, fails assert_history_intact, saying how."""
    await _chat(server, ["one", "two"], **{fault: True})
    with pytest.raises(AssertionError, match=expected) as failure:
        server.log.assert_history_intact()
    assert "POST /v1/chat/completions" in str(failure.value)


async def test_tool_results_must_answer_the_calls_the_server_made(server: FakeServer) -> None:
    """The right tool_call_id passes assert_tool_results; a made-up one fails naming the calls really made."""
    user = {"role": "user", "content": "call get_weather"}
    first = await _post(server, [user], tools=[WEATHER])
    call = first["choices"][0]["message"]["tool_calls"][0]
    good = [
        user,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "sun"},
    ]
    await _post(server, good, tools=[WEATHER])
    server.log.assert_tool_results()
    fake = {**call, "id": "call_madeup"}
    bad = [
        user,
        {"role": "assistant", "content": None, "tool_calls": [fake]},
        {"role": "tool", "tool_call_id": "call_madeup", "content": "sun"},
    ]
    await _post(server, bad, tools=[WEATHER])
    with pytest.raises(
        AssertionError, match=f"call_madeup, a call the server never made \\(calls made before it: {call['id']}\\)"
    ):
        server.log.assert_tool_results()


async def test_sdk_chat_retry_honours_retry_after() -> None:
    """A 429 with retry-after on chat: the SDK retries the same messages after the delay; assert_retried passes."""
    rules = scenario().on(attempt=1).times(1).http_status(429, "rate_limit_exceeded", retry_after=1).build()
    async with FakeServer(source=rules) as server:
        done = await client_for(server, retries=1).chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
        assert done.choices[0].message.content == "You said: x"
        retry = server.log.assert_retried("rate_limit_exceeded")
    assert retry.api == "chat" and retry.attempt == 2
    first = server.log.requests[0]
    assert first.retry_after == 1 and json.dumps(first.payload) == json.dumps(retry.payload)
