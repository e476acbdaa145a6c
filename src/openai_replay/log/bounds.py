"""When the request log is not whole: what a bounded log dropped or cut, and the loud failure for a
reader that needs it.

A long-running server keeps only the newest requests (``--log-limit``) and cuts large payloads,
output items and event lists (``--log-payload-limit``, ``--log-event-limit``), each with a note. An
assertion or a query that would read a dropped request or a cut part must not answer from what is
left: it raises `LogIncomplete`, which says what is missing and how to keep it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import RequestRecord

__all__ = ["ITEM_PARTS", "LogIncomplete", "cut_for_items", "dropped_problem", "needs_whole_log", "require_whole"]

#: The cut parts that change a request's items as assertions read them (its input and its output).
ITEM_PARTS = frozenset({"payload.input", "payload.messages", "payload.file", "output_items", "payload"})

#: How to keep more, for every message (the server's flags and the in-process keyword arguments).
RAISE_LIMITS = (
    "`openai-replay serve --log-limit N` (0 keeps all), `--log-payload-limit BYTES` and `--log-event-limit N` "
    "(0 keeps them whole), or FakeServer(log_limit=..., log_payload_limit=..., log_event_limit=...)"
)


class LogIncomplete(AssertionError):
    """The request log no longer holds what an assertion or query needs (the message says what and
    how to keep it). An AssertionError: the check cannot pass on partial data."""


def dropped_problem(log: LogRecords) -> str | None:
    """What the log dropped to stay within its limit, or None when it holds every request."""
    if not log.dropped:
        return None
    first = "#1" if log.dropped == 1 else f"#1-#{log.dropped}"
    kept = f" (it keeps the newest {log.limit:,})" if log.limit is not None else ""
    return (
        f"the request log dropped request(s) {first} to stay within its limit{kept}. Keep more with "
        + RAISE_LIMITS
        + ", or reset the log between tests (POST /__replay/reset, or a session per test with X-Replay-Session)"
    )


def cut_for_items(records: Iterable[RequestRecord]) -> list[RequestRecord]:
    """The records whose input or output items the log cut."""
    return [r for r in records if r.truncated and not ITEM_PARTS.isdisjoint(r.truncated)]


def require_whole(log: LogRecords, what: str) -> None:
    """Raise `LogIncomplete` when ``what`` (an assertion's name) would read a dropped request or a
    record whose items were cut."""
    __tracebackhide__ = True
    dropped = dropped_problem(log)
    if dropped:
        raise LogIncomplete(f"{what} cannot check a partial log: {dropped}.")
    cut = cut_for_items(list(log.requests))
    if cut:
        names = ", ".join(f"#{r.turn} ({', '.join(r.truncated)})" for r in cut[:5]) + (" ..." if len(cut) > 5 else "")
        raise LogIncomplete(
            f"{what} cannot check cut requests: the request log cut {names} to its size limits. "
            "Keep them whole with " + RAISE_LIMITS + "."
        )


F = TypeVar("F", bound=Callable[..., Any])


def needs_whole_log(method: F) -> F:
    """Make an assertion method of the log (``self`` is the log) fail loudly on a partial log."""

    @wraps(method)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        require_whole(self, method.__name__)
        return method(self, *args, **kwargs)

    return checked  # type: ignore[return-value]
