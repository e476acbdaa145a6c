"""Assertions on recovery: retried after an error, reconnected after a limit or close, cancelled.

Part of `openai_replay.log.assertions` (import them from there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from openai_replay.log.exchange import KEPT, by_response_id, conversation_through, where
from openai_replay.log.reproduce import check_reproduces, step_conversation
from openai_replay.log.timeline import fail, offset, short_id

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
from openai_replay.log.records import ConnectionRecord, FrameRecord, RequestRecord

__all__ = ["assert_cancelled", "assert_reconnected", "assert_retried", "too_early"]

#: Clock jitter allowed when checking a retry delay (an SDK's sleep can wake a hair early).
DELAY_TOLERANCE = 0.005


def _ended_at(record: RequestRecord) -> float:
    return record.terminal_at or record.finished_at or record.received_at


def assert_retried(
    log: LogRecords,
    code: str,
    *,
    connection: Literal["same", "new", "any"] = "any",
    full_context: bool = True,
    max_attempts: int | None = None,
    min_delay: float | None = None,
) -> RequestRecord:
    """After a failure with error ``code``, the client retried the same step, correctly.

    For every request that failed with ``code``: the next try at the same conversation step exists
    (unless ``max_attempts`` were used up), on the ``same`` or a ``new`` connection if asked, with
    the whole conversation and no ``previous_response_id`` (``full_context``), at least ``min_delay``
    seconds after the failure (default: the ``retry-after`` the server sent, if any); and the step
    was tried at most ``max_attempts`` times in all. Returns the first retry.
    """
    __tracebackhide__ = True
    requests = list(log.requests)
    failures = [r for r in requests if r.outcome.code == code]
    if not failures:
        seen = sorted({str(r.outcome) for r in requests}) or ["no requests at all"]
        fail(log, f"assert_retried: no request failed with {code!r}; outcomes seen: {', '.join(seen)}.")
    problems: list[str] = []
    marks: set[int] = set()
    first_retry: RequestRecord | None = None
    for failed in failures:
        key = failed.step_key()
        retry = next((r for r in requests if r.turn > failed.turn and r.step_key() == key), None)
        if max_attempts is not None and failed.attempt >= max_attempts:
            continue
        marks.add(failed.turn)
        if retry is None:
            after = next((r for r in requests if r.turn > failed.turn), None)
            moved_on = f" the next request, #{after.turn}, performs a different step" if after else " no request followed it"
            problems.append(f"missing retry: request #{failed.turn} failed with {code!r} and was never retried:{moved_on}.")
            continue
        marks.add(retry.turn)
        first_retry = first_retry or retry
        problems += _check_retry(log, failed, retry, connection, full_context, min_delay)
    if max_attempts is not None:
        for failed in failures:
            tries = [r for r in requests if r.step_key() == failed.step_key()]
            if len(tries) > max_attempts:
                marks.update(r.turn for r in tries)
                numbers = ", ".join(f"#{r.turn}" for r in tries)
                problems.append(
                    f"too many retries: the step was tried {len(tries)} times ({numbers}), at most {max_attempts} allowed."
                )
                break
    if problems:
        fail(log, "\n".join(problems), turns=sorted(marks))
    if first_retry is None:
        fail(log, f"assert_retried: every failure with {code!r} was a last allowed attempt; nothing was retried.")
    return first_retry


def _check_retry(
    log: LogRecords,
    failed: RequestRecord,
    retry: RequestRecord,
    connection: str,
    full_context: bool,
    min_delay: float | None,
) -> list[str]:
    problems: list[str] = []
    if connection == "same" and retry.connection_id != failed.connection_id:
        problems.append(
            f"request #{retry.turn} retried on {where(retry)}; expected the same connection as #{failed.turn} ({where(failed)})."
        )
    if connection == "new":
        conn = _connection(log, retry.connection_id)
        if conn is None or retry.connection_id == failed.connection_id or conn.opened_at < _ended_at(failed):
            problems.append(
                f"request #{retry.turn} retried on {where(retry)}; expected a new connection opened after #{failed.turn} failed."
            )
    if full_context:
        if retry.previous_response_id:
            problems.append(
                f"request #{retry.turn} retried with previous_response_id={retry.previous_response_id}; "
                "expected full context (the whole conversation, no previous_response_id)."
            )
        else:
            want = step_conversation(log, failed)
            problem = check_reproduces(retry, want, f"the conversation of request #{failed.turn}'s step", exact=True)
            if problem:
                problems.append(problem)
    early = too_early(failed, retry, min_delay)
    if early:
        problems.append(early)
    return problems


def too_early(failed: RequestRecord, retry: RequestRecord, min_delay: float | None = None) -> str | None:
    """Why ``retry`` came sooner than ``min_delay`` (default: the retry-after ``failed`` got), or None."""
    wait = min_delay if min_delay is not None else failed.retry_after
    if not wait:
        return None
    gap = retry.received_at - _ended_at(failed)
    if gap + DELAY_TOLERANCE >= wait:
        return None
    source = "the test asked" if min_delay is not None else "the server asked for (retry-after)"
    return f"retried too early: request #{retry.turn} came {gap:.3f}s after #{failed.turn} failed; {source} at least {wait:g}s."


def _connection(log: LogRecords, connection_id: int | None) -> ConnectionRecord | None:
    return next((c for c in list(log.connections) if c.id == connection_id), None)


def _triggers(log: LogRecords, after: str | None) -> list[tuple[float, int, RequestRecord | None, str]]:
    """(when, old connection, the request that was cut off or refused, what happened)."""
    found: list[tuple[float, int, RequestRecord | None, str]] = []
    for r in list(log.requests):
        if r.connection_id is None:
            continue
        closed = r.outcome.kind in ("closed_by_server", "dropped")
        if (
            (after is None and (closed or r.outcome.code == "websocket_connection_limit_reached"))
            or (after == "close" and closed)
            or (after not in (None, "close") and r.outcome.code == after)
        ):
            found.append((_ended_at(r), r.connection_id, r, f"request #{r.turn} ended {r.outcome}"))
    if after in (None, "close"):
        busy = {t[1] for t in found}
        for c in list(log.connections):
            if c.closed_by == "server" and c.id not in busy and c.handshake_status is None and c.closed_at is not None:
                found.append((c.closed_at, c.id, None, f"the server closed connection {c.id} ({c.close_code})"))
    return sorted(found, key=lambda t: t[0])


def assert_reconnected(log: LogRecords, *, after: str | None = None, full_context: bool = True) -> ConnectionRecord:
    """After a connection limit or a server close, the client opened a new connection and started over.

    ``after`` picks the trigger: an error code, ``"close"`` (closed or dropped by the server), or
    None for the first of either. On the new connection the first request must not chain on a
    response that lived only in the old connection's cache (``store: false``); with
    ``full_context`` it must carry no ``previous_response_id`` and resend the whole conversation.
    Returns the new connection.
    """
    __tracebackhide__ = True
    triggers = _triggers(log, after)
    if not triggers:
        wanted = f"with {after!r}" if after not in (None, "close") else "by a connection limit or a server close"
        fail(log, f"assert_reconnected: no connection ended {wanted}, so there was nothing to reconnect after.")
    at, old, cut, what = triggers[0]
    marks = [cut.turn] if cut else []
    new = next((c for c in list(log.connections) if c.id != old and c.opened_at >= at and c.handshake_status is None), None)
    if new is None:
        fail(
            log,
            f"no reconnect: {what} at {offset(log, at)} on connection {old}, and no new connection was opened after it.",
            turns=marks,
            connections=[old],
        )
    first = next((r for r in list(log.requests) if r.connection_id == new.id), None)
    if first is None:
        fail(
            log, f"connection {new.id} was opened after {what}, but no request was sent on it.", turns=marks, connections=[new.id]
        )
    marks.append(first.turn)
    if first.previous_response_id:
        parent = by_response_id(log).get(first.previous_response_id)
        if parent is None or (parent.connection_id == old and parent.payload.get("store") is False):
            lived = (
                "an id the server never issued"
                if parent is None
                else f"a store=false response that lived only in connection {old}'s cache"
            )
            fail(
                log,
                f"chain state not reset: request #{first.turn} on connection {new.id} chains on "
                f"{short_id(first.previous_response_id)}, {lived}.",
                turns=marks,
            )
        if full_context:
            fail(
                log,
                f"request #{first.turn} on connection {new.id} carries previous_response_id="
                f"{first.previous_response_id}; expected full context after reconnecting.",
                turns=marks,
            )
    if full_context:
        if cut is not None and cut.outcome.kind not in KEPT:
            problem = check_reproduces(
                first, step_conversation(log, cut), f"the conversation of request #{cut.turn}'s step", exact=True
            )
        else:
            kept = [r for r in list(log.requests) if r.connection_id == old and r.outcome.kind in KEPT]
            problem = (
                check_reproduces(first, conversation_through(log, kept[-1]), "the conversation so far", exact=False)
                if kept
                else None
            )
        if problem:
            fail(log, problem, turns=marks)
    return new


def assert_cancelled(log: LogRecords, turn: int | None = None) -> RequestRecord:
    """``response.cancel`` was sent while a response was in flight, and the client then waited for it.

    The cancel must name (if it names any) the response in flight on its connection, and the next
    request on that connection must come after that response's terminal event. ``turn`` picks the
    cancelled request; by default the first cancel is checked. Returns the cancelled request.
    """
    __tracebackhide__ = True
    cancels = [f for f in list(log.frames) if f.type == "response.cancel"]
    if not cancels:
        fail(log, "no response.cancel was sent: the client never cancelled a response.")
    checked: list[tuple[FrameRecord, RequestRecord | None]] = [(frame, _in_flight(log, frame)) for frame in cancels]
    if turn is not None:
        picked: list[tuple[FrameRecord, RequestRecord | None]] = [(f, r) for f, r in checked if r is not None and r.turn == turn]
        if not picked:
            fail(log, f"no response.cancel was sent while request #{turn} was in flight.", turns=[turn])
        checked = picked
    frame, target = checked[0]
    if target is None:
        fail(
            log,
            f"response.cancel at {offset(log, frame.received_at)} on connection {frame.connection_id} "
            "came with no response in flight.",
            connections=[frame.connection_id],
        )
    named = frame.data.get("response_id") if isinstance(frame.data, dict) else None
    if named and named != target.response_id:
        fail(
            log,
            f"response.cancel named {named}, but the response in flight was {target.response_id} (request #{target.turn}).",
            turns=[target.turn],
        )
    nxt = next(
        (
            r
            for r in list(log.requests)
            if r.turn > target.turn and r.connection_id == target.connection_id and r.lane == target.lane
        ),
        None,
    )
    if nxt is not None and (target.terminal_at is None or nxt.received_at < target.terminal_at):
        ended = f"at {offset(log, target.terminal_at)}" if target.terminal_at else "never"
        fail(
            log,
            f"request #{nxt.turn} was sent at {offset(log, nxt.received_at)}, before the cancelled response #{target.turn} "
            f"ended (its terminal event came {ended}): after response.cancel, wait for the terminal event.",
            turns=[target.turn, nxt.turn],
        )
    return target


def _in_flight(log: LogRecords, frame: FrameRecord) -> RequestRecord | None:
    lane = frame.data.get("stream_id") if isinstance(frame.data, dict) else None
    for r in list(log.requests):
        if r.connection_id != frame.connection_id or r.lane != (lane or None) or r.received_at > frame.received_at:
            continue
        if r.terminal_at is None or r.terminal_at >= frame.received_at:
            return r
    return None
