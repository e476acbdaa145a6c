"""``livekit-plugins-openai``: the Responses LLM (``livekit.plugins.openai.responses.LLM``), over
WebSocket (``use_websocket=True``, its default) and over HTTP (``use_websocket=False``), and the
default LLM, ``livekit.plugins.openai.LLM``, which speaks Chat Completions.

Entry point: ``LLM.chat(chat_ctx=..., tools=...)`` and iterating the ``LLMStream`` it returns —
the public API an ``AgentSession`` calls from its LLM node. A whole agent session is not needed:
the session's part is to keep one ``ChatContext`` and append to it, which this adapter does. A
barge-in is ``LLMStream.aclose()``, which is what the agent does to an interrupted generation.
Errors surface as the exception the stream raises and as the LLM's ``error`` events (one per
failed attempt, marked recoverable when the stream's retry loop tries again).
The connect options are LiveKit's defaults (``DEFAULT_API_CONNECT_OPTIONS``: a 10 s timeout, 3 retries)
in every check: the checks that wait on a silent stream wait past 10 s, so the real default decides.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from livekit.agents import APIConnectOptions, llm, utils
from livekit.plugins import openai as lk_openai
from livekit.plugins.openai import responses

from openai_replay.conformance.adapter import Adapter, Surfaced, TextDelta, ToolCallSeen
from openai_replay.conformance.conversation import Call, CallOutput, Item, Msg, Tool, parse_arguments


class _LiveKitBase(Adapter):
    package = "livekit-plugins-openai"
    use_websocket = True
    default_wait = "10 s per read (APIConnectOptions' default timeout); before any text, up to 3 retries (0.1 s, then 2 s apart)"

    async def open(self) -> None:
        self._stack = contextlib.AsyncExitStack()
        # The plugin takes its aiohttp session from LiveKit's http context (a job provides it).
        await self._stack.enter_async_context(utils.http_context.open())
        self.llm = self.make_llm()
        self.llm.on("error", self._on_error)
        self.ctx = llm.ChatContext.empty()
        self._synced = 0
        self._tools: dict[str, Any] = {}
        self._stream: Any = None
        self.conn_options = APIConnectOptions()  # LiveKit's defaults, what LLM.chat uses when given none

    def make_llm(self) -> Any:
        base_url = self.endpoint.ws_url if self.use_websocket else self.endpoint.url
        return responses.LLM(model=self.model, api_key=self.api_key, base_url=base_url, use_websocket=self.use_websocket)

    def _on_error(self, event: Any) -> None:
        kind = "recoverable" if getattr(event, "recoverable", False) else "unrecoverable"
        self.note_error(f"llm error event ({kind}): {event.error}")

    def _sync(self, history: list[Item]) -> None:
        for item in history[self._synced :]:
            if isinstance(item, Msg):
                self.ctx.add_message(role=item.role, content=item.text)
            elif isinstance(item, Call):
                self.ctx.items.append(llm.FunctionCall(call_id=item.call_id, name=item.name, arguments=item.arguments))
            elif isinstance(item, CallOutput):
                self.ctx.items.append(
                    llm.FunctionCallOutput(call_id=item.call_id, name=item.name, output=item.output, is_error=False)
                )
        self._synced = len(history)

    def _tool(self, tool: Tool) -> Any:
        if tool.name not in self._tools:

            async def handler(raw_arguments: dict[str, object]) -> None:
                return None

            schema = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
            self._tools[tool.name] = llm.function_tool(handler, raw_schema=schema)
        return self._tools[tool.name]

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        self._sync(history)
        self._stream = self.llm.chat(chat_ctx=self.ctx, tools=[self._tool(t) for t in tools], conn_options=self.conn_options)
        try:
            async for chunk in self._stream:
                delta = chunk.delta
                if delta is None:
                    continue
                if delta.content:
                    yield TextDelta(delta.content)
                for call in delta.tool_calls or []:
                    yield ToolCallSeen(Call(call.call_id, call.name, parse_arguments(call.arguments)))
        finally:
            await self.cancel()

    async def cancel(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            await stream.aclose()

    async def close(self) -> None:
        await self.cancel()
        with contextlib.suppress(Exception):
            await self.llm.aclose()
        await self._stack.aclose()


class LiveKitWebSocketAdapter(_LiveKitBase):
    """LiveKit's Responses LLM in WebSocket mode (its connection pool, chaining on a context prefix)."""

    client = "livekit-ws"
    transport = "ws"
    use_websocket = True
    default_wait = "forever (ws.receive() has no deadline; APIConnectOptions.timeout bounds only connecting)"


class LiveKitHttpAdapter(_LiveKitBase):
    """LiveKit's Responses LLM over HTTP (the openai SDK underneath, ``max_retries=0``)."""

    client = "livekit-http"
    transport = "http"
    use_websocket = False


class LiveKitChatAdapter(_LiveKitBase):
    """LiveKit's default ``openai.LLM`` (Chat Completions through the openai SDK, ``max_retries=0``)."""

    client = "livekit-chat"
    transport = "http"
    api = "chat"
    use_websocket = False

    def make_llm(self) -> Any:
        return lk_openai.LLM(model=self.model, api_key=self.api_key, base_url=self.endpoint.url)
