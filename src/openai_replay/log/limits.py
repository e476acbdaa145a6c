"""The request log's limits: how many requests it keeps, and how much of each.

A long-running ``openai-replay serve`` sets them (``--log-limit``, ``--log-payload-limit``,
``--log-event-limit``); an in-process server keeps everything, for its tests' assertions. What the
log drops or cuts to stay within them is noted (`openai_replay.log.bounds` says what readers do).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Bounds", "LogLimits"]


@dataclass(frozen=True, slots=True)
class Bounds:
    """What the log keeps of one request: ``payload`` bytes of its payload and of its output items,
    ``events`` event types (None: whole). One object shared by every record made under the same limits."""

    payload: int | None = None
    events: int | None = None


class LogLimits:
    """The limits as checked properties of the log (a base of `LogRecords`)."""

    _limit: int | None
    _payload_limit: int | None = None
    _event_limit: int | None = None
    _bounds: Bounds | None = None

    @property
    def limit(self) -> int | None:
        """Keep only about this many of the newest requests and client frames (None: all of them).

        A long-running standalone server needs a bound; tests read the whole log, so no default."""
        return self._limit

    @limit.setter
    def limit(self, value: int | None) -> None:
        self._limit = _count_or_none(
            value, 0, "the request log limit is a number of requests to keep (0 or more) or None for all"
        )

    @property
    def payload_limit(self) -> int | None:
        """Bytes of a request payload or client frame the log keeps; larger ones are cut to this, with a
        note saying so (None: keep them whole). Tests read whole payloads, so no default."""
        return self._payload_limit

    @payload_limit.setter
    def payload_limit(self, value: int | None) -> None:
        self._payload_limit = _count_or_none(
            value, 1, "the request log's payload limit is a number of bytes (1 or more) or None for whole"
        )
        self._set_bounds()

    @property
    def event_limit(self) -> int | None:
        """Event types the log keeps per request: a longer stream keeps its first and last ones around
        a note of how many were left out (None: all). Tests read whole lists, so no default."""
        return self._event_limit

    @event_limit.setter
    def event_limit(self, value: int | None) -> None:
        self._event_limit = _count_or_none(
            value, 1, "the request log's event limit is a number of event types (1 or more) or None for all"
        )
        self._set_bounds()

    def _set_bounds(self) -> None:
        payload, events = self._payload_limit, self._event_limit
        self._bounds = None if payload is None and events is None else Bounds(payload, events)


def _count_or_none(value: int | None, least: int, what: str) -> int | None:
    """``value`` when it is None or an int of at least ``least`` (not a bool); else ValueError saying ``what``."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
        raise ValueError(f"{what}; got {value!r}")
    return value
