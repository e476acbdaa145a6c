"""The simulated model's function calls: one per ``call <name>`` in the user text (parallel calls)."""

from __future__ import annotations

import json

from sdkkit import async_sdk

from fake_server import FakeServer

TOOLS = [
    {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
    {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}},
]
CHAT_TOOLS = [{"type": "function", "function": {k: v for k, v in t.items() if k != "type"}} for t in TOOLS]


async def test_two_calls_in_one_response(server: FakeServer) -> None:
    """Two `call <name>` in the text give two function_call items, in the text's order."""
    client = async_sdk(base_url=server.url, api_key="k")
    reply = await client.responses.create(model="m", input="call get_time and call get_weather", tools=TOOLS)
    assert [i.name for i in reply.output if i.type == "function_call"] == ["get_time", "get_weather"]
    assert len({i.call_id for i in reply.output}) == 2


async def test_json_arguments_per_call(server: FakeServer) -> None:
    """The JSON object after each name is that call's arguments."""
    client = async_sdk(base_url=server.url, api_key="k")
    text = 'call get_weather {"city": "Oslo"} then call get_weather {"city": "Rome"}'
    reply = await client.responses.create(model="m", input=text, tools=TOOLS)
    assert [json.loads(i.arguments) for i in reply.output] == [{"city": "Oslo"}, {"city": "Rome"}]


async def test_parallel_tool_calls_false(server: FakeServer) -> None:
    """parallel_tool_calls: false keeps only the first call."""
    client = async_sdk(base_url=server.url, api_key="k")
    reply = await client.responses.create(
        model="m", input="call get_time and call get_weather", tools=TOOLS, parallel_tool_calls=False
    )
    assert [i.name for i in reply.output] == ["get_time"]


async def test_chat_streamed_parallel_calls(server: FakeServer) -> None:
    """A streamed chat completion carries both calls at tool_calls indexes 0 and 1."""
    client = async_sdk(base_url=server.url, api_key="k")
    stream = await client.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "call get_weather and call get_time"}], tools=CHAT_TOOLS, stream=True
    )
    names: dict[int, str] = {}
    async for chunk in stream:
        for call in (chunk.choices[0].delta.tool_calls or []) if chunk.choices else []:
            if call.function and call.function.name:
                names[call.index] = call.function.name
    assert names == {0: "get_weather", 1: "get_time"}
