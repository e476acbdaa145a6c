"""Scenarios on Chat Completions: the api selector and every HTTP fault, seen by the SDK and raw sockets."""

from __future__ import annotations

import json
import time

import openai
import pytest
from scenariokit import chat_raw, chat_stream, client_for
from sdkkit import async_sdk
from testkit import assert_chat_conforms, chat_sse_chunks

from fake_server import FakeServer
from openai_replay.scenarios import load_scenario, scenario


async def test_api_selector_picks_chat_requests_only() -> None:
    """on(api='chat') answers chat requests and leaves /v1/responses to the simulated model (JSON too)."""
    doc = {"rules": [{"match": {"api": "chat"}, "do": [{"action": "http_status", "status": 503}]}]}
    for rules in (scenario().on(api="chat").http_status(503).build(), load_scenario(doc)):
        async with FakeServer(source=rules) as server:
            client = client_for(server)
            with pytest.raises(openai.InternalServerError):
                await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
            answer = await client.responses.create(model="m", input="x")
        assert answer.output_text == "You said: x"
        assert [(r.api, r.outcome.kind) for r in server.log] == [("chat", "error"), ("responses", "completed")]


def test_api_selector_refuses_impossible_combinations() -> None:
    """api 'chat' with a WebSocket selector, or an unknown api, is refused with a message saying why."""
    with pytest.raises(ValueError, match="HTTP only"):
        scenario().on(api="chat", transport="ws").reply("x").build()
    with pytest.raises(ValueError, match="expected one of 'responses', 'chat', 'conversations', 'realtime', 'models'"):
        scenario().on(api="completions").reply("x").build()


async def test_status_with_retry_headers() -> None:
    """A scripted 429 answers the chat request with the real body and the retry headers."""
    rules = scenario().on(api="chat").http_status(429, retry_after=2, retry_after_ms=2000).build()
    async with FakeServer(source=rules) as server:
        status, headers, body, _ = await chat_raw(server)
    assert status == 429 and headers["retry-after"] == "2" and headers["retry-after-ms"] == "2000"
    assert headers["x-ratelimit-remaining-requests"] == "0"
    assert json.loads(body)["error"]["code"] == "rate_limit_exceeded"


@pytest.mark.parametrize("fault", ["cut", "drop"])
async def test_cut_mid_chunk_and_drop_end_the_stream_without_done(fault: str) -> None:
    """A cut leaves half a data: line then drops; a drop ends the connection; neither sends [DONE]."""
    rules = scenario().on().reply("one two three four")
    rules = rules.cut(after=4) if fault == "cut" else rules.drop(after=4)
    async with FakeServer(source=rules.build()) as server:
        status, _, body, exc = await chat_raw(server, stream=True)
        chunks, sdk_exc = await chat_stream(client_for(server))
    text = body.decode()
    assert status == 200 and exc is not None and "[DONE]" not in text
    complete, _, tail = text.rpartition("\n\n")
    if fault == "cut":
        assert tail.startswith("data: {") and not tail.endswith("}")  # half a chunk
    else:
        assert tail == ""
    assert all(line.startswith("data: ") for line in complete.split("\n\n"))
    assert sdk_exc is not None and 0 < len(chunks) < 6
    assert server.log.requests[0].outcome.kind == "dropped"


@pytest.mark.slow
async def test_stall_past_the_client_timeout_and_a_slow_stream() -> None:
    """A stall before the first chunk times the SDK out; a slow rule spaces chunks by its delay."""
    rules = scenario().on(turn=1).stall(5).reply("late").on(turn=2).slow(delay=0.05).reply("a b c d").build()
    async with FakeServer(source=rules) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0, timeout=0.3)
        _, exc = await chat_stream(client)
        assert isinstance(exc, openai.APITimeoutError)
        started = time.monotonic()
        chunks, exc = await chat_stream(client_for(server))
        took = time.monotonic() - started
    assert exc is None and "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "a b c d"
    assert took >= 0.05 * 5


async def test_malformed_chunk_breaks_the_sdk_parse() -> None:
    """A malformed data: line is sent as is; the SDK fails to parse it (raw bytes show it in place)."""
    rules = scenario().on().reply("one two").malformed("{not json", after=2).build()
    async with FakeServer(source=rules) as server:
        _, _, body, _ = await chat_raw(server, stream=True)
        _, exc = await chat_stream(client_for(server))
    assert "\n\ndata: {not json\n\n" in body.decode() and isinstance(exc, json.JSONDecodeError)


async def test_missing_done_after_a_complete_stream() -> None:
    """complete() then close(): the finish chunk arrives, [DONE] never does."""
    rules = scenario().on().reply("hi").complete().close().build()
    async with FakeServer(source=rules) as server:
        _, _, body, _ = await chat_raw(server, stream=True)
    text = body.decode()
    assert '"finish_reason":"stop"' in text and "[DONE]" not in text and text.endswith("\n\n")


@pytest.mark.parametrize(("reason", "finish"), [("max_output_tokens", "length"), ("content_filter", "content_filter")])
async def test_incomplete_endings_become_finish_reasons(reason: str, finish: str) -> None:
    """incomplete('max_output_tokens') is finish_reason length, incomplete('content_filter') content_filter, streamed and not."""
    rules = scenario().on().reply("partial answer").incomplete(reason).build()
    async with FakeServer(source=rules) as server:
        client = client_for(server)
        body = (await chat_raw(server, stream=True, stream_options={"include_usage": True}))[2]
        completion = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    chunks = chat_sse_chunks(body)
    for chunk in chunks:
        assert_chat_conforms(chunk)
    assert chunks[-2]["choices"][0]["finish_reason"] == finish and chunks[-1]["usage"]["completion_tokens"] > 0
    assert completion.choices[0].finish_reason == finish and completion.choices[0].message.content == "partial answer"


async def test_error_mid_stream_is_an_error_chunk_the_sdk_raises() -> None:
    """An error after the first chunk is chat's {"error": ...} data line; the SDK raises APIError with its message."""
    rules = scenario().on().reply("one two").error("server_error", after=3).build()
    async with FakeServer(source=rules) as server:
        _, _, body, _ = await chat_raw(server, stream=True)
        chunks, exc = await chat_stream(client_for(server))
    last = body.decode().rstrip("\n").rsplit("\n\n", 1)[-1]
    assert json.loads(last[len("data: ") :])["error"]["type"] == "server_error" and "[DONE]" not in body.decode()
    assert isinstance(exc, openai.APIError) and chunks
