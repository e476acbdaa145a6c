"""The ``openai`` SDK: WebSocket mode through ``client.responses.connect()`` and HTTP streaming
through ``client.responses.create(stream=True)``.

The SDK is a transport, not a conversation manager: it decides nothing about chaining, full
context or retries over WebSocket, so these adapters add the smallest loop a caller must write
and nothing more. WebSocket: keep one connection, chain each turn on the previous response with
only the new items (``store: false``, as the WebSocket guide shows), open a new connection with
the full context when the old one is gone (or after an ``error`` in the middle of a response, which
a ``response.failed`` may follow, protocol.md §2.5.4: none of it may be read as the next turn's),
never retry a failed turn. A barge-in closes the
connection, the only cancel the protocol has. HTTP: send the full context every turn
(``store: false``); the SDK's own retry policy (``max_retries=2``, ``retry-after``) and its
default timeout (600 s) are what the checks observe: every setting is the SDK's default. So the
scorecard's openai columns show what the SDK itself does under faults (how errors surface, HTTP
retries, the read timeout), with recovery left to the caller.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from openai import AsyncOpenAI

from openai_replay.conformance.adapter import Adapter, ErrorSeen, Surfaced, TextDelta, ToolCallSeen
from openai_replay.conformance.conversation import Call, Item, Tool, responses_input

TERMINAL = ("response.completed", "response.failed", "response.incomplete")


def _call_from(item: Any) -> Call | None:
    if getattr(item, "type", None) == "function_call":
        return Call(call_id=item.call_id, name=item.name, arguments=item.arguments)
    return None


class OpenAIWebSocketAdapter(Adapter):
    """``AsyncOpenAI().responses.connect()`` — public API, one connection reused across turns."""

    client = "openai-ws"
    package = "openai"
    transport = "ws"
    default_wait = "forever (recv() has no deadline; keepalive pings keep the socket up)"

    async def open(self) -> None:
        self.sdk = AsyncOpenAI(base_url=self.endpoint.url, api_key=self.api_key)
        self._manager: Any = None
        self._conn: Any = None
        self._prev_id: str | None = None
        self._covered = 0  # history items the previous response already knows (input + its output)

    async def _connection(self) -> Any:
        if self._conn is None:
            self._manager = self.sdk.responses.connect()
            self._conn = await self._manager.__aenter__()
            self._prev_id = None
        return self._conn

    async def _drop(self) -> None:
        manager, self._manager, self._conn = self._manager, None, None
        self._prev_id = None
        if manager is not None:
            with contextlib.suppress(Exception):
                await manager.__aexit__(None, None, None)

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        try:
            conn = await self._connection()
        except Exception as exc:
            await self._drop()
            raise exc
        chained = self._prev_id is not None and self._covered <= len(history)
        new_items = history[self._covered :] if chained else history
        payload: dict[str, Any] = {
            "model": self.model,
            "store": False,
            "input": responses_input(new_items),
            "tools": [t.responses_param() for t in tools],
        }
        if chained:
            payload["previous_response_id"] = self._prev_id
        self._prev_id = None
        try:
            await conn.response.create(**payload)
            calls: list[Call] = []
            text = ""
            created = False
            async for event in conn:
                kind = event.type
                if kind == "response.created":
                    created = True
                elif kind == "response.output_text.delta":
                    text += event.delta
                    yield TextDelta(event.delta)
                elif kind == "response.output_item.done":
                    call = _call_from(event.item)
                    if call is not None:
                        calls.append(call)
                        yield ToolCallSeen(call)
                elif kind == "error":
                    yield ErrorSeen(f"error frame: {event.error.code}: {event.error.message}")
                    if created:  # mid-stream: a response.failed may follow (or not); none may be
                        await self._drop()  # read as the next turn's, so the next turn starts afresh
                    return
                elif kind in TERMINAL:
                    if kind == "response.completed":
                        self._prev_id = event.response.id
                        self._covered = len(history) + (1 if text else 0) + len(calls)
                    else:
                        yield ErrorSeen(f"{kind}: {_reason(event.response)}")
                    return
            yield ErrorSeen("connection ended before a terminal event")
            await self._drop()
        except Exception:
            await self._drop()
            raise

    async def cancel(self) -> None:
        await self._drop()

    async def close(self) -> None:
        await self._drop()
        await self.sdk.close()


def _reason(response: Any) -> str:
    error = getattr(response, "error", None)
    if error is not None:
        return f"{error.code}: {error.message}"
    details = getattr(response, "incomplete_details", None)
    return f"incomplete ({getattr(details, 'reason', None)})"


class SdkStreamAdapter(Adapter):
    """What the SDK's HTTP streaming adapters share (Responses and Chat Completions): one
    `AsyncOpenAI` client at the SDK's defaults (retry policy, 600 s timeout), and a stream closed on cancel."""

    package = "openai"
    transport = "http"
    default_wait = "600 s (the openai SDK's default timeout), then up to 2 retries"

    async def open(self) -> None:
        self.sdk = AsyncOpenAI(base_url=self.endpoint.url, api_key=self.api_key)
        self._stream: Any = None

    async def cancel(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.close()

    async def close(self) -> None:
        await self.cancel()
        await self.sdk.close()


class OpenAIHttpAdapter(SdkStreamAdapter):
    """``AsyncOpenAI().responses.create(stream=True)`` — public API, full context every turn."""

    client = "openai-http"

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        kwargs: dict[str, Any] = {"tools": [t.responses_param() for t in tools]} if tools else {}
        self._stream = await self.sdk.responses.create(
            model=self.model, input=responses_input(history), store=False, stream=True, **kwargs
        )
        try:
            async for event in self._stream:
                kind = event.type
                if kind == "response.output_text.delta":
                    yield TextDelta(event.delta)
                elif kind == "response.output_item.done":
                    call = _call_from(event.item)
                    if call is not None:
                        yield ToolCallSeen(call)
                elif kind in ("response.failed", "response.incomplete"):
                    yield ErrorSeen(f"{kind}: {_reason(event.response)}")
                elif kind == "error":
                    yield ErrorSeen(f"error event: {getattr(event, 'message', event)}")
        finally:
            await self.cancel()


__all__ = ["OpenAIHttpAdapter", "OpenAIWebSocketAdapter", "SdkStreamAdapter"]
