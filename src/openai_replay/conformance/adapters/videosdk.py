"""``videosdk-plugins-openai``: ``OpenAILLM(streaming=True)``, its WebSocket Responses mode, and
``OpenAILLM(streaming=False)``, which speaks Chat Completions over HTTP.

Entry point: ``OpenAILLM.chat(ChatContext, tools=...)``, the async iterator of ``LLMResponse``
that VideoSDK's conversation flow consumes — its public API. The agent pipeline's part is to keep
one ``ChatContext`` and append to it, which this adapter does. Text is each response's
``content``; tool calls are the responses whose ``metadata`` holds ``function_call``; errors are
what ``chat()`` raises and what the LLM emits as ``error`` events. A barge-in is
``cancel_current_generation()`` followed by dropping the iterator, as VideoSDK's pipeline does
on an interruption. The client has no response timeout of its own to configure.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from videosdk.agents import ChatContext, ChatRole
from videosdk.agents.utils import FunctionToolInfo
from videosdk.plugins.openai import OpenAILLM

from openai_replay.conformance.adapter import Adapter, Surfaced, TextDelta, ToolCallSeen
from openai_replay.conformance.conversation import Call, CallOutput, Item, Msg, Tool, parse_arguments

_ROLES = {"system": ChatRole.SYSTEM, "user": ChatRole.USER, "assistant": ChatRole.ASSISTANT}


class VideoSDKWebSocketAdapter(Adapter):
    """VideoSDK's ``OpenAILLM`` with ``streaming=True`` (aiohttp WebSocket, chained turns)."""

    client = "videosdk-ws"
    default_wait = "forever (no deadline on the frame loop; the 30 s heartbeat keeps the socket up)"
    package = "videosdk-plugins-openai"
    transport = "ws"
    streaming = True

    async def open(self) -> None:
        self.llm = OpenAILLM(
            api_key=self.api_key,
            model=self.model,
            base_url=self.endpoint.url,
            wss_url=self.endpoint.ws_url,
            streaming=self.streaming,
        )
        self.llm.on("error", self._on_error)
        self.ctx = ChatContext.empty()
        self._synced = 0
        self._tools: dict[str, Any] = {}
        self._iter: Any = None

    def _on_error(self, error: Any) -> None:
        self.note_error(f"llm error event: {error}")

    def _sync(self, history: list[Item]) -> None:
        for item in history[self._synced :]:
            if isinstance(item, Msg):
                self.ctx.add_message(role=_ROLES[item.role], content=item.text)
            elif isinstance(item, Call):
                self.ctx.add_function_call(name=item.name, arguments=item.arguments, call_id=item.call_id)
            elif isinstance(item, CallOutput):
                self.ctx.add_function_output(name=item.name, output=item.output, call_id=item.call_id)
        self._synced = len(history)

    def _tool(self, tool: Tool) -> Any:
        if tool.name not in self._tools:

            async def handler(**kwargs: Any) -> None:
                return None

            # What VideoSDK's @function_tool decorator attaches, with the schema given directly.
            handler._tool_info = FunctionToolInfo(  # type: ignore[attr-defined]
                name=tool.name, description=tool.description, parameters_schema=tool.parameters
            )
            self._tools[tool.name] = handler
        return self._tools[tool.name]

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        self._sync(history)
        self._iter = self.llm.chat(self.ctx, tools=[self._tool(t) for t in tools])
        try:
            async for response in self._iter:
                call = (response.metadata or {}).get("function_call")
                if call:
                    yield ToolCallSeen(
                        Call(str(call.get("id", "")), str(call.get("name", "")), parse_arguments(call.get("arguments")))
                    )
                elif response.content:
                    yield TextDelta(response.content)
        finally:
            iterator, self._iter = self._iter, None
            if iterator is not None:
                with contextlib.suppress(Exception):
                    await iterator.aclose()

    async def warmup(self, instructions: str, tools: list[Tool]) -> bool:
        """``OpenAILLM.prewarm(instructions=..., tools=...)``: its documented warm-up."""
        await self.llm.prewarm(instructions=instructions, tools=[self._tool(t) for t in tools])
        return True

    #: The order VideoSDK's own pipeline uses; closing the iterator first is also legitimate, and is
    #: not what these cells score.
    cancel_style = "cancel_current_generation() first, then the chat iterator closed (the pipeline's order)"

    async def cancel(self) -> None:
        await self.llm.cancel_current_generation()
        iterator, self._iter = self._iter, None
        if iterator is not None:
            with contextlib.suppress(Exception):
                await iterator.aclose()

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.llm.aclose()


class VideoSDKChatAdapter(VideoSDKWebSocketAdapter):
    """VideoSDK's ``OpenAILLM`` with ``streaming=False``: Chat Completions through the openai SDK."""

    client = "videosdk-chat"
    default_wait = "10 s (the plugin's default httpx read timeout), with no retry (max_retries=0)"
    transport = "http"
    api = "chat"
    streaming = False
