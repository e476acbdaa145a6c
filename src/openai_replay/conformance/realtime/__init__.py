"""Realtime conformance columns: each voice framework's Realtime client driven against ``/v1/realtime``.

A small battery of its own (the Responses battery lives in ``conformance.checks``): each check names a
situation, the server it needs (a scenario, a paced reply, a virtual clock), and what a client must do
to pass. One driver per framework (``conformance.adapters.realtime_<client>``) runs every check through
the framework's own Realtime entry point with its defaults, and returns a :class:`Cell` that says what
happened, with the server's timeline as evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from openai_replay.audio import voice
from openai_replay.clock import ManualClock
from openai_replay.scenarios import scenario
from openai_replay.server import FakeServer
from openai_replay.source import Source

Status = Literal["pass", "fail", "n/a"]

#: A cell that takes longer than this has hung: it fails, and the run goes on.
CELL_TIMEOUT = 20.0


@dataclass(frozen=True)
class Cell:
    """One framework's result for one check."""

    status: Status
    reason: str
    evidence: str = ""


@dataclass(frozen=True)
class RealtimeCheck:
    name: str
    #: What a client must do to pass.
    passes_when: str
    #: The scenario the server runs (None: the simulated model).
    source: Callable[[], Source | None] = lambda: None
    #: Extra FakeServer settings (``realtime_pace`` for barge-in).
    settings: dict[str, Any] = field(default_factory=dict)


CHECKS: list[RealtimeCheck] = [
    RealtimeCheck("text_turn", "a text message answered: the reply's text (or transcript) reaches the caller"),
    RealtimeCheck(
        "audio_turn",
        "our synthesiser's speech pushed as input audio; server VAD ends the turn; the caller gets the user's "
        "transcript and the spoken reply",
    ),
    RealtimeCheck("tool_call", "a function call reaches the caller; its output sent back gets the final answer"),
    RealtimeCheck(
        "interruption",
        "speech over a reply played at 10x real time: the reply ends (cancelled, turn_detected), the caller's "
        "streams close, and the new utterance is answered",
        settings={"realtime_pace": 10.0},
    ),
    RealtimeCheck(
        "close_mid_response",
        "the server closes the socket (1011) mid-reply: the caller's streams end (no hang), and the next turn is "
        "answered on a new socket with the conversation restored",
        source=lambda: scenario().on(api="realtime", turn=1).reply("one two three four").close(1011, after=4).build(),
    ),
    RealtimeCheck(
        "session_limit",
        "the 60-minute limit on the virtual clock closes the socket (1001): the next turn is answered on a new "
        "socket with the conversation restored",
    ),
    RealtimeCheck(
        "active_response_error",
        "a second reply asked for while one is active gets conversation_already_has_active_response: the caller "
        "learns it at once (not after a timeout) and the first reply still completes",
        settings={"realtime_pace": 10.0},
    ),
    RealtimeCheck(
        "failed_response",
        "a response.done with status failed (server_error): the caller sees an error, and the next turn is answered",
        source=lambda: scenario().on(api="realtime", turn=1).fail("server_error").build(),
    ),
]

BY_NAME = {c.name: c for c in CHECKS}

#: The tool every driver registers, and the user text that makes the simulated model call it.
TOOL_NAME = "get_weather"
TOOL_PROMPT = 'call get_weather {"city": "Oslo"}'
TOOL_OUTPUT = "snow"


def speech(text: str, silence_ms: int = 1200) -> bytes:
    """Our synthesiser's speech of ``text`` then silence (16-bit mono PCM, 24 kHz): the user's voice.

    1.2 s of silence ends the turn under server VAD and under semantic_vad at any eagerness below low.
    """
    return voice.synthesize(text) + b"\0\0" * (24 * silence_ms)


Driver = Callable[[FakeServer, ManualClock], Awaitable[Cell]]

#: What the user says on the new socket after a close (close_mid_response, session_limit).
RESTORE_PROMPT = "are you there"


async def restored_turn(
    server: FakeServer,
    reconnected: Callable[[], bool],
    next_turn: Callable[[], Awaitable[str | Cell]],
    errors: Callable[[], str],
) -> Cell:
    """After the socket was lost: wait up to 5 s for the client to open a new one, run ``next_turn`` (the
    reply's text to ``RESTORE_PROMPT``, or a Cell when the client failed it), and check the conversation
    was restored on the new socket. Shared by the drivers whose clients reconnect on their own."""
    for _ in range(100):
        if reconnected():
            break
        await asyncio.sleep(0.05)
    else:
        return Cell("fail", "did not reconnect", errors())
    text = await next_turn()
    if isinstance(text, Cell):
        return text
    if text != f"You said: {RESTORE_PROMPT}":
        return Cell("fail", "next turn lost", f"text {text!r}")
    try:
        server.log.assert_conversation_restored()
    except AssertionError as exc:
        return Cell("fail", "conversation not restored", str(exc).splitlines()[0])
    return Cell("pass", "reconnected, conversation restored, next turn answered")


class TextRun(Protocol):
    """A driver's running session that can be told a text turn and read its reply (the LiveKit drivers)."""

    errors: list[Any]

    async def say_text(self, text: str) -> None: ...

    async def reply(self) -> tuple[str, Any, Any]: ...


async def error_then_next_turn(run: TextRun) -> Cell:
    """failed_response for a driver that says text and reads replies: the failed ``response.done`` must
    surface as an error, and the next turn must be answered. Shared by the LiveKit Python and JS drivers."""
    await run.say_text("hello")
    await run.reply()
    await asyncio.sleep(0.05)
    if not run.errors:
        return Cell("fail", "no error surfaced")
    await run.say_text("again")
    text, _, _ = await run.reply()
    if text != "You said: again":
        return Cell("fail", "next turn lost", f"text {text!r}")
    return Cell("pass", "surfaced a recoverable error; next turn answered")


class PacedClock(ManualClock):
    """A virtual clock (``advance`` reaches the session limit at once) whose ``sleep`` also waits in
    real time: with ``realtime_pace`` a reply really plays at that pace, so a client in another process
    (LiveKit JS on Node) can speak over it. A plain ManualClock turns every pacing sleep into a yield,
    and the reply then goes as fast as the socket takes it."""

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(max(0.0, seconds))


async def run_cell(check: RealtimeCheck, drive: Driver) -> Cell:
    """Start a fresh server for ``check``, run the driver against it, bounded by CELL_TIMEOUT.

    The evidence of a failing or hung cell ends with the server's timeline.
    """
    clock = PacedClock() if check.settings.get("realtime_pace") else ManualClock()
    async with FakeServer(source=check.source(), clock=clock, **check.settings) as server:
        try:
            cell = await asyncio.wait_for(drive(server, clock), CELL_TIMEOUT)
        except TimeoutError:
            cell = Cell("fail", "hung", f"no result in {CELL_TIMEOUT:.0f} s")
        except Exception as exc:  # a driver error is the client's behaviour under test: it fails the cell
            cell = Cell("fail", f"raised {type(exc).__name__}", str(exc))
        timeline = ""
        with contextlib.suppress(Exception):
            timeline = server.log.timeline()
        if cell.status != "pass":
            cell = Cell(cell.status, cell.reason, f"{cell.evidence}\n{timeline}".strip())
    return cell
