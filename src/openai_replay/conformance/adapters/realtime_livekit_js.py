"""LiveKit's JS ``openai.realtime.RealtimeModel`` (``@livekit/agents-plugin-openai`` 1.9.0, Node)
driven through the Realtime battery.

The same checks as the Python plugin's column (``realtime_livekit``), driven the way the JS
``AgentSession`` drives the model, without a room: ``RealtimeModel({baseURL, apiKey}).session()``,
then ``updateChatCtx`` (the session's own context plus the new item), ``updateTools``,
``pushAudio`` and ``generateReply``, with every ``generation_created`` event's message and function
streams read to their end. A small Node program (``js/realtime_driver.mjs``) does those calls on
request, over JSON lines; the checks and the server side (the virtual clock, the log's assertions)
stay here. Everything else is LiveKit's default (audio output, semantic_vad, reconnection).

Node and the npm packages must be installed (``npm ci --prefix src/openai_replay/conformance/js``);
the driver uses the LLM column's ``node_modules`` (see ``livekit_js.node_dir``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import shutil
from collections import deque
from typing import Any

from openai_replay.clock import ManualClock
from openai_replay.conformance.adapters.livekit_js import JS_DIR, missing_requirement, node_dir
from openai_replay.conformance.realtime import (
    RESTORE_PROMPT,
    TOOL_NAME,
    TOOL_OUTPUT,
    TOOL_PROMPT,
    Cell,
    error_then_next_turn,
    restored_turn,
    speech,
)
from openai_replay.server import FakeServer

DRIVER = "realtime_driver.mjs"
_TOOL = {
    "name": TOOL_NAME,
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


class DriverFailed(RuntimeError):
    """A request the Node driver answered with an error (the JS client raised)."""


class _Run:
    """One Node driver process: one RealtimeModel and its session, and what they surfaced."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.errors: list[str] = []
        self.transcripts: list[str] = []
        self.speech_started = 0
        self.reconnected = 0
        self.generations: asyncio.Queue[int] = asyncio.Queue()
        self.done: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self._stderr: deque[str] = deque(maxlen=int(os.environ.get("REALTIME_DRIVER_DEBUG") or 20))

    async def start(self) -> None:
        problem = missing_requirement()
        if problem:
            raise RuntimeError(problem)
        where = node_dir()
        if where != JS_DIR:
            shutil.copyfile(JS_DIR / DRIVER, where / DRIVER)
        self.proc = await asyncio.create_subprocess_exec(
            "node",
            str(where / DRIVER),
            cwd=str(where),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=16 * 1024 * 1024,
        )
        self._readers = [asyncio.create_task(self._read()), asyncio.create_task(self._read_stderr())]
        await asyncio.wait_for(self.call("open", baseURL=self.server.url, apiKey="test"), 30)

    def _generation(self, gen: int) -> asyncio.Future[dict[str, Any]]:
        return self.done.setdefault(gen, asyncio.get_running_loop().create_future())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            message = json.loads(line)
            kind = message["kind"]
            if kind == "result":
                future = self._pending.pop(message["id"], None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif kind == "generation":
                self._generation(message["gen"])
                self.generations.put_nowait(message["gen"])
            elif kind == "generation_done":
                future = self._generation(message["gen"])
                if not future.done():
                    future.set_result(message)
            elif kind == "error":
                self.errors.append(str(message["message"]))
            elif kind == "transcript":
                self.transcripts.append(str(message["text"]))
            elif kind == "speech_started":
                self.speech_started += 1
            elif kind == "reconnected":
                self.reconnected += 1
        exited = RuntimeError(f"the Node driver exited: {' | '.join(self._stderr)}")
        for future in [*self._pending.values(), *self.done.values()]:
            if not future.done():
                future.set_exception(exited)
                future.exception()  # retrieved here, so an unawaited one is not logged at collection

    async def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        while line := await self.proc.stderr.readline():
            self._stderr.append(line.decode(errors="replace").strip()[:300])

    async def call(self, op: str, **fields: Any) -> dict[str, Any]:
        """One request to the driver; its answer, or DriverFailed with what the JS client raised."""
        self._next += 1
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[self._next] = future
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps({"id": self._next, "op": op, **fields}) + "\n").encode())
        result = await future
        if result.get("error"):
            raise DriverFailed(str(result["error"]))
        return result

    async def say_text(self, text: str) -> None:
        await asyncio.wait_for(self.call("say_text", text=text), 6)

    async def generate(self) -> int:
        result = await self.call("generate_reply")
        return int(result["gen"])

    async def collect(self, gen: int) -> tuple[str, int, list[dict[str, Any]]]:
        """The generation's text, audio bytes and function calls, once all its streams have closed."""
        done = await self._generation(gen)
        return str(done["text"]), int(done["audio"]), list(done["calls"])

    async def reply(self) -> tuple[str, int, list[dict[str, Any]]]:
        return await self.collect(await self.generate())

    async def push_speech(self, text: str, silence_ms: int = 1200) -> None:
        pcm = speech(text, silence_ms)
        await self.call("push_audio", pcm=base64.b64encode(pcm).decode(), rate=24000)

    async def aclose(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.call("close"), 5)
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()
        for task in self._readers:
            task.cancel()


