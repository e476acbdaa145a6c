"""Pipecat's ``OpenAIRealtimeLLMService`` driven through the Realtime battery.

Entry point: a real Pipecat pipeline, ``[upstream probe, service, downstream probe]``, run by a
``PipelineWorker``, with the service's defaults (model, audio out, server VAD). The first turn is
the ``LLMContextFrame`` a bot starts with; later turns are the user's speech as ``InputAudioRawFrame``s
(Pipecat's Realtime service takes its turns from audio under server VAD). Where a real bot's
assistant aggregator pushes the context back upstream after a function result (which is what makes
the service ask for the next response), the downstream probe does the same.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import (
    ErrorFrame,
    Frame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    InputAudioRawFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService
from pipecat.workers.runner import WorkerRunner

from openai_replay.clock import ManualClock
from openai_replay.conformance.realtime import TOOL_NAME, TOOL_OUTPUT, TOOL_PROMPT, Cell, speech
from openai_replay.server import FakeServer


class _Reply:
    """One response as the pipeline saw it (up to its LLMFullResponseEndFrame)."""

    def __init__(self) -> None:
        self.text = ""
        self.audio = 0
        self.calls: list[str] = []


class _Probe(FrameProcessor):
    def __init__(self, sink: Any, direction: FrameDirection) -> None:
        super().__init__()
        self._sink = sink
        self._direction = direction

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if direction == self._direction:
            await self._sink(self, frame)
        await self.push_frame(frame, direction)


class _Run:
    def __init__(self, server: FakeServer) -> None:
        ws = server.url.replace("http", "ws", 1) + "/realtime"
        self.service = OpenAIRealtimeLLMService(api_key="test", base_url=ws)
        self.context = LLMContext()
        self.replies: asyncio.Queue[_Reply] = asyncio.Queue()
        self.current = _Reply()
        self.errors: list[str] = []
        self.transcripts: list[str] = []
        self.first_audio = asyncio.Event()

        async def get_weather(params: Any) -> None:
            await params.result_callback(TOOL_OUTPUT)

        self.service.register_function(TOOL_NAME, get_weather)

    async def _down(self, probe: _Probe, frame: Frame) -> None:
        if isinstance(frame, LLMTextFrame):
            self.current.text += frame.text
        elif isinstance(frame, TTSAudioRawFrame):
            self.current.audio += len(frame.audio)
            self.first_audio.set()
        elif isinstance(frame, FunctionCallsStartedFrame):
            self.current.calls += [fc.function_name for fc in frame.function_calls]
        elif isinstance(frame, TranscriptionFrame):
            self.transcripts.append(frame.text)
        elif isinstance(frame, FunctionCallResultFrame):
            # what the assistant aggregator does with a function result: the context goes back upstream
            await probe.push_frame(LLMContextFrame(context=self.context), FrameDirection.UPSTREAM)
        elif isinstance(frame, LLMFullResponseEndFrame):
            self.replies.put_nowait(self.current)
            self.current = _Reply()

    async def _up(self, probe: _Probe, frame: Frame) -> None:
        if isinstance(frame, ErrorFrame):
            self.errors.append(str(frame.error))

    async def start(self, first_text: str | None = None, tools: bool = False) -> None:
        if tools:
            schema = FunctionSchema(
                name=TOOL_NAME, description="The weather in a city.", properties={"city": {"type": "string"}}, required=["city"]
            )
            self.context.set_tools(ToolsSchema(standard_tools=[schema]))
        pipeline = Pipeline(
            [_Probe(self._up, FrameDirection.UPSTREAM), self.service, _Probe(self._down, FrameDirection.DOWNSTREAM)]
        )
        self.worker = PipelineWorker(pipeline, params=PipelineParams(), cancel_on_idle_timeout=False, enable_rtvi=False)
        started = asyncio.Event()

        @self.worker.event_handler("on_pipeline_started")
        async def _started(worker: Any, frame: Any) -> None:
            started.set()

        self.runner = WorkerRunner(handle_sigint=False)
        await self.runner.add_workers(self.worker)
        self._task = asyncio.ensure_future(self.runner.run())
        await asyncio.wait_for(started.wait(), 10)
        if first_text is not None:
            self.context.add_message({"role": "user", "content": first_text})
            await self.worker.queue_frame(LLMContextFrame(context=self.context))

    async def speak(self, text: str, silence_ms: int = 1200) -> None:
        pcm = speech(text, silence_ms)
        step = 4800  # 100 ms at 24 kHz
        for i in range(0, len(pcm), step):
            await self.worker.queue_frame(InputAudioRawFrame(audio=pcm[i : i + step], sample_rate=24000, num_channels=1))

    async def reply(self, timeout: float = 5) -> _Reply:
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.worker.cancel(), 5)
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(self._task, 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.service.cleanup(), 5)


async def text_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start("hello")
        reply = await run.reply()
        if reply.text == "You said: hello" and reply.audio > 0:
            return Cell("pass", "the transcript and the spoken reply")
        return Cell("fail", "wrong reply", f"text {reply.text!r}, {reply.audio} audio bytes")
    finally:
        await run.aclose()


async def audio_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.speak("what time is it")
        reply = await run.reply()
        await asyncio.sleep(0.1)
        if reply.text == "You said: what time is it" and reply.audio > 0:
            return Cell("pass", "heard under server VAD, answered in speech")
        return Cell("fail", "wrong turn", f"text {reply.text!r}, {reply.audio} audio bytes")
    finally:
        await run.aclose()


async def tool_call(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start(TOOL_PROMPT, tools=True)
        first = await run.reply()
        if first.calls != [TOOL_NAME]:
            return Cell("fail", "no function call", f"calls {first.calls}, text {first.text!r}")
        final = await run.reply()
        server.log.assert_calls_answered()
        if final.text == f'{TOOL_NAME} returned: "{TOOL_OUTPUT}"' or final.text == f"{TOOL_NAME} returned: {TOOL_OUTPUT}":
            return Cell("pass", "called, answered once, final reply")
        return Cell("fail", "wrong final reply", f"text {final.text!r}")
    finally:
        await run.aclose()


async def interruption(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start("tell me a long story about the sea and the ships on it")
        await asyncio.wait_for(run.first_audio.wait(), 5)
        await run.speak("stop")
        cut = await run.reply()
        nxt = await run.reply()
        try:
            server.log.assert_realtime_protocol()
        except AssertionError as exc:
            return Cell("fail", "broke the protocol", str(exc))
        if "cancelled" in server.log.timeline() and nxt.text == "You said: stop":
            return Cell("pass", "reply cut (turn_detected), truncated within the audio, the new turn answered")
        return Cell("fail", "not interrupted", f"cut {cut.text!r}, next {nxt.text!r}")
    finally:
        await run.aclose()


async def _next_turn_after_loss(run: _Run, server: FakeServer) -> Cell:
    await asyncio.sleep(0.3)
    await run.speak("are you there")
    try:
        reply = await run.reply(3)
    except TimeoutError:
        reconnected = server.log.timeline().count("opened /v1/realtime") > 1
        why = "reconnected but lost the turn" if reconnected else "did not reconnect"
        return Cell("fail", why, "; ".join(run.errors))
    if reply.text != "You said: are you there":
        return Cell("fail", "next turn lost", f"text {reply.text!r}")
    return Cell("pass", "next turn answered")


async def close_mid_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start("hello")
        try:
            await run.reply(3)
        except TimeoutError:
            return Cell("fail", "hung on the lost reply", "; ".join(run.errors))
        return await _next_turn_after_loss(run, server)
    finally:
        await run.aclose()


async def session_limit(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start("hello")
        await run.reply()
        clock.advance(3600)
        return await _next_turn_after_loss(run, server)
    finally:
        await run.aclose()


async def active_response_error(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start("tell me a long story about the sea and the ships on it")
        await asyncio.wait_for(run.first_audio.wait(), 5)
        # a second response asked for while the first plays: what the assistant aggregator sends
        await run.worker.queue_frame(LLMContextFrame(context=run.context))
        first = await run.reply()
        if not first.text.startswith("You said: tell me"):
            return Cell("fail", "the first reply was lost", f"text {first.text!r}")
        try:
            server.log.assert_realtime_protocol()
        except AssertionError as exc:
            return Cell("fail", "sent a second response.create", str(exc).splitlines()[1])
        return Cell("pass", "held the second request until the first response was done (never refused)")
    finally:
        await run.aclose()


async def failed_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start("hello")
        await run.reply()
        await asyncio.sleep(0.05)
        if not run.errors:
            return Cell("fail", "no error surfaced")
        await run.speak("again")
        try:
            reply = await run.reply(3)
        except TimeoutError:
            return Cell("fail", "next turn lost after the error", "; ".join(run.errors))
        if reply.text != "You said: again":
            return Cell("fail", "next turn lost", f"text {reply.text!r}")
        return Cell("pass", "surfaced an ErrorFrame; next turn answered")
    finally:
        await run.aclose()


DRIVERS = {
    "text_turn": text_turn,
    "audio_turn": audio_turn,
    "tool_call": tool_call,
    "interruption": interruption,
    "close_mid_response": close_mid_response,
    "session_limit": session_limit,
    "active_response_error": active_response_error,
    "failed_response": failed_response,
}
