"""VideoSDK's ``OpenAIRealtime`` (videosdk-plugins-openai) driven through the Realtime battery.

Driven as its pipeline drives it, without a room: ``set_agent`` (instructions and tools),
``connect()``, ``send_text_message`` for a typed turn, ``handle_audio_input`` with the room's audio
format (48 kHz stereo 16-bit PCM, which VideoSDK resamples to 24 kHz mono). The room's output track is
``_Speaker`` below, which only counts the bytes VideoSDK plays and what it is told (interrupt, end of
synthesis). What the caller learns is VideoSDK's events: ``llm_text_output`` (the reply's transcript at
``response.done``), ``realtime_model_transcription`` and ``error``. Everything else is VideoSDK's default.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import numpy as np
from videosdk.agents import function_tool
from videosdk.plugins.openai import OpenAIRealtime

from openai_replay.clock import ManualClock
from openai_replay.conformance.realtime import TOOL_OUTPUT, TOOL_PROMPT, Cell, speech
from openai_replay.server import FakeServer


class _Speaker:
    """The room's audio output track, as far as VideoSDK's Realtime model uses it."""

    def __init__(self) -> None:
        self.played = 0
        self.interrupts = 0
        self.completed = 0
        self.first_audio = asyncio.Event()

    async def add_new_bytes(self, data: bytes) -> None:
        self.played += len(data)
        self.first_audio.set()

    def interrupt(self) -> None:
        self.interrupts += 1

    def mark_synthesis_complete(self) -> None:
        self.completed += 1


class _Agent:
    """What ``OpenAIRealtime.set_agent`` reads of a VideoSDK ``Agent``."""

    def __init__(self, tools: list[Any]) -> None:
        self.instructions = "You are a helpful voice assistant."
        self.tools = tools


@function_tool
async def get_weather(city: str) -> str:
    """The weather in a city."""
    return TOOL_OUTPUT


class _Run:
    def __init__(self, server: FakeServer) -> None:
        self.model = OpenAIRealtime(api_key="test", model="gpt-realtime", base_url=server.url)
        self.speaker = _Speaker()
        self.model.audio_track = self.speaker
        self.model.loop = asyncio.get_running_loop()
        self.model.set_agent(_Agent([get_weather]))
        self.replies: asyncio.Queue[str] = asyncio.Queue()
        self.errors: list[str] = []
        self.transcripts: list[str] = []
        self.model.on("llm_text_output", lambda e: self.replies.put_nowait(e["text"]))
        self.model.on("error", lambda e: self.errors.append(str(e)))
        self.model.on("realtime_model_transcription", lambda e: e["role"] == "user" and self.transcripts.append(e["text"]))

    async def start(self) -> None:
        await self.model.connect()

    async def speak(self, text: str, silence_ms: int = 1200) -> None:
        mono = np.frombuffer(speech(text, silence_ms), dtype="<i2")
        room = np.repeat(np.repeat(mono, 2)[:, None], 2, axis=1).astype("<i2").tobytes()  # 48 kHz stereo
        step = 48000 * 2 * 2 // 50  # 20 ms room frames
        for i in range(0, len(room), step):
            await self.model.handle_audio_input(room[i : i + step])

    async def reply(self, timeout: float = 5) -> str:
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.model.aclose(), 5)


async def text_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message("hello")
        text = await run.reply()
        if text == "You said: hello" and run.speaker.played > 0:
            return Cell("pass", "the transcript and the spoken reply")
        return Cell("fail", "wrong reply", f"text {text!r}, {run.speaker.played} bytes played; {run.errors}")
    finally:
        await run.aclose()


async def audio_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.speak("what time is it")
        text = await run.reply()
        await asyncio.sleep(0.1)
        if text == "You said: what time is it" and run.speaker.played > 0 and run.transcripts == ["what time is it"]:
            return Cell("pass", "heard (resampled from 48 kHz stereo), transcribed, answered in speech")
        return Cell("fail", "wrong turn", f"text {text!r}, transcripts {run.transcripts}, {run.speaker.played} bytes played")
    finally:
        await run.aclose()


async def tool_call(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message(TOOL_PROMPT)
        first = await run.reply()
        final = await run.reply() if not first.startswith("get_weather returned") else first
        server.log.assert_calls_answered()
        if final in (f"get_weather returned: {TOOL_OUTPUT}", f'get_weather returned: "{TOOL_OUTPUT}"'):
            return Cell("pass", "ran the tool, answered once, final reply")
        return Cell("fail", "wrong final reply", f"text {final!r}; {run.errors}")
    finally:
        await run.aclose()


async def interruption(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message("tell me a long story about the sea and the ships on it")
        await asyncio.wait_for(run.speaker.first_audio.wait(), 5)
        await run.speak("stop")
        texts = [await run.reply(), await run.reply()]
        try:
            server.log.assert_realtime_protocol()
        except AssertionError as exc:
            return Cell("fail", "broke the protocol", str(exc))
        if "cancelled" in server.log.timeline() and texts[-1] == "You said: stop" and run.speaker.interrupts:
            return Cell("pass", "playback interrupted, reply cut, the new turn answered")
        return Cell("fail", "not interrupted", f"texts {texts}, interrupts {run.speaker.interrupts}")
    finally:
        await run.aclose()


async def _next_turn_after_loss(run: _Run, server: FakeServer) -> Cell:
    await asyncio.sleep(0.3)
    try:
        await run.model.send_text_message("are you there")
        text = await run.reply(3)
    except (TimeoutError, RuntimeError, ConnectionError) as exc:
        reconnected = server.log.timeline().count("opened /v1/realtime") > 1
        why = "reconnected but lost the turn" if reconnected else "did not reconnect"
        return Cell("fail", why, f"{type(exc).__name__}; errors: {run.errors}")
    if text != "You said: are you there":
        return Cell("fail", "next turn lost", f"text {text!r}")
    return Cell("pass", "next turn answered")


async def close_mid_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message("hello")
        await asyncio.sleep(0.3)
        if not any("closed" in e for e in run.errors):
            return Cell("fail", "the close went unreported", f"errors: {run.errors}")
        return await _next_turn_after_loss(run, server)
    finally:
        await run.aclose()


async def session_limit(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message("hello")
        await run.reply()
        clock.advance(3600)
        return await _next_turn_after_loss(run, server)
    finally:
        await run.aclose()


async def active_response_error(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message("tell me a long story about the sea and the ships on it")
        await asyncio.wait_for(run.speaker.first_audio.wait(), 5)
        await run.model.create_response()  # what a second generate_reply / say does while one plays
        first = await run.reply()
        await asyncio.sleep(0.1)
        refused = [e for e in run.errors if "already has an active response" in e]
        if not first.startswith("You said: tell me"):
            return Cell("fail", "the first reply was lost", f"text {first!r}")
        if refused:
            return Cell("pass", "sent the second response.create; surfaced the refusal as an error; the first reply completed")
        return Cell("fail", "the refusal went unreported", f"errors: {run.errors}")
    finally:
        await run.aclose()


async def failed_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = _Run(server)
    try:
        await run.start()
        await run.model.send_text_message("hello")
        await asyncio.sleep(0.3)
        silent = not run.errors and run.replies.empty()
        await run.model.send_text_message("again")
        try:
            text = await run.reply(3)
        except TimeoutError:
            text = None
        if text != "You said: again":
            return Cell("fail", "next turn lost", f"text {text!r}; errors: {run.errors}")
        if silent:
            # response.done status failed: VideoSDK reads only the transcript and usage of response.done
            return Cell("fail", "lost the turn silently (no error, no reply); next turn answered")
        return Cell("pass", "surfaced an error; next turn answered")
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
