"""``pipecat-ai[openai]``: ``OpenAIResponsesLLMService`` (WebSocket),
``OpenAIResponsesHttpLLMService`` (HTTP streaming) and ``OpenAILLMService`` (Chat Completions).

Entry point: a real Pipecat pipeline, ``[upstream probe, service, downstream probe]``, run by a
``PipelineWorker``; each turn queues an ``LLMContextFrame`` (what the user-context aggregator
does when the user stops speaking) and reads the frames the service pushes until its
``LLMFullResponseEndFrame``. Text is the ``LLMTextFrame``s, tool calls the
``FunctionCallsStartedFrame``, errors the ``ErrorFrame``s pushed upstream. A barge-in queues an
``InterruptionFrame``, which is how a pipeline interrupts the service (it cancels the service's
frame task). Pipecat's services only work inside a pipeline, so there is no narrower entry point.
Every service runs at Pipecat's defaults (``retry_on_timeout=False``, ``retry_timeout_secs=5``) in
every check: none needs its retry to finish (a check that stalls a stream waits it out or reports
the hang with how long Pipecat really waits).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import (
    ErrorFrame,
    Frame,
    FunctionCallsStartedFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.openai.llm import OpenAILLMService
from pipecat.services.openai.responses.llm import OpenAIResponsesHttpLLMService, OpenAIResponsesLLMService
from pipecat.workers.runner import WorkerRunner

from openai_replay.conformance.adapter import Adapter, ErrorSeen, Surfaced, TextDelta, ToolCallSeen
from openai_replay.conformance.conversation import Call, CallOutput, Item, Msg, Tool, parse_arguments

_END = object()


class _Probe(FrameProcessor):
    """Hands every frame going ``direction`` to ``sink`` and passes everything on."""

    def __init__(self, sink: Any, direction: FrameDirection) -> None:
        super().__init__()
        self._sink = sink
        self._direction = direction

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction == self._direction:
            self._sink(frame)
        await self.push_frame(frame, direction)


class _PipecatBase(Adapter):
    package = "pipecat-ai"

    def make_service(self) -> Any:
        raise NotImplementedError

    async def open(self) -> None:
        self.service = self.make_service()

        async def on_call(params: Any) -> None:
            await params.result_callback(None)

        self.service.register_function(None, on_call)
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._in_turn = False
        self.context = LLMContext()
        self._synced = 0
        pipeline = Pipeline(
            [_Probe(self._upstream, FrameDirection.UPSTREAM), self.service, _Probe(self._downstream, FrameDirection.DOWNSTREAM)]
        )
        self.worker = PipelineWorker(pipeline, params=PipelineParams(), cancel_on_idle_timeout=False, enable_rtvi=False)
        started = asyncio.Event()

        @self.worker.event_handler("on_pipeline_started")
        async def _started(worker: Any, frame: Any) -> None:
            started.set()

        self.runner = WorkerRunner(handle_sigint=False)
        await self.runner.add_workers(self.worker)
        self._run_task = asyncio.ensure_future(self.runner.run())
        await asyncio.wait_for(started.wait(), timeout=10)

    def _downstream(self, frame: Frame) -> None:
        if isinstance(frame, LLMTextFrame):
            self._queue.put_nowait(TextDelta(frame.text))
        elif isinstance(frame, FunctionCallsStartedFrame):
            for fc in frame.function_calls:
                call = Call(fc.tool_call_id, fc.function_name, parse_arguments(fc.arguments))
                self._queue.put_nowait(ToolCallSeen(call))
        elif isinstance(frame, LLMFullResponseEndFrame):
            self._queue.put_nowait(_END)

    def _upstream(self, frame: Frame) -> None:
        if isinstance(frame, ErrorFrame):
            self._queue.put_nowait(ErrorSeen(f"ErrorFrame: {frame.error}"))

    def _sync(self, history: list[Item], tools: list[Tool]) -> None:
        if tools and not self._synced:
            schemas = [
                FunctionSchema(
                    name=t.name,
                    description=t.description,
                    properties=t.parameters.get("properties", {}),
                    required=t.parameters.get("required", []),
                )
                for t in tools
            ]
            self.context.set_tools(ToolsSchema(standard_tools=schemas))
        for item in history[self._synced :]:
            if isinstance(item, Msg):
                self.context.add_message({"role": item.role, "content": item.text})
            elif isinstance(item, Call):
                call = {"id": item.call_id, "type": "function", "function": {"name": item.name, "arguments": item.arguments}}
                self.context.add_message({"role": "assistant", "tool_calls": [call]})
            elif isinstance(item, CallOutput):
                self.context.add_message({"role": "tool", "tool_call_id": item.call_id, "content": item.output})
        self._synced = len(history)

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        self._sync(history, tools)
        self._drain_queue()
        self._in_turn = True
        await self.worker.queue_frame(LLMContextFrame(context=self.context))
        try:
            while True:
                seen = await self._queue.get()
                if seen is _END:
                    return
                yield seen
        finally:
            self._in_turn = False

    def _drain_queue(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()

    async def cancel(self) -> None:
        await self.worker.queue_frame(InterruptionFrame())
        # Let the interrupted generation unwind (its end frame, if any) before the next turn.
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._until_end(), timeout=1.0)

    async def _until_end(self) -> None:
        while (await self._queue.get()) is not _END:
            pass

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.worker.cancel(), timeout=5)
        self._run_task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(self._run_task, timeout=5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.service.cleanup(), timeout=5)


class PipecatWebSocketAdapter(_PipecatBase):
    """Pipecat's ``OpenAIResponsesLLMService`` (the ``websockets`` library, prefix hashing)."""

    client = "pipecat-ws"
    transport = "ws"
    default_wait = "forever (_ws_recv() is awaited with no bound)"

    def make_service(self) -> Any:
        return OpenAIResponsesLLMService(
            api_key=self.api_key,
            ws_url=self.endpoint.ws_url,
            base_url=self.endpoint.url,
            settings=OpenAIResponsesLLMService.Settings(model=self.model),
        )


class PipecatHttpAdapter(_PipecatBase):
    """Pipecat's ``OpenAIResponsesHttpLLMService`` (the openai SDK with its default retries)."""

    client = "pipecat-http"
    transport = "http"
    default_wait = "600 s (the openai SDK client's default timeout)"

    def make_service(self) -> Any:
        return OpenAIResponsesHttpLLMService(
            api_key=self.api_key,
            base_url=self.endpoint.url,
            settings=OpenAIResponsesHttpLLMService.Settings(model=self.model),
        )


class PipecatChatAdapter(_PipecatBase):
    """Pipecat's default ``OpenAILLMService`` (Chat Completions through the openai SDK)."""

    client = "pipecat-chat"
    transport = "http"
    default_wait = "600 s (the openai SDK client's default timeout)"
    api = "chat"

    def make_service(self) -> Any:
        return OpenAILLMService(
            api_key=self.api_key,
            base_url=self.endpoint.url,
            settings=OpenAILLMService.Settings(model=self.model),
        )
