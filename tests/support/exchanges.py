"""Helpers for driving real exchanges with the openai SDK: one turn at a time, bounded in time."""

from __future__ import annotations

import asyncio
from typing import Any

from openai import AsyncOpenAI
from sdkkit import async_sdk

TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")


def user(text: str) -> dict[str, Any]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def sdk(server: Any, **options: Any) -> AsyncOpenAI:
    """An async SDK client for ``server`` (no retries unless asked)."""
    options.setdefault("max_retries", 0)
    return async_sdk(base_url=server.url, api_key="sk-test", **options)


async def until_terminal(connection: Any, timeout: float = 10) -> Any:
    """Read events until a terminal one (or an error frame) and return it."""

    async def read() -> Any:
        async for event in connection:
            if event.type in TERMINAL:
                return event
        raise AssertionError("the connection closed before a terminal event")

    return await asyncio.wait_for(read(), timeout)


async def turn(connection: Any, **create: Any) -> Any:
    """Send ``response.create`` and return the terminal event (``.response`` holds the response)."""
    create.setdefault("model", "gpt-4o-mini")
    await connection.response.create(**create)
    return await until_terminal(connection)


def output_items(event: Any) -> list[dict[str, Any]]:
    """The terminal response's output items as plain dicts (what a careless client resends)."""
    return [item.to_dict() for item in event.response.output]


async def pipelined(connection: Any, *texts: str, **create: Any) -> None:
    """One ``response.create`` per text, back to back (none waits for the one before), then read until
    every one of them completed."""
    for text in texts:
        await connection.response.create(input=[user(text)], **create)
    done = 0
    async for event in connection:
        done += event.type == "response.completed"
        if done == len(texts):
            return