async def _started(server: FakeServer) -> _Run:
    run = _Run(server)
    try:
        await run.start()
    except BaseException:
        if hasattr(run, "proc"):
            await run.aclose()
        raise
    return run


async def text_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.say_text("hello")
        text, audio, _ = await run.reply()
        if text == "You said: hello" and audio > 0:
            return Cell("pass", "the transcript and the spoken reply")
        return Cell("fail", "wrong reply", f"text {text!r}, {audio} audio bytes")
    finally:
        await run.aclose()


async def audio_turn(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.push_speech("what time is it")
        gen = await asyncio.wait_for(run.generations.get(), 10)
        text, audio, _ = await run.collect(gen)
        await asyncio.sleep(0.1)  # the transcript may trail the reply's end by a frame
        if text == "You said: what time is it" and audio > 0 and run.transcripts == ["what time is it"]:
            return Cell("pass", "heard, transcribed, answered in speech (default semantic_vad)")
        return Cell("fail", "wrong turn", f"text {text!r}, {audio} audio bytes, transcripts {run.transcripts}")
    finally:
        await run.aclose()


async def tool_call(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.call("tools", specs=[_TOOL])
        await run.say_text(TOOL_PROMPT)
        _, _, calls = await run.reply()
        if [c["name"] for c in calls] != [TOOL_NAME]:
            return Cell("fail", "no function call", f"calls {calls}")
        await asyncio.wait_for(run.call("tool_output", call_id=calls[0]["call_id"], name=TOOL_NAME, output=TOOL_OUTPUT), 6)
        text, _, _ = await run.reply()
        server.log.assert_calls_answered()
        if text == f"{TOOL_NAME} returned: {TOOL_OUTPUT}":
            return Cell("pass", "called, answered once, final reply")
        return Cell("fail", "wrong final reply", f"text {text!r}")
    finally:
        await run.aclose()


async def interruption(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.say_text("tell me a long story about the sea and the ships on it")
        gen = await run.generate()
        # The driver pushes the speech on the reply's first audio frame itself (a round trip through
        # this process would land after a short reply at 10x), as the Python column does in-process.
        pcm = base64.b64encode(speech("stop", 1200)).decode()
        await asyncio.wait_for(run.call("barge_in", gen=gen, pcm=pcm, rate=24000), 5)
        await asyncio.wait_for(run.collect(gen), 10)  # the interrupted generation's streams close
        nxt = await asyncio.wait_for(run.generations.get(), 10)
        while nxt <= gen:  # the queue holds the interrupted generation too
            nxt = await asyncio.wait_for(run.generations.get(), 10)
        text, _, _ = await run.collect(nxt)
        if "cancelled" in server.log.timeline() and text == "You said: stop" and run.speech_started:
            return Cell("pass", "reply cut (turn_detected), streams closed, the new turn answered")
        return Cell("fail", "not interrupted", f"next {text!r}, speech_started {run.speech_started}")
    finally:
        await run.aclose()


async def _restored_turn(run: _Run, server: FakeServer) -> Cell:
    """After the socket was lost: the next turn on a new socket, with the conversation restored."""

    async def next_turn() -> str | Cell:
        try:
            await run.say_text(RESTORE_PROMPT)
        except DriverFailed as exc:
            # 1.9.0: the old socket's send loop leaves a read of the message queue pending when it is
            # aborted; that read takes the first event queued after the reconnect (this item's create), so
            # the server never gets it and updateChatCtx times out.
            return Cell("fail", "the first message after the reconnect was lost", str(exc))
        text, _, _ = await run.reply()
        return text

    return await restored_turn(server, lambda: bool(run.reconnected), next_turn, lambda: "; ".join(run.errors))


async def close_mid_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.say_text("hello")
        gen = await run.generate()
        try:
            await asyncio.wait_for(run.collect(gen), 5)
        except TimeoutError:
            return Cell("fail", "hung on the lost reply")
        return await _restored_turn(run, server)
    finally:
        await run.aclose()


async def session_limit(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.say_text("hello")
        await run.reply()
        clock.advance(3600)
        return await _restored_turn(run, server)
    finally:
        await run.aclose()


async def active_response_error(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
    try:
        await run.say_text("tell me a long story about the sea and the ships on it")
        first = await run.generate()
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            await run.generate()
        except DriverFailed as exc:
            waited = loop.time() - started
            if "already has an active" not in str(exc):
                return Cell("fail", "wrong error", str(exc))
        else:
            return Cell("fail", "a second generation while one was active")
        text, _, _ = await asyncio.wait_for(run.collect(first), 10)
        if waited > 2:
            return Cell("fail", f"learnt it after {waited:.1f} s")
        if not text.startswith("You said: tell me"):
            return Cell("fail", "the first reply was lost", f"text {text!r}")
        return Cell("pass", "the rejected generateReply rejected at once; the first reply completed")
    finally:
        await run.aclose()


async def failed_response(server: FakeServer, clock: ManualClock) -> Cell:
    run = await _started(server)
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
