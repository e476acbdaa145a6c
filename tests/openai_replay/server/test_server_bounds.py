"""A long-running server's memory bounds, over real sockets: the store, the log's bytes, connection records."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from openai import BadRequestError, NotFoundError
from sdkkit import async_sdk
from testkit import user

from fake_server import FakeServer
from openai_replay.config import ServerConfig
from openai_replay.log.trim import MARKER, MARKER_KEY
from openai_replay.simulated import MAX_ECHO_CHARS


async def test_store_keeps_only_the_newest_responses() -> None:
    """Issue 12 item 6: with store_limit=3 the oldest stored responses are evicted; evicted ids are 'not found'."""
    async with FakeServer(seed=1, store_limit=3) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        ids = [(await client.responses.create(model="m", input=f"turn {n}")).id for n in range(6)]
        assert len(server.state.store) == 3
        for old in ids[:3]:
            with pytest.raises(NotFoundError):
                await client.responses.retrieve(old)
        assert (await client.responses.retrieve(ids[-1])).id == ids[-1]
        chained = await client.responses.create(model="m", input="more", previous_response_id=ids[-1])
        assert chained.status == "completed"


async def test_in_process_server_keeps_every_stored_response() -> None:
    """FakeServer keeps everything by default: tests may chain to any earlier response."""
    async with FakeServer(seed=1) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        first = await client.responses.create(model="m", input="first")
        for n in range(20):
            await client.responses.create(model="m", input=f"turn {n}")
        assert server.state.store.limit is None and len(server.state.store) == 21
        assert (await client.responses.retrieve(first.id)).id == first.id


@pytest.mark.slow
async def test_large_payloads_are_cut_in_the_log_but_answered_whole() -> None:
    """Issue 12 item 7: a 300 KB request is answered from the whole input; the log keeps ~2 KB of it with a marker."""
    big = "word " * 60_000
    async with FakeServer(seed=1, log_payload_limit=2048) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        over_http = await client.responses.create(model="m", input=[user(big)], metadata={"k": "v"})
        async with aiohttp.ClientSession(headers={"Authorization": "Bearer k"}) as http, http.ws_connect(server.ws_url) as ws:
            await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": [user(big)]}))
            for _ in range(200_000):  # the simulated reply may be long: bounded, not short
                event = json.loads((await ws.receive(timeout=10)).data)
                if event["type"] in ("response.completed", "error"):
                    break
        assert over_http.usage is not None and over_http.usage.input_tokens > 60_000  # the turn read it all
        assert event["response"]["usage"]["input_tokens"] > 60_000
        for record in server.log:
            kept = json.dumps(record.payload)
            assert len(kept) < 3000 and MARKER in kept, kept[:200]
            assert record.payload["model"] == "m"
        assert server.log[0].payload["metadata"] == {"k": "v"}
        frame = json.dumps(server.log.frames[0].data)
        assert len(frame) < 3000 and MARKER in frame


def test_shrunk_objects_note_the_fields_they_left_out() -> None:
    """A payload with many fields keeps the small ones and says how many others it cut."""
    from openai_replay.log.trim import shrink

    cut = shrink({"input": "x" * 10_000, **{f"f{n}": "y" * 100 for n in range(50)}, "model": "m"}, 500)
    assert cut["model"] == "m" and MARKER in cut[MARKER_KEY] and len(json.dumps(cut)) < 1200


async def test_connection_records_are_trimmed_with_the_log() -> None:
    """Issue 12 item 7: with log_limit=4, 30 closed connections leave at most a handful of records; ids keep counting."""
    async with FakeServer(seed=1, log_limit=4) as server:
        async with aiohttp.ClientSession(headers={"Authorization": "Bearer k"}) as http:
            for _ in range(30):
                async with http.ws_connect(server.ws_url) as ws:
                    await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": "hi"}))
                    while json.loads((await ws.receive(timeout=10)).data)["type"] != "response.completed":
                        pass
        assert len(server.log.connections) <= 4 + 4 // 4 + 1
        assert server.log.connections[-1].id == 30
        assert len(server.log.requests) <= 6


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("store_limit", -1),
        ("log_payload_limit", 0),
        ("log_limit", "many"),
        ("header_timeout", -1.0),
        ("body_timeout", float("nan")),
        ("chunk_size", 0),
        ("connection_limit_seconds", -3),
    ],
)
def test_config_refuses_out_of_range_bounds(field: str, value: object) -> None:
    """Every bound in ServerConfig is validated: a bad value is a ValueError naming the field."""
    with pytest.raises(ValueError, match=f"ServerConfig.{field}"):
        ServerConfig(**{field: value})


async def test_the_echo_reply_is_capped() -> None:
    """Issue 21 item 11: a 40 KB input (a 3 MB one streamed a 235 MB reply) echoes MAX_ECHO_CHARS and names the rest."""
    async with FakeServer(seed=1, chunk_size=4096) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        reply = await client.responses.create(model="m", input=[user("a " * 20_000)])
        chat = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "b " * 20_000}])
    rest = f"[... and {40_000 - MAX_ECHO_CHARS:,} more characters]"
    assert len(reply.output_text) < MAX_ECHO_CHARS + 100 and reply.output_text.endswith(rest)
    assert (chat.choices[0].message.content or "").endswith(rest)


async def test_chat_refuses_junk_stop_usage_flag_and_logit_bias_over_the_wire() -> None:
    """Issue 21 item 11: stop 5, include_usage "yes" and a junk logit_bias get the real 400 with param (a 200 before)."""
    async with FakeServer(seed=1) as server:
        client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
        messages: Any = [{"role": "user", "content": "hi"}]
        for extra, param in (
            ({"stop": 5}, "stop"),
            ({"stream": True, "stream_options": {"include_usage": "yes"}}, "stream_options.include_usage"),
            ({"logit_bias": {"not-a-token": 5}}, "logit_bias"),
        ):
            with pytest.raises(BadRequestError) as caught:
                await client.chat.completions.create(model="m", messages=messages, **extra)
            assert caught.value.status_code == 400 and caught.value.param == param
