"""Regenerate the example cassettes in ``cassettes/examples/`` (no network, no API key).

    .venv/bin/python scripts/record_example_cassettes.py [--out cassettes/examples]

Each conversation runs with the openai SDK over WebSocket mode (``client.responses.connect()``)
through a `RecordingProxy` whose upstream is a local `FakeServer` standing in for the real API
(seeded, on a manual clock, so ids and every frame come out the same each time; only the time
offsets, which are measured, change). Point ``--upstream`` at ``https://api.openai.com/v1`` (with
``OPENAI_API_KEY`` set) to record the same conversations against the real API instead.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from openai import AsyncOpenAI

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.server.recorder import RecordingProxy

MODEL = "gpt-4o-mini"
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


async def turn(connection: Any, **create: Any) -> Any:
    """One response.create; the terminal event (bounded in time)."""
    await connection.response.create(model=MODEL, store=False, **create)

    async def until_terminal() -> Any:
        async for event in connection:
            if event.type in TERMINAL:
                return event
        raise RuntimeError("the connection closed before the response ended")

    return await asyncio.wait_for(until_terminal(), timeout=30)


async def chained_text(client: AsyncOpenAI) -> list[str]:
    """Three user turns on one socket, each chained to the previous response; the assistant's replies."""
    replies: list[str] = []
    previous = None
    async with client.responses.connect() as connection:
        for text in ("Hello! Who are you?", "What can you do?", "Thanks, goodbye."):
            extra = {"previous_response_id": previous} if previous else {}
            done = await turn(connection, input=[user(text)], **extra)
            replies.append(done.response.output_text)
            previous = done.response.id
    return replies


async def tool_call(client: AsyncOpenAI) -> list[str]:
    """The model calls get_weather; the client answers with the tool output on the same chain."""
    async with client.responses.connect() as connection:
        first = await turn(
            connection, tools=[WEATHER], input=[user('What is the weather in Paris? call get_weather {"city": "Paris"}')]
        )
        call = first.response.output[0]
        output = {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 18, "sky": "clear"}'}
        second = await turn(connection, tools=[WEATHER], input=[output], previous_response_id=first.response.id)
    return [f"{call.name}({call.arguments})", second.response.output_text]


CONVERSATIONS = {"chained_text_ws.json": chained_text, "tool_call_ws.json": tool_call}


async def record(name: str, out: Path, upstream: str | None = None) -> list[str]:
    """Run one conversation through the recording proxy into ``out``; what the client saw."""
    conversation = CONVERSATIONS[name]
    if upstream is not None:
        async with RecordingProxy(upstream=upstream, out=out) as proxy:
            return await conversation(AsyncOpenAI(base_url=proxy.url, max_retries=0))
    async with FakeServer(seed=2026, clock=ManualClock()) as fake:
        rerecord = {"rerecord": "python scripts/record_example_cassettes.py"}
        async with RecordingProxy(upstream=fake.url, out=out, meta=rerecord) as proxy:
            client = AsyncOpenAI(base_url=proxy.url, api_key="sk-example-not-a-real-key-000000", max_retries=0)
            seen = await conversation(client)
            await client.close()
            return seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "cassettes" / "examples"))
    parser.add_argument("--upstream", default=None, help="record against this API instead of a local fake server")
    args = parser.parse_args(argv)
    for name in CONVERSATIONS:
        target = Path(args.out) / name
        seen = asyncio.run(record(name, target, args.upstream))
        print(f"{target}: {' | '.join(seen)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
