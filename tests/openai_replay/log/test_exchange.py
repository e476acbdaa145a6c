"""Reading conversations back out of the log, and the timing/outcome facts the assertions rely on."""

from __future__ import annotations

import asyncio

from exchanges import output_items, sdk, turn, until_terminal, user

from openai_replay.log.exchange import context_before, conversation_through, item_key, item_keys, request
from openai_replay.pytest_plugin.server import ReplayServer

BASE = {"model": "gpt-4o-mini", "store": False}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def test_items_are_compared_by_meaning_not_shape() -> None:
    """An assistant message sent back as a plain string equals the output item it came from."""
    output = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": "Hi!", "annotations": [], "logprobs": []}],
    }
    assert item_key(output) == item_key({"role": "assistant", "content": "Hi!"})
    assert item_key({"type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"}) == item_key(
        {"type": "function_call", "call_id": "call_1", "name": "f", "arguments": '{"a": 1}', "id": "fc_9"}
    )
    assert item_key(user("a")) != item_key({"role": "assistant", "content": "a"})


async def test_conversation_follows_previous_response_id_through_a_tool_round_trip(openai_server: ReplayServer) -> None:
    """The conversation of the last turn is every input and output of the chain, in order."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user('call get_weather {"city": "Rome"}')], tools=[WEATHER], **BASE)
        call = first.response.output[0]
        result = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}
        second = await turn(conn, input=[result], previous_response_id=first.response.id, tools=[WEATHER], **BASE)
    log = openai_server.log
    expected = [user('call get_weather {"city": "Rome"}'), *output_items(first), result, *output_items(second)]
    assert item_keys(conversation_through(log, request(log, 2))) == item_keys(expected)
    assert item_keys(context_before(log, request(log, 2)) or []) == item_keys(expected[:2])
    assert context_before(log, request(log, 1)) == []


async def test_outcome_and_terminal_time_of_a_response_cut_by_the_client(openai_server: ReplayServer) -> None:
    """A client that closes mid-stream leaves the request 'closed_by_client' with the close code and an end time."""
    openai_server.use("cancel_mid_stream")  # a slow reply, so the close lands mid-stream
    async with sdk(openai_server).responses.connect() as conn:
        await conn.response.create(input=[user("a long one")], **BASE)
        async for event in conn:
            if event.type == "response.output_text.delta":
                break
    await asyncio.sleep(0.1)
    record = openai_server.log.request(1)
    assert (record.outcome.kind, record.outcome.close_code) == ("closed_by_client", 1000)
    assert record.terminal_at is not None and record.terminal_at >= record.received_at


async def test_error_time_and_retry_hint_are_recorded_before_the_client_sees_them(openai_server: ReplayServer) -> None:
    """The failure's retry-after is kept, and its terminal time is never later than the client's next request."""
    openai_server.use("cache_miss")
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await conn.response.create(input=[user("x")], previous_response_id=first.response.id, **BASE)
        await until_terminal(conn)
        await turn(conn, input=[user("hi"), *output_items(first), user("x")], **BASE)
    failed, retry = openai_server.log.request(2), openai_server.log.request(3)
    assert failed.outcome.code == "previous_response_not_found" and failed.output_items == []
    assert failed.terminal_at is not None and failed.terminal_at <= retry.received_at
    assert openai_server.log.request(1).output_items == output_items(first)
