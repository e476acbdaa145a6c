"""Assertions over the request log: did the client chain, resend, retry, reconnect and cancel right?

Each is a plain function taking the `LogRecords` first, and also a method of the log
(``server.log.assert_chained()``). They raise ``AssertionError`` with a message that says what
was wrong and prints the slice of the exchange concerned as a timeline (``>>`` marks the requests
the message talks about). Requests are named by their number in the log (``#3``), 1-based.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any, Literal

from openai_replay.log.bounds import needs_whole_log
from openai_replay.log.exchange import FAILED, KEPT, context_before, conversation_through, request, where
from openai_replay.log.history import assert_history_intact, assert_tool_results
from openai_replay.log.invariants import DEFAULT_MAX_ATTEMPTS, Surfaced, assert_invariants, in_flight_problems
from openai_replay.log.realtime import assert_calls_answered, assert_conversation_restored, assert_realtime_protocol
from openai_replay.log.recovery import assert_cancelled, assert_reconnected, assert_retried
from openai_replay.log.reproduce import check_full_context, resent_items
from openai_replay.log.timeline import fail, offset, render

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import ConnectionRecord, RequestRecord

__all__ = [
    "LogAssertions",
    "assert_all_closed",
    "assert_calls_answered",
    "assert_cancelled",
    "assert_chained",
    "assert_conversation_restored",
    "assert_full_context",
    "assert_history_intact",
    "assert_invariants",
    "assert_one_in_flight",
    "assert_realtime_protocol",
    "assert_reconnected",
    "assert_retried",
    "assert_tool_results",
    "chain_heads",
    "fail",
]


def chain_heads(log: LogRecords) -> dict[int, RequestRecord | None]:
    """For each request (by number): the response it should chain on, if any.

    That is the latest response kept on its connection and lane (completed, incomplete or
    cancelled); a failed turn that referenced it evicts it, as the server does.
    """
    heads: dict[tuple[int | None, str | None], RequestRecord | None] = {}
    result: dict[int, RequestRecord | None] = {}
    for record in list(log.requests):
        key = (record.connection_id, record.lane)
        head = heads.get(key)
        result[record.turn] = head
        if record.outcome.kind in KEPT and record.response_id:
            heads[key] = record
        elif record.outcome.kind in FAILED and head is not None and record.previous_response_id == head.response_id:
            heads[key] = None
    return result


def assert_chained(log: LogRecords, *turns: int) -> None:
    """Requests chain on the last completed response of their connection, sending only new input.

    With no ``turns``, every WebSocket request that follows a completed response on its connection
    (and lane) is checked; name turns to check those (HTTP ones included) and require that they chain.
    """
    __tracebackhide__ = True
    heads = chain_heads(log)
    if turns:
        targets = [request(log, t) for t in turns]
    else:
        targets = [r for r in list(log.requests) if r.connection_id is not None and heads.get(r.turn) is not None]
        if not targets:
            nothing = "assert_chained: nothing to check: no request followed a completed response on its connection."
            fail(log, nothing + _http_hint(log))
    problems: list[str] = []
    for record in targets:
        head = heads.get(record.turn)
        if head is None:
            problems.append(f"request #{record.turn} cannot chain: no completed response precedes it on {where(record)}.")
            continue
        expected = f"{head.response_id} (the last completed response on {where(record)}, from request #{head.turn})"
        if record.previous_response_id is None:
            problems.append(f"request #{record.turn} carries no previous_response_id; expected {expected}.")
        elif record.previous_response_id != head.response_id:
            problems.append(
                f"request #{record.turn} has previous_response_id={record.previous_response_id}, expected {expected}."
            )
        resent = resent_items(record.input_items, conversation_through(log, head))
        if resent:
            problems.append(
                f"request #{record.turn} resends what the server already has (chained requests send only new input): "
                + "; ".join(resent)
                + "."
            )
    if problems:
        fail(log, "\n".join(problems), turns=[r.turn for r in targets])


def _http_hint(log: LogRecords) -> str:
    """What to pass when the chained requests are HTTP ones, which are checked only when named."""
    chained = [r.turn for r in list(log.requests) if r.connection_id is None and r.previous_response_id]
    if not chained:
        return ""
    named = ", ".join(str(t) for t in chained)
    return (
        f" HTTP requests are checked only when named (they share no connection to chain on): "
        f"requests #{', #'.join(str(t) for t in chained)} carry previous_response_id, so call assert_chained({named})."
    )


def assert_full_context(log: LogRecords, turn: int, expected: Iterable[Any] | None = None) -> None:
    """Request ``turn`` carries no ``previous_response_id`` and its input is the whole conversation.

    The conversation is ``expected`` (items or a string) when given; otherwise it is worked out from
    the log: a retry must resend its step's whole conversation, any other request must start with
    the conversation of the latest completed response before it.
    """
    __tracebackhide__ = True
    record = request(log, turn)
    problem = check_full_context(log, record, expected)
    if problem:
        fail(log, problem, turns=[turn])


def assert_one_in_flight(log: LogRecords) -> None:
    """The client never had two responses in flight on one connection lane (it waited for the end)."""
    __tracebackhide__ = True
    problems, marks = in_flight_problems(log)
    if problems:
        fail(log, "\n".join(problems), turns=marks)


def assert_all_closed(log: LogRecords, *, wait: float = 1.0) -> None:
    """Every WebSocket connection was closed by the end (waits up to ``wait`` s for the server to notice)."""
    __tracebackhide__ = True
    deadline = time.monotonic() + wait
    while True:
        open_ = [c for c in list(log.connections) if c.closed_by is None]
        if not open_ or time.monotonic() >= deadline:
            break
        time.sleep(0.01)
    if open_:
        names = ", ".join(f"connection {c.id} (opened at {offset(log, c.opened_at)})" for c in open_)
        fail(
            log,
            f"{len(open_)} connection(s) still open at the end: {names}. Close each connection "
            "(e.g. leave the `async with client.responses.connect()` block) before the test ends.",
            connections=[c.id for c in open_],
        )


class LogAssertions:
    """The assertions as methods of `RequestLog` (``server.log.assert_chained()``).

    Each that reads requests fails with `LogIncomplete` when the log dropped or cut one (a bounded
    log: ``openai-replay serve``'s limits); `assert_all_closed` reads only connections, which the
    log never drops while open."""

    def request(self: Any, turn: int) -> RequestRecord:
        """Request number ``turn`` (1-based, as the timeline numbers them)."""
        return request(self, turn)

    def context_before(self: Any, turn: int) -> list[dict[str, Any]] | None:
        """The conversation the server held before request ``turn``'s input (None if its parent is unknown)."""
        return context_before(self, request(self, turn))

    def timeline(self: Any) -> str:
        """The exchange as readable lines in time order (the same view assertions print)."""
        return render(self)

    def render(self: Any, *, mark: Collection[int] = ()) -> str:
        """The exchange as a timeline (what a failing test's report shows)."""
        return render(self, mark=mark)

    @needs_whole_log
    def assert_chained(self: Any, *turns: int) -> None:
        """Requests chain on the last completed response of their connection (see `assert_chained`)."""
        __tracebackhide__ = True
        assert_chained(self, *turns)

    @needs_whole_log
    def assert_full_context(self: Any, turn: int, expected: Iterable[Any] | None = None) -> None:
        """Request ``turn`` resends the whole conversation (see `assert_full_context`)."""
        __tracebackhide__ = True
        assert_full_context(self, turn, expected)

    @needs_whole_log
    def assert_retried(
        self: Any,
        code: str,
        *,
        connection: Literal["same", "new", "any"] = "any",
        full_context: bool = True,
        max_attempts: int | None = None,
        min_delay: float | None = None,
    ) -> RequestRecord:
        """A correct retry after a failure with ``code`` (see `assert_retried`)."""
        __tracebackhide__ = True
        return assert_retried(
            self, code, connection=connection, full_context=full_context, max_attempts=max_attempts, min_delay=min_delay
        )

    @needs_whole_log
    def assert_reconnected(self: Any, *, after: str | None = None, full_context: bool = True) -> ConnectionRecord:
        """A new connection after a limit or close, chain state reset (see `assert_reconnected`)."""
        __tracebackhide__ = True
        return assert_reconnected(self, after=after, full_context=full_context)

    @needs_whole_log
    def assert_cancelled(self: Any, turn: int | None = None) -> RequestRecord:
        """``response.cancel`` for the response in flight, then a wait for its end (see `assert_cancelled`)."""
        __tracebackhide__ = True
        return assert_cancelled(self, turn)

    @needs_whole_log
    def assert_history_intact(self: Any, *turns: int) -> None:
        """Full-context requests resend every assistant output once, nothing lost (see `assert_history_intact`)."""
        __tracebackhide__ = True
        assert_history_intact(self, *turns)

    @needs_whole_log
    def assert_tool_results(self: Any, *turns: int) -> None:
        """Every tool result answers a call the server made, by its id (see `assert_tool_results`)."""
        __tracebackhide__ = True
        assert_tool_results(self, *turns)

    @needs_whole_log
    def assert_one_in_flight(self: Any) -> None:
        """Never two responses in flight on one lane (see `assert_one_in_flight`)."""
        __tracebackhide__ = True
        assert_one_in_flight(self)

    def assert_all_closed(self: Any, *, wait: float = 1.0) -> None:
        """Every connection closed by the end (see `assert_all_closed`)."""
        __tracebackhide__ = True
        assert_all_closed(self, wait=wait)

    @needs_whole_log
    def assert_realtime_protocol(self: Any) -> None:
        """Realtime: no create while active, no cancel with none, no truncate past the audio (see `assert_realtime_protocol`)."""
        __tracebackhide__ = True
        assert_realtime_protocol(self)

    @needs_whole_log
    def assert_calls_answered(self: Any) -> None:
        """Realtime: every function call answered by exactly one output (see `assert_calls_answered`)."""
        __tracebackhide__ = True
        assert_calls_answered(self)

    @needs_whole_log
    def assert_conversation_restored(self: Any) -> None:
        """Realtime: a new socket's first response sees the earlier conversation again (see `assert_conversation_restored`)."""
        __tracebackhide__ = True
        assert_conversation_restored(self)

    @needs_whole_log
    def assert_invariants(
        self: Any,
        surfaced: Surfaced | None = None,
        *,
        only: Iterable[str] | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        """No hang, no stale chain, full context after a miss, no duplicated or lost text, one in flight
        per lane, bounded retries that honour retry-after (see `openai_replay.log.invariants`)."""
        __tracebackhide__ = True
        assert_invariants(self, surfaced, only=only, max_attempts=max_attempts)
