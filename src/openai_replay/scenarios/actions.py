"""What happens to a request: the actions a rule lists, in order.

Four roles:

- **content** (`Text`, `FunctionCall`, `Reasoning`): output items, streamed with real events. The
  response envelope (``response.created``, ``response.in_progress``) starts before the first one.
- **endings** (`Complete`, `FailResponse`, `Incomplete`, `Error`): how the request ends. A rule with
  content and no ending completes. `Error` before anything was sent is a request-level error (a WS
  ``error`` frame, or an HTTP status with its headers); after, a mid-stream ``error`` event.
- **faults** (`Close`, `Drop`, `Cut`, `Stall`, `Malformed`, `BinaryFrame`, `Duplicate`, `Event`,
  `UnknownEvent`, and `Error`): transport misbehaviour. Unpositioned, a fault happens at its place in
  the list; with ``after`` it happens once that many events were sent (``after=0``: before
  ``response.created``), or after the nth event of a type (``after=("response.output_text.delta", 2)``).
- **pacing** (`Slow`): time to first event, delay between events, seeded jitter, on the server clock.

A rule with no content and no ending answers with the simulated model's stream, with its faults
and pacing applied to it: ``[Close(1011, after=5)]`` cuts a normal reply after five events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from openai_replay.scenarios import values
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import ScenarioError


@dataclass(frozen=True)
class At:
    """A position in the stream: after ``events`` events, or after the ``nth`` event of type ``event``."""

    events: int | None = None
    event: str | None = None
    nth: int = 1

    def __post_init__(self) -> None:
        if self.events is not None:
            values.count(self.events, "after", minimum=0)
        values.count(self.nth, "after: the nth event", minimum=1)

    @classmethod
    def of(cls, value: Any) -> At | None:
        if value is None or isinstance(value, At):
            return value
        if isinstance(value, bool):
            raise ScenarioError([f"after: expected a number of events or (event type, n), got {value!r}"])
        if isinstance(value, int):
            if value < 0:
                raise ScenarioError([f"after: a number of events is 0 or more, got {value}"])
            return cls(events=value)
        if isinstance(value, str):
            return cls(event=value)
        if isinstance(value, Mapping) and "event" in value and set(value) <= {"event", "nth"}:
            return cls(event=str(value["event"]), nth=value.get("nth", 1))
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int):
            return cls(event=value[0], nth=value[1])
        raise ScenarioError([f"after: expected a number of events or (event type, n), got {value!r}"])

    def reached(self, count: int, counts: Mapping[str, int]) -> bool:
        if self.event is not None:
            return counts.get(self.event, 0) >= self.nth
        return count >= (self.events or 0)

    def describe(self) -> str:
        if self.event is not None:
            return f"after {_ordinal(self.nth)} {self.event}"
        return "before response.created" if not self.events else f"after {self.events} event{'s' * (self.events != 1)}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"the {n}{suffix}"


class Action:
    """Base of every action; ``kind`` is its name in JSON, ``role`` one of the four above."""

    kind: ClassVar[str]
    role: ClassVar[str]
    #: True when nothing after this action is sent (the request or the connection ends).
    ends: ClassVar[bool] = False
    after: At | None = None

    def describe(self) -> str:
        where = f" {self.after.describe()}" if self.after is not None else ""
        return f"{self.kind}{self._details()}{where}"

    def _details(self) -> str:
        return ""


def _chunk(chunk: int | None) -> None:
    if chunk is not None:
        values.count(chunk, "chunk", minimum=1)


# -- content -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text(Action):
    """An assistant message, streamed as ``response.output_text.delta`` events."""

    kind: ClassVar[str] = "text"
    role: ClassVar[str] = "content"
    text: str = ""
    #: Characters per delta; None streams one word per delta.
    chunk: int | None = None
    phase: str | None = None

    def _details(self) -> str:
        return f" {self.text[:30]!r}"

    def __post_init__(self) -> None:
        _chunk(self.chunk)


@dataclass(frozen=True)
class FunctionCall(Action):
    """A function call, its JSON arguments streamed as ``response.function_call_arguments.delta``."""

    kind: ClassVar[str] = "function_call"
    role: ClassVar[str] = "content"
    name: str = "get_weather"
    arguments: str = "{}"
    call_id: str | None = None
    chunk: int | None = None

    def _details(self) -> str:
        return f" {self.name}({self.arguments[:30]})"

    def __post_init__(self) -> None:
        _chunk(self.chunk)


@dataclass(frozen=True)
class Reasoning(Action):
    """A reasoning item, with its summary texts streamed (none: an item with an empty summary)."""

    kind: ClassVar[str] = "reasoning"
    role: ClassVar[str] = "content"
    summary: tuple[str, ...] = ()
    chunk: int | None = None

    def __post_init__(self) -> None:
        _chunk(self.chunk)


# -- endings -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Complete(Action):
    """``response.completed`` with the output so far and usage."""

    kind: ClassVar[str] = "complete"
    role: ClassVar[str] = "ending"
    ends: ClassVar[bool] = True


@dataclass(frozen=True)
class FailResponse(Action):
    """``response.failed`` with ``error: {code, message}``; ``error_event`` sends an ``error`` event first
    (as real traffic does for quota errors)."""

    kind: ClassVar[str] = "fail"
    role: ClassVar[str] = "ending"
    ends: ClassVar[bool] = True
    code: str = "server_error"
    message: str = "The model failed to generate a response."
    error_event: bool = False

    def _details(self) -> str:
        return f" {self.code}"


@dataclass(frozen=True)
class Incomplete(Action):
    """``response.incomplete`` with ``incomplete_details.reason``. With ``cut_item`` a message just before
    it stops after its deltas and is kept with ``status: incomplete``, as a token limit leaves it."""

    kind: ClassVar[str] = "incomplete"
    role: ClassVar[str] = "ending"
    ends: ClassVar[bool] = True
    reason: str = "max_output_tokens"
    cut_item: bool = True

    def _details(self) -> str:
        return f" ({self.reason})"


@dataclass(frozen=True)
class Error(Action):
    """An API error: request-level before any event (WS ``error`` frame, HTTP status + headers), a
    mid-stream ``error`` event after. Ends the request."""

    kind: ClassVar[str] = "error"
    role: ClassVar[str] = "ending"
    ends: ClassVar[bool] = True
    error: ErrorSpec = field(default_factory=ErrorSpec)
    after: At | None = None

    def _details(self) -> str:
        return f" {self.error.describe()}"


@dataclass(frozen=True)
class Respond(Action):
    """Answer an HTTP request with this body and status, whatever its path (as pytest-httpserver's
    ``respond_with_json``): ``json`` (any JSON value) or ``text``, with ``content_type``. Ends the request."""

    kind: ClassVar[str] = "respond"
    role: ClassVar[str] = "ending"
    ends: ClassVar[bool] = True
    status: int = 200
    json: Any = None
    text: str | None = None
    content_type: str | None = None
    after: At | None = None

    def _details(self) -> str:
        return f" {self.status}"

    def __post_init__(self) -> None:
        if isinstance(self.status, bool) or not isinstance(self.status, int) or not 100 <= self.status <= 599:
            raise ScenarioError([f"status: an HTTP status from 100 to 599, got {self.status!r}"])
        if self.json is not None and self.text is not None:
            raise ScenarioError(["give 'json' (a JSON value) or 'text' (a string), not both"])
        if self.after is not None:
            raise ScenarioError(["'respond' answers the whole request, so it takes no 'after'"])


# -- faults --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Close(Action):
    """Close the WebSocket with ``code`` (HTTP: the stream ends there, with no terminal event; before
    the first byte there is nothing to end cleanly, so the connection is cut)."""

    kind: ClassVar[str] = "close"
    role: ClassVar[str] = "fault"
    ends: ClassVar[bool] = True
    code: int = 1000
    reason: str = ""
    after: At | None = None

    def _details(self) -> str:
        return f" {self.code}"

    def __post_init__(self) -> None:
        values.count(self.code, "code", minimum=1000)
        if self.code > 4999:
            raise ScenarioError([f"code: a close code is between 1000 and 4999, got {self.code}"])
        values.close_reason(self.reason)


@dataclass(frozen=True)
class Drop(Action):
    """Abort the TCP connection: no close frame, no end of the HTTP body (the client sees 1006 / a
    broken chunked body)."""

    kind: ClassVar[str] = "drop"
    role: ClassVar[str] = "fault"
    ends: ClassVar[bool] = True
    after: At | None = None


@dataclass(frozen=True)
class Cut(Action):
    """Send only the first ``keep`` bytes of the next event (default: half), then drop the connection:
    an SSE stream cut mid-event, or a truncated WS text frame."""

    kind: ClassVar[str] = "cut"
    role: ClassVar[str] = "fault"
    ends: ClassVar[bool] = True
    keep: int | None = None
    after: At | None = None

    def __post_init__(self) -> None:
        if self.keep is not None:
            values.count(self.keep, "keep", minimum=1)


@dataclass(frozen=True)
class Stall(Action):
    """Send nothing for ``seconds`` (server clock: a `ManualClock` makes it instant), or with
    ``forever`` never again: the turn hangs until the client gives up (closes, cancels, times out)."""

    kind: ClassVar[str] = "stall"
    role: ClassVar[str] = "fault"
    seconds: float = 1.0
    after: At | None = None
    forever: bool = False

    @property
    def wait(self) -> float:
        """Seconds to wait; ``math.inf`` for ``forever`` (no clock, manual or real, ends it)."""
        return math.inf if self.forever else self.seconds

    def _details(self) -> str:
        return " forever" if self.forever else f" {self.seconds}s"

    def __post_init__(self) -> None:
        values.duration(self.seconds, "seconds")


@dataclass(frozen=True)
class Malformed(Action):
    """A text frame that is not valid JSON (HTTP: an SSE event whose data is not valid JSON)."""

    kind: ClassVar[str] = "malformed"
    role: ClassVar[str] = "fault"
    text: str = '{"type":"response.output_text.delta","delta":"unterminated'
    after: At | None = None


@dataclass(frozen=True)
class BinaryFrame(Action):
    """A WebSocket binary frame (HTTP: raw bytes in the body), which the protocol never uses."""

    kind: ClassVar[str] = "binary"
    role: ClassVar[str] = "fault"
    data: bytes = b"\x00\x01\x02\xffopenai-replay binary frame"
    after: At | None = None


@dataclass(frozen=True)
class Duplicate(Action):
    """Send the last event again, byte for byte (same ``sequence_number``)."""

    kind: ClassVar[str] = "duplicate"
    role: ClassVar[str] = "fault"
    after: At | None = None


@dataclass(frozen=True)
class Event(Action):
    """Send this event as given; with ``numbered`` it gets the stream's next ``sequence_number``."""

    kind: ClassVar[str] = "event"
    role: ClassVar[str] = "fault"
    event: Mapping[str, Any] = field(default_factory=dict)
    numbered: bool = True
    after: At | None = None

    def _details(self) -> str:
        return f" {self.event.get('type')!r}"


