"""The openai SDK's ``client.realtime.connect()`` driven through the Realtime battery.

The SDK is the protocol itself: it hands its caller every server event, typed, and sends what the
caller sends. So each cell reads what the caller is given (the typed events, or the exception the
connection raises) and does what a caller would. Defaults throughout: in particular the SDK's
reconnection is opt-in (``connect(max_retries=..., on_reconnecting=...)``), so it is off here.
"""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from openai import AsyncOpenAI

from openai_replay.clock import ManualClock
from openai_replay.conformance.realtime import TOOL_NAME, TOOL_OUTPUT, TOOL_PROMPT, Cell, speech
from openai_replay.server import FakeServer

TOOL = {
    "type": "function",
    "name": TOOL_NAME,
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _client(server: FakeServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.url, api_key="test")


async def _until(conn: Any, last: str, timeout: float = 5) -> list[Any]:
    events = []
    async with asyncio.timeout(timeout):
        async for event in conn:
            events.append(event)
            if event.type == last:
                return events
    raise ConnectionError(f"the connection ended before {last}")


def _transcript(events: list[Any]) -> str:
    return "".join(e.delta for e in events if e.type == "response.output_audio_transcript.delta")


def _audio(events: list[Any]) -> int:
    return sum(len(base64.b64decode(e.delta)) for e in events if e.type == "response.output_audio.delta")


async def _say_text(conn: Any, text: str) -> None:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    await conn.conversation.item.create(item=item)


async def _speak(conn: Any, text: str) -> None:
    pcm = speech(text)
    for i in range(0, len(pcm), 4800):
        await conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + 4800]).decode())


async def text_turn(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _say_text(conn, "hello")
        await conn.response.create()
        events = await _until(conn, "response.done")
        if _transcript(events) == "You said: hello" and _audio(events) > 0:
            return Cell("pass", "the transcript and the spoken reply")
        return Cell("fail", "wrong reply", _transcript(events))


async def audio_turn(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _speak(conn, "what time is it")
        events = await _until(conn, "response.done")
        kinds = [e.type for e in events]
        if (
            _transcript(events) == "You said: what time is it"
            and _audio(events) > 0
            and kinds.index("input_audio_buffer.speech_started") < kinds.index("input_audio_buffer.committed")
        ):
            return Cell("pass", "server VAD turn (speech_started, committed), answered in speech")
        return Cell("fail", "wrong turn", f"{_transcript(events)!r} {kinds}")


async def tool_call(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "tools": [TOOL]})
        await _say_text(conn, TOOL_PROMPT)
        await conn.response.create()
        events = await _until(conn, "response.done")
        calls = [e for e in events if e.type == "response.function_call_arguments.done"]
        if [c.name for c in calls] != [TOOL_NAME]:
            return Cell("fail", "no function call")
        item = {"type": "function_call_output", "call_id": calls[0].call_id, "output": TOOL_OUTPUT}
        await conn.conversation.item.create(item=item)
        await conn.response.create()
        final = _transcript(await _until(conn, "response.done"))
        server.log.assert_calls_answered()
        if final == f"{TOOL_NAME} returned: {TOOL_OUTPUT}":
            return Cell("pass", "called, answered once, final reply")
        return Cell("fail", "wrong final reply", final)


async def interruption(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _say_text(conn, "tell me a long story about the sea and the ships on it")
        await conn.response.create()
        await _until(conn, "response.output_audio.delta")
        await _speak(conn, "stop")
        cut = (await _until(conn, "response.done"))[-1].response
        nxt = await _until(conn, "response.done")
        reason = cut.status_details.reason if cut.status_details else None
        if (cut.status, reason) == ("cancelled", "turn_detected") and _transcript(nxt) == "You said: stop":
            return Cell("pass", "reply cancelled (turn_detected) as a typed event, the new turn answered")
        return Cell("fail", "not interrupted", f"{cut.status} {reason} {_transcript(nxt)!r}")


async def _after_loss(conn: Any) -> Cell:
    try:
        await _say_text(conn, "are you there")
        await conn.response.create()
        await _until(conn, "response.done", 2)
    except Exception as exc:  # the SDK raises the websockets close to its caller
        return Cell("fail", "surfaced the close; no reconnect by default", f"{type(exc).__name__}: {exc}")
    return Cell("pass", "next turn answered")


async def close_mid_response(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _say_text(conn, "hello")
        await conn.response.create()
        try:
            await _until(conn, "response.done", 3)
        except TimeoutError:
            return Cell("fail", "hung on the lost reply")
        except Exception:
            return await _after_loss(conn)
        return Cell("fail", "the reply completed (the close did not happen)")


async def session_limit(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _say_text(conn, "hello")
        await conn.response.create()
        await _until(conn, "response.done")
        clock.advance(3600)
        await asyncio.sleep(0.3)
        return await _after_loss(conn)


async def active_response_error(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _say_text(conn, "tell me a long story about the sea and the ships on it")
        await conn.response.create()
        await _until(conn, "response.output_audio.delta")
        await conn.response.create(event_id="second")
        events = await _until(conn, "response.done")
        errors = [e.error for e in events if e.type == "error"]
        if [(e.code, e.event_id) for e in errors] != [("conversation_already_has_active_response", "second")]:
            return Cell("fail", "no refusal", str(errors))
        done = events[-1].response  # the transcript streamed before the first audio: read it from response.done
        if done.status != "completed" or not (done.output[0].content[0].transcript or "").startswith("You said: tell me"):
            return Cell("fail", "the first reply was lost")
        return Cell("pass", "the refusal arrives as a typed error naming the event; the first reply completed")


async def failed_response(server: FakeServer, clock: ManualClock) -> Cell:
    async with _client(server).realtime.connect(model="gpt-realtime") as conn:
        await _say_text(conn, "hello")
        await conn.response.create()
        done = (await _until(conn, "response.done"))[-1].response
        if done.status != "failed":
            return Cell("fail", "no failure seen", str(done.status))
        await _say_text(conn, "again")
        await conn.response.create()
        if _transcript(await _until(conn, "response.done")) != "You said: again":
            return Cell("fail", "next turn lost")
        return Cell("pass", "response.done status failed reaches the caller; next turn answered")


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


async def converse(url: str, texts: list[str], outcomes: list[Any]) -> None:
    """A text conversation for `conformance.realtime.explore`, as a careful SDK caller holds it: each turn
    reads to its ``response.done``; a status other than completed, an ``error`` event or a closed socket
    is surfaced as the turn's error (and a closed socket ends the conversation: no reconnect by default)."""
    from openai_replay.conformance.realtime.explore import TurnOutcome

    client = AsyncOpenAI(base_url=url, api_key="test")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        for text in texts:
            outcome = TurnOutcome()
            try:
                await _say_text(conn, text)
                await conn.response.create()
                async for event in conn:
                    if event.type == "error":
                        outcome.error = f"{event.error.code}: {event.error.message}"
                    elif event.type == "response.output_text.delta":
                        outcome.text += event.delta
                    elif event.type == "response.done":
                        if event.response.status != "completed":
                            outcome.error = outcome.error or f"response {event.response.status}"
                        break
                else:
                    outcome.error = "the connection closed"
            except Exception as exc:  # the SDK raises the close to its caller (reading, or sending after it)
                outcome.error = f"{type(exc).__name__}: {exc}"
            outcomes.append(outcome)
            if outcome.error and ("closed" in outcome.error or "Connection" in outcome.error):
                return
