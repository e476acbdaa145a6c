"""The ``openai`` SDK's Chat Completions: ``client.chat.completions.create(stream=True)``.

Like the HTTP Responses adapter, this is the smallest loop a caller writes: the full conversation
as ``messages`` every turn, tool calls assembled from the streamed ``delta.tool_calls`` fragments
by their ``index`` (as the SDK's docs show), the SDK's own retry policy (``max_retries=2``,
``retry-after``) and its default 600 s timeout. A barge-in closes the stream. So the
``openai-chat`` column shows what the SDK itself does under faults on ``/v1/chat/completions``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from openai_replay.conformance.adapter import ErrorSeen, Surfaced, TextDelta, ToolCallSeen
from openai_replay.conformance.adapters.openai_sdk import SdkStreamAdapter
from openai_replay.conformance.conversation import Call, Item, Tool, chat_messages


class OpenAIChatAdapter(SdkStreamAdapter):
    """``AsyncOpenAI().chat.completions.create(stream=True)``: public API, full context every turn."""

    client = "openai-chat"
    api = "chat"

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        kwargs: dict[str, Any] = {"tools": [t.chat_param() for t in tools]} if tools else {}
        self._stream = await self.sdk.chat.completions.create(
            model=self.model, messages=chat_messages(history), stream=True, **kwargs
        )
        calls: dict[int, dict[str, str]] = {}
        try:
            async for chunk in self._stream:
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        yield TextDelta(delta.content)
                    for fragment in delta.tool_calls or []:
                        call = calls.setdefault(fragment.index, {"id": "", "name": "", "arguments": ""})
                        call["id"] = fragment.id or call["id"]
                        if fragment.function is not None:
                            call["name"] += fragment.function.name or ""
                            call["arguments"] += fragment.function.arguments or ""
                    if choice.finish_reason in ("length", "content_filter"):
                        yield ErrorSeen(f"finish_reason: {choice.finish_reason}")
            for _, call in sorted(calls.items()):
                yield ToolCallSeen(Call(call_id=call["id"], name=call["name"], arguments=call["arguments"]))
        finally:
            await self.cancel()


__all__ = ["OpenAIChatAdapter"]