@dataclass(frozen=True)
class UnknownEvent(Action):
    """An event of a type no client knows (a newer API's event), numbered like the others."""

    kind: ClassVar[str] = "unknown_event"
    role: ClassVar[str] = "fault"
    type: str = "response.unknown_future_event"
    fields: Mapping[str, Any] = field(default_factory=dict)
    after: At | None = None

    def _details(self) -> str:
        return f" {self.type!r}"


@dataclass(frozen=True)
class NoUsage(Action):
    """The reply as it would be, but its ending carries no ``usage``: the Responses API's terminal event
    without the key, and the Realtime ``response.done`` without it (a field clients read unguarded)."""

    kind: ClassVar[str] = "no_usage"
    role: ClassVar[str] = "fault"

    def __post_init__(self) -> None:
        if self.after is not None:
            raise ScenarioError(["'no_usage' changes the response's ending, so it takes no 'after'"])


# -- pacing --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slow(Action):
    """Pace the whole stream: ``ttfb`` before the first event, ``delay`` plus up to ``jitter`` seconds
    (drawn from ``random.Random(seed)``) before each later one."""

    kind: ClassVar[str] = "slow"
    role: ClassVar[str] = "pacing"
    ttfb: float = 0.0
    delay: float = 0.0
    jitter: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("ttfb", "delay", "jitter"):
            values.duration(getattr(self, name), name)


ACTIONS: dict[str, type[Action]] = {
    cls.kind: cls
    for cls in (
        Text,
        FunctionCall,
        Reasoning,
        Complete,
        FailResponse,
        Incomplete,
        Error,
        Respond,
        Close,
        Drop,
        Cut,
        Stall,
        Malformed,
        BinaryFrame,
        Duplicate,
        Event,
        UnknownEvent,
        NoUsage,
        Slow,
    )
}
#: Nothing can follow these: the connection (or HTTP body) is over.
FINAL = frozenset({"close", "drop", "cut"})
#: What may still follow an ending (the response is over, the connection is not).
AFTER_ENDING = frozenset({"stall", "close", "drop"})
#: Actions that may carry ``after``.
POSITIONABLE = frozenset(name for name, cls in ACTIONS.items() if (cls.role == "fault" and cls is not NoUsage) or cls is Error)
