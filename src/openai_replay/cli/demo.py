"""The demo: a short chained conversation through the openai SDK against the fake server.

Runs offline with no API key: starts the server on a free loopback port, talks WebSocket mode with
``client.responses.connect()`` (three chained turns, one of them a tool call), then one streamed HTTP
request, and prints the exchange and the server's request log.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from openai_replay.sdk import MissingSdk, require_openai
from openai_replay.server import FakeServer

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


async def _turn(connection: Any, out: list[str], **create: Any) -> Any:
    prev = create.get("previous_response_id")
    items = ", ".join(_describe(i) for i in create.get("input", []))
    out.append(f"  -> response.create  previous_response_id={prev or '(none)'}  input=[{items}]")
    await connection.response.create(**create)
    types: list[str] = []
    async for event in connection:
        types.append(event.type)
        if event.type in ("response.completed", "response.failed", "response.incomplete", "error"):
            break
    final = getattr(event, "response", None)
    out.append(f"  <- {len(types)} events: {types[0]} ... {types[-1]}")
    for item in getattr(final, "output", []) or []:
        if item.type == "message":
            out.append(f"     assistant: {item.content[0].text}")
        elif item.type == "function_call":
            out.append(f"     function_call {item.name}({item.arguments}) call_id={item.call_id}")
    if final is not None:
        usage = final.usage
        out.append(f"     id={final.id} input_tokens={usage.input_tokens} cached={usage.input_tokens_details.cached_tokens}")
    return final


def _describe(item: dict[str, Any]) -> str:
    if item.get("type") == "function_call_output":
        return f"function_call_output {item['output']}"
    return f"user: {item['content'][0]['text']!r}"


async def run_demo() -> list[str]:
    AsyncOpenAI = require_openai("openai-replay demo").AsyncOpenAI

    out: list[str] = []
    async with FakeServer(seed=7) as server:
        out.append(f"openai-replay demo: fake Responses server at {server.url} (no API key, no network)")
        client = AsyncOpenAI(base_url=server.url, api_key="sk-fake-demo-key", max_retries=0)
        out.append("")
        out.append("WebSocket mode: client.responses.connect(), turns chained with previous_response_id")
        async with client.responses.connect() as connection:
            base = {"model": "gpt-4o-mini", "store": False, "tools": [WEATHER_TOOL]}
            first = await _turn(connection, out, input=[_user("Hello there")], **base)
            second = await _turn(
                connection, out, input=[_user('Please call get_weather {"city": "Paris"}')], previous_response_id=first.id, **base
            )
            call = second.output[0]
            result = {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 18}'}
            await _turn(connection, out, input=[result], previous_response_id=second.id, **base)
        out.append("")
        out.append("HTTP: client.responses.create(stream=True) (SSE)")
        stream = await client.responses.create(model="gpt-4o-mini", input="Stream over HTTP, please", stream=True)
        count = 0
        async for event in stream:
            count += 1
            if event.type == "response.completed":
                out.append(f"  <- {count} SSE events, assistant: {event.response.output_text}")
        out.append("")
        out.append("Server request log:")
        out.extend("  " + line for line in server.log.timeline().splitlines())
        await client.close()
    return out


def main() -> int:
    try:
        require_openai("openai-replay demo")
    except MissingSdk as exc:
        print(f"openai-replay: {exc}", file=sys.stderr)
        return 2
    for line in asyncio.run(run_demo()):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
