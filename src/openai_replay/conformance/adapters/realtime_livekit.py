"""LiveKit Agents' ``openai.realtime.RealtimeModel`` driven through the Realtime battery.

Driven the way ``AgentSession`` drives it, without a room: ``RealtimeModel(...).session()``, then
``update_chat_ctx`` / ``update_tools`` / ``push_audio`` / ``generate_reply``, reading each
``generation_created`` event's message and function streams. Everything else is LiveKit's default
(modalities text+audio, semantic_vad, voice, reconnection).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from livekit import rtc
from livekit.agents import llm
from livekit.plugins.openai.realtime import RealtimeModel

from openai_replay.clock import ManualClock
from openai_replay.conformance.realtime import (
    RESTORE_PROMPT,
    TOOL_OUTPUT,
    TOOL_PROMPT,
    Cell,
    error_then_next_turn,
    restored_turn,
    speech,
)
from openai_replay.server import FakeServer


class _Run:
    """One RealtimeSession and what it surfaced."""

    def __init__(self, server: FakeServer) -> None:
        self.model = RealtimeModel(base_url=server.url, api_key="test")
        self.session = self.model.session()
        self.errors: list[Any] = []
        self.generations: asyncio.Queue[llm.GenerationCreatedEvent] = asyncio.Queue()
        self.transcripts: list[str] = []
        self.speech_started = 0
        self.reconnected = 0
        self.session.on("error", self.errors.append)
        self.session.on("generation_created", self.generations.put_nowait)
        self.session.on("input_audio_transcription_completed", lambda e: e.is_final and self.transcripts.append(e.transcript))
        self.session.on("input_speech_started", lambda _: self._count("speech_started"))
        self.session.on("session_reconnected", lambda _: self._count("reconnected"))

    def _count(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)

    async def say_text(self, text: str) -> None:
        """Add a user message to the session's own context (with the replies so far), as AgentSession does."""
        ctx = self.session.chat_ctx.copy()
        ctx.add_message(role="user", content=text)
        await asyncio.wait_for(self.session.update_chat_ctx(ctx), 5)

    async def reply(self) -> tuple[str, int, list[llm.FunctionCall]]:
        """generate_reply, then the whole generation: (text, audio bytes, function calls)."""
        generation = await self.session.generate_reply()
        return await collect(generation)

    def push_speech(self, text: str, silence_ms: int = 1200) -> None:
        pcm = speech(text, silence_ms)
        step = 2 * 2400  # 100 ms frames, as LiveKit's own input stream sends them
        for i in range(0, len(pcm), step):
            chunk = pcm[i : i + step]
            self.session.push_audio(rtc.AudioFrame(chunk, 24000, 1, len(chunk) // 2))

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await self.session.aclose()
        await self.model.aclose()


async def collect(
    generation: llm.GenerationCreatedEvent, *, first_audio: asyncio.Event | None = None
) -> tuple[str, int, list[llm.FunctionCall]]:
    text: list[str] = []
    audio = 0
    calls: list[llm.FunctionCall] = []

    async def message(m: llm.MessageGeneration) -> None:
        nonlocal audio

        async def texts() -> None:
            async for delta in m.text_stream:
                text.append(str(delta))

        async def frames() -> None:
            nonlocal audio
            async for frame in m.audio_stream:
                audio += len(frame.data) * 2
                if first_audio is not None:
                    first_audio.set()

        await asyncio.gather(texts(), frames())

    async def messages() -> None:
        async for m in generation.message_stream:
            await message(m)

    async def functions() -> None:
        async for call in generation.function_stream:
            calls.append(call)

    await asyncio.gather(messages(), functions())
    return "".join(text), audio, calls


def _errors(run: _Run) -> str:
    return "; ".join(f"{type(e.error).__name__}: {getattr(e.error, 'body', None) or e.error}" for e in run.errors)


async def text_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.say_text("hello")
        text, audio, _ = await run.reply()
        if text == "You said: hello" and audio > 0:
            return Cell("pass", "the transcript and the spoken reply")
        return Cell("fail", "wrong reply", f"text {text!r}, {audio} audio bytes")
    finally:
        await run.aclose()


async def audio_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        run.push_speech("what time is it")
        generation = await asyncio.wait_for(run.generations.get(), 10)
        text, audio, _ = await collect(generation)
        await asyncio.sleep(0.1)  # the transcript may trail the reply's end by a frame
        if text == "You said: what time is it" and audio > 0 and run.transcripts == ["what time is it"]:
            return Cell("pass", "heard, transcribed, answered in speech (default semantic_vad)")
        return Cell("fail", "wrong turn", f"text {text!r}, {audio} audio bytes, transcripts {run.transcripts}")
    finally:
        await run.aclose()


async def tool_call(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)

    @llm.function_tool
    async def get_weather(city: str) -> str:
        """The weather in a city."""
        return TOOL_OUTPUT

    try:
        await run.session.update_tools([get_weather])
        await run.say_text(TOOL_PROMPT)
        _, _, calls = await run.reply()
        if [c.name for c in calls] != ["get_weather"]:
            return Cell("fail", "no function call", f"calls {calls}")
        call = calls[0]
        ctx = run.session.chat_ctx.copy()
        ctx.items.append(llm.FunctionCallOutput(call_id=call.call_id, name=call.name, output=TOOL_OUTPUT, is_error=False))
        await asyncio.wait_for(run.session.update_chat_ctx(ctx), 5)
        text, _, _ = await run.reply()
        server.log.assert_calls_answered()
        if text == f"get_weather returned: {TOOL_OUTPUT}":
            return Cell("pass", "called, answered once, final reply")
        return Cell("fail", "wrong final reply", f"text {text!r}")
    finally:
        await run.aclose()


async def interruption(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.say_text("tell me a long story about the sea and the ships on it")
        generation = await run.session.generate_reply()
        first_audio = asyncio.Event()
        collecting = asyncio.create_task(collect(generation, first_audio=first_audio))
        await asyncio.wait_for(first_audio.wait(), 5)
        run.push_speech("stop", silence_ms=1200)
        await asyncio.wait_for(collecting, 10)  # the interrupted generation's streams close
        nxt = await asyncio.wait_for(run.generations.get(), 10)
        while nxt is generation:  # the queue holds the interrupted generation too
            nxt = await asyncio.wait_for(run.generations.get(), 10)
        text, _, _ = await collect(nxt)
        timeline = server.log.timeline()
        if "cancelled" in timeline and text == "You said: stop" and run.speech_started:
            return Cell("pass", "reply cut (turn_detected), streams closed, the new turn answered")
        return Cell("fail", "not interrupted", f"next {text!r}, speech_started {run.speech_started}")
    finally:
        await run.aclose()


async def _restored_turn(run: _Run, server: FakeServer) -> Cell:
    """After the socket was lost: the next turn on a new socket, with the conversation restored."""

    async def next_turn() -> str:
        await run.say_text(RESTORE_PROMPT)
        text, _, _ = await run.reply()
        return text

    return await restored_turn(server, lambda: bool(run.reconnected), next_turn, lambda: _errors(run))


async def close_mid_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.say_text("hello")
        generation = await run.session.generate_reply()
        try:
            await asyncio.wait_for(collect(generation), 5)
        except TimeoutError:
            return Cell("fail", "hung on the lost reply")
        return await _restored_turn(run, server)
    finally:
        await run.aclose()


async def session_limit(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.say_text("hello")
        await run.reply()
        clock.advance(3600)
        return await _restored_turn(run, server)
    finally:
        await run.aclose()


async def active_response_error(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.say_text("tell me a long story about the sea and the ships on it")
        first = await run.session.generate_reply()
        collecting = asyncio.create_task(collect(first))
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await run.session.generate_reply()
        except llm.RealtimeError as exc:
            waited = loop.time() - started
            if "already has an active" not in str(exc):
                return Cell("fail", "wrong error", str(exc))
        else:
            return Cell("fail", "a second generation while one was active")
        text, _, _ = await asyncio.wait_for(collecting, 10)
        if waited > 2:
            return Cell("fail", f"learnt it after {waited:.1f} s")
        if not text.startswith("You said: tell me"):
            return Cell("fail", "the first reply was lost", f"text {text!r}")
        return Cell("pass", "the rejected generate_reply raised at once; the first reply completed")
    finally:
        await run.aclose()


async def failed_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        return await error_then_next_turn(run)
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
