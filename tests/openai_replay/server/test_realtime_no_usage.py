"""The one-call ``no_usage()`` fault over real sockets: the ending arrives without ``usage``, read with the openai SDK."""

from __future__ import annotations

import asyncio
from typing import Any

from sdkkit import async_sdk
from testkit import spec

from fake_server import FakeServer
from openai_replay.realtime.fidelity import check_event
from openai_replay.scenarios import scenario
from openai_replay.scenarios.loader import load_scenario

TEXT = {"type": "realtime", "output_modalities": ["text"]}


async def _turn(conn: Any, text: str) -> Any:
    await conn.conversation.item.create(
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    )
    await conn.response.create()
    async with asyncio.timeout(10):
        async for event in conn:
            if event.type == "response.done":
                return event
    raise AssertionError("the socket closed before response.done")


async def test_realtime_response_done_without_usage_then_with_it_again() -> None:
    """Turn 1's response.done lacks usage (the SDK reads None, the event validates), the reply intact; turn 2 has usage."""
    async with FakeServer(source=scenario().on(api="realtime", turn=1).no_usage().build()) as server:
        client = async_sdk(base_url=server.url, api_key="test")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await conn.session.update(session=TEXT)
            first = await _turn(conn, "hello")
            assert first.response.status == "completed" and first.response.usage is None
            assert "usage" not in first.response.model_fields_set
            assert first.response.output[0].content[0].text == "You said: hello"
            assert check_event(spec(), first.to_dict()) == []
            second = await _turn(conn, "again")
            assert second.response.usage is not None and second.response.usage.total_tokens > 0


async def test_responses_completed_without_usage_from_the_json_form() -> None:
    """The same fault from a scenario file ({"action": "no_usage"}) on /v1/responses: response.completed lacks usage."""
    loaded = load_scenario({"rules": [{"match": {"turn": 1}, "do": [{"action": "no_usage"}]}]})
    async with FakeServer(source=loaded) as server:
        client = async_sdk(base_url=server.url, api_key="test")
        stream = await client.responses.create(model="gpt-5", input="hi", stream=True)
        events = [event async for event in stream]
        done = events[-1]
        assert done.type == "response.completed" and done.response.usage is None
        assert "usage" not in done.response.model_fields_set and done.response.output_text == "You said: hi"
