"""Drives the conversation of examples/scenarios/multi_fault.json with the openai SDK against any URL.

Shared by the in-process test (which also reads the server's log) and the command-line test (which
runs ``python -m fake_server --scenario`` in a subprocess).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import websockets
from scenariokit import sdk_events, sdk_turn, user
from sdkkit import async_sdk

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "multi_fault.json"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def drive(base_url: str) -> dict[str, Any]:
    """Run the whole conversation, asserting what the client sees at each fault; return what it saw."""
    client = async_sdk(base_url=base_url, api_key="test-key", max_retries=2)
    seen: dict[str, Any] = {}
    base = {"model": "gpt-4o-mini", "store": False, "tools": [WEATHER]}

    # 1. The first upgrade is refused with 429.
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with client.responses.connect():
            pass
    seen["refused"] = refused.value.response.status_code

    # 2. Greeting, tool call, then the tool's answer dies with close 1011 after two deltas.
    async with client.responses.connect() as conn:
        greeting, _ = await sdk_turn(conn, input=[user("Hello!")], **base)
        assert [i["type"] for i in greeting[-1]["response"]["output"]] == ["reasoning", "message"]
        seen["greeting"] = greeting[-1]["response"]["output"][1]["content"][0]["text"]
        ask = user("What's the weather in Paris?")
        call_turn, _ = await sdk_turn(conn, input=[ask], previous_response_id=greeting[-1]["response"]["id"], **base)
        call = call_turn[-1]["response"]["output"][0]
        seen["call"] = (call["name"], call["arguments"])
        result = {"type": "function_call_output", "call_id": call["call_id"], "output": '{"temp_c": 18}'}
        cut, failure = await sdk_turn(conn, input=[result], previous_response_id=call_turn[-1]["response"]["id"], **base)
        assert isinstance(failure, websockets.ConnectionClosedError) and failure.rcvd is not None
        seen["cut"] = (failure.rcvd.code, sum(e["type"] == "response.output_text.delta" for e in cut))

    # 3. Reconnect: chaining on the old socket's response is a real cache miss (store: false); the
    #    full-context resend is answered; then the idle socket is pushed the limit error and closed.
    async with client.responses.connect() as conn:
        miss, _ = await sdk_turn(conn, input=[result], previous_response_id=call_turn[-1]["response"]["id"], **base)
        seen["miss"] = miss[0]["error"]["code"]
        history = [user("Hello!"), *greeting[-1]["response"]["output"], ask, call, result]
        answer, _ = await sdk_turn(conn, input=history, **base)
        seen["answer"] = answer[-1]["response"]["output"][0]["content"][0]["text"]
        pushed, _ = await sdk_events(conn)
        seen["pushed"] = pushed[0]["error"]["code"]
        rest, end = await sdk_events(conn)
        assert rest == [] and end is None  # the server closed with 1000: the iteration just ends

    # 4. Over HTTP: 429 with retry-after-ms, the SDK retries, the retry succeeds.
    response = await client.responses.create(model="gpt-4o-mini", input="Summarize the weather.")
    seen["http"] = response.output_text
    await client.close()
    return seen


EXPECTED = {
    "refused": 429,
    "greeting": "Hello! Ask me about the weather.",
    "call": ("get_weather", '{"city":"Paris"}'),
    "cut": (1011, 2),
    "miss": "previous_response_not_found",
    "answer": "It is 18 degrees and sunny in Paris today.",
    "pushed": "websocket_connection_limit_reached",
    "http": "Summary: sunny, 18 degrees.",
}
