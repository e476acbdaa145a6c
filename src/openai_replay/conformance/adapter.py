"""One small interface over every client: open, run a turn, cancel, close, and what it surfaced.

An adapter drives a real client library against the fake server. ``stream()`` runs one turn
through the client's own entry point and yields what the client hands its caller: text deltas,
tool calls, errors. ``turn()`` wraps it with the bounds a conformance run needs: a timeout (a
client that hangs fails its cell, never the run) and an optional barge-in after some deltas.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

from openai_replay.conformance.conversation import Call, Item, Tool


@dataclass(frozen=True)
class TextDelta:
    """Text the client passed on to its caller."""

    text: str


@dataclass(frozen=True)
class ToolCallSeen:
    """A function call the client asked its caller to run."""

    call: Call


@dataclass(frozen=True)
class ErrorSeen:
    """An error the client reported (raised, emitted as an event, or pushed as a frame)."""

    message: str


Surfaced = TextDelta | ToolCallSeen | ErrorSeen

Ending = Literal["done", "error", "hung", "abandoned"]


@dataclass
class TurnResult:
    """What one turn looked like from the caller's side."""

    text: str = ""
    deltas: int = 0
    tool_calls: list[Call] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: done: the client ended the turn without raising (it may still have reported errors);
    #: error: it raised; hung: our bound fired; abandoned: the caller cancelled it (barge-in).
    ended: Ending = "done"
    elapsed: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "deltas": self.deltas,
            "tool_calls": [{"call_id": c.call_id, "name": c.name, "arguments": c.arguments} for c in self.tool_calls],
            "errors": list(self.errors),
            "ended": self.ended,
            "elapsed": round(self.elapsed, 3),
        }


@dataclass(frozen=True)
class Endpoint:
    """Where the fake server listens."""

    url: str  # base_url for HTTP clients, e.g. http://127.0.0.1:PORT/v1
    ws_url: str  # ws://127.0.0.1:PORT/v1/responses


@dataclass(frozen=True)
class Setting:
    """A setting an adapter changes from its client's default, in ``checks`` only."""

    default: str
    why: str
    checks: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {"default": self.default, "why": self.why, "checks": list(self.checks)}


class Adapter(ABC):
    """Drives one client. Subclasses say which client, how they reach it, and why that way."""

    #: Column name in the scorecard, e.g. ``livekit-ws``.
    client: ClassVar[str]
    #: The distribution that provides the client (pinned in the optional extra).
    package: ClassVar[str]
    transport: ClassVar[Literal["ws", "http"]]
    #: The API the client speaks: checks written for one API are "n/a" for the other.
    api: ClassVar[Literal["responses", "chat"]] = "responses"
    #: The client's own timeout for a response that stalls, when the adapter configures one.
    client_timeout: ClassVar[float | None] = None
    #: Every setting the adapter changes from the client's defaults, each only in the checks it names
    #: (checks that cannot finish within their bound at the default): "setting=value" -> `Setting`.
    #: Every other check runs the client at its defaults; the scorecard page lists them per column and
    #: the cells of those checks name them. Empty: the column grades the client at its defaults throughout.
    settings: ClassVar[dict[str, Setting]] = {}
    #: How long the client, at its default settings, waits on a stream that goes silent ("forever" when
    #: nothing bounds it): what a hang costs its users, reported with never_ending_stream.
    default_wait: ClassVar[str] = "forever (nothing bounds the read)"
    #: How ``cancel()`` interrupts a reply, where a client allows more than one way (the cancel cells name it).
    cancel_style: ClassVar[str | None] = None

    api_key = "sk-conformance-fake-key"
    model = "gpt-4.1"

    def __init__(self, endpoint: Endpoint, check: str | None = None) -> None:
        self.endpoint = endpoint
        #: The check being run (None outside the battery, e.g. under explore): decides `changed`.
        self.check = check
        self._errors: list[str] | None = None

    @classmethod
    def changed_in(cls, check: str | None) -> list[str]:
        """The settings this adapter changes from the client's defaults in ``check`` (usually none)."""
        return [name for name, setting in cls.settings.items() if check is not None and check in setting.checks]

    def changed(self, name: str) -> bool:
        """Whether setting ``name`` (a key of `settings`) is changed in the check being run."""
        return name in self.changed_in(self.check)

    # -- what a subclass provides --------------------------------------------------------------
    async def open(self) -> None:  # noqa: B027 - optional hook, most clients connect lazily
        """Create the client (it may connect lazily on the first turn). Runs in the task that then
        runs the turns, so context variables it sets are seen by them."""

    @abstractmethod
    def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        """Run one turn over the whole history; yield what the client surfaces until it ends."""

    async def cancel(self) -> None:  # noqa: B027 - a client without a cancel just stops being read
        """Stop the turn in flight the way the client's framework does on a barge-in."""

    async def warmup(self, instructions: str, tools: list[Tool]) -> bool:
        """Send a ``generate: false`` warm-up if the client has a call for it; False when it has none."""
        return False

    @abstractmethod
    async def close(self) -> None:
        """Release the client (sockets, tasks, subprocesses)."""

    # -- helpers for subclasses ----------------------------------------------------------------
    def note_error(self, message: str) -> None:
        """Record an error the client reported through a side channel (an event, a frame)."""
        if self._errors is not None:
            self._errors.append(message)

    # -- the bounded turn ----------------------------------------------------------------------
    async def turn(
        self,
        history: list[Item],
        tools: list[Tool],
        *,
        timeout: float,
        interrupt_after: int | None = None,
    ) -> TurnResult:
        """Run one turn, never longer than ``timeout``; barge in after ``interrupt_after`` deltas."""
        result = TurnResult()
        self._errors = result.errors
        started = time.monotonic()
        agen = self.stream(history, tools)
        assert isinstance(agen, AsyncGenerator)

        async def consume() -> None:
            async for seen in agen:
                if isinstance(seen, TextDelta):
                    result.text += seen.text
                    result.deltas += 1
                elif isinstance(seen, ToolCallSeen):
                    result.tool_calls.append(seen.call)
                else:
                    result.errors.append(seen.message)
                if interrupt_after is not None and result.deltas >= interrupt_after and result.ended != "abandoned":
                    result.ended = "abandoned"
                    await asyncio.wait_for(self.cancel(), timeout=5.0)
                    return

        try:
            await asyncio.wait_for(consume(), timeout=timeout)
        except asyncio.TimeoutError:
            result.ended = "hung"
        except Exception as exc:  # the client raised: that is what it surfaced
            result.errors.append(describe(exc))
            result.ended = "error"
        finally:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(agen.aclose(), timeout=5.0)
        if result.ended == "hung":
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(self.cancel(), timeout=5.0)
        result.elapsed = time.monotonic() - started
        self._errors = None
        return result


def describe(exc: BaseException) -> str:
    """An exception as one line: its type and message, plus its cause when that says more."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text += f" (from {type(cause).__name__}: {cause})"
    return " ".join(text.split())[:300]
