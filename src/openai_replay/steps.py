"""What a source asks the transport to do, one step at a time.

A source (the simulated model, a scenario, a cassette) yields steps; the WebSocket and HTTP
transports carry them out the same way, so every source works over both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from openai_replay.errors import ApiError


@dataclass(frozen=True, slots=True)
class Emit:
    """Send one event (a WS text frame, or one SSE event)."""

    event: dict[str, Any]

    # One is made for every event a turn sends: the slot is set through its descriptor rather than the
    # generated frozen `__init__`'s `object.__setattr__` (about 0.4 µs instead of 0.7 µs a step).
    def __init__(self, event: dict[str, Any]) -> None:
        _set_event(self, event)


_set_event = Emit.__dict__["event"].__set__


@dataclass(frozen=True)
class EmitRaw:
    """Send recorded JSON text byte-for-byte; ``event_type`` names it for SSE framing."""

    data: str
    event_type: str


@dataclass(frozen=True)
class Fail:
    """End the request with an API error: a WS ``error`` frame, or an HTTP status before any
    SSE byte was sent (an SSE ``error`` event after)."""

    error: ApiError
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sleep:
    """Wait on the server's clock (a manual clock makes this instant)."""

    seconds: float


@dataclass(frozen=True)
class Close:
    """Close the WebSocket with ``code`` (HTTP: end the stream here)."""

    code: int = 1000
    reason: str = ""


@dataclass(frozen=True)
class Drop:
    """Cut the TCP connection without a close frame or a clean end of stream."""


@dataclass(frozen=True)
class RawText:
    """Send ``data`` exactly as given, unframed: one WS text frame (it may be malformed JSON), or
    bytes written straight into the HTTP body (no SSE framing added, so half an event is possible).
    Faults use it for malformed frames and streams cut mid-event."""

    data: str


@dataclass(frozen=True)
class Binary:
    """Send a WS binary frame (HTTP: these bytes written into the body), which no client expects."""

    data: bytes


@dataclass(frozen=True)
class Respond:
    """A non-streaming HTTP turn only: answer with exactly this body (a recorded answer, byte for
    byte). Sources yield it only when ``turn.transport == "http"`` and the request did not
    ask for a stream; on a WebSocket it is a source bug and ends the turn as a server error."""

    body: str | bytes
    status: int = 200
    #: The recorded ``Content-Type`` when it is not JSON (a file, an image): the body then goes out
    #: as these bytes with that type.
    content_type: str | None = None


Step = Emit | EmitRaw | Fail | Sleep | Close | Drop | RawText | Binary | Respond
