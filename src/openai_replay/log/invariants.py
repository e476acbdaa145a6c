"""Generic invariants of a client's exchange: oracles that hold for any client under any faults.

Each reads the request log (and, for ``no_hang``, what the client surfaced per user turn) and returns
its `Violation` list; none needs to know the scenario. `assert_invariants` runs them together and
fails with the timeline, as ``openai_server.log.assert_invariants()`` does. Explore uses them as its
oracles, one name per invariant:

- ``no_hang``: every user turn got an answer or the client surfaced an error, within its bound (and
  did not end silently with neither);
- ``no_stale_chain``: no request chains on an id the server reported gone, or on a response that
  never finished (failed, cut off, abandoned);
- ``full_context_after_miss``: the retry after ``previous_response_not_found`` carries the whole
  conversation and no ``previous_response_id``;
- ``no_duplicated_or_lost_text``: what the client resends holds each assistant text once and loses
  none (chained: nothing the server already has; full context: the conversation so far as a prefix);
- ``one_in_flight``: never two responses in flight on one connection lane;
- ``bounded_retries``: no step tried more than ``max_attempts`` times, and no retry sooner than the
  ``retry-after`` the server sent.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from openai_replay.items import item_text
from openai_replay.log.exchange import KEPT, by_response_id, context_before, where
from openai_replay.log.recovery import too_early
from openai_replay.log.reproduce import check_full_context, previous_attempt, resent_items
from openai_replay.log.timeline import fail, offset, short_id

if TYPE_CHECKING:
    from openai_replay.log.journal import LogRecords
    from openai_replay.log.records import RequestRecord

__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "INVARIANTS",
    "Surfaced",
    "Violation",
    "assert_invariants",
    "bounded_retries",
    "check_invariants",
    "full_context_after_miss",
    "in_flight_problems",
    "no_duplicated_or_lost_text",
    "no_hang",
    "no_stale_chain",
    "one_in_flight",
]

#: Tries at one conversation step (the first plus retries) before a client should give up.
DEFAULT_MAX_ATTEMPTS = 4
CACHE_MISS = "previous_response_not_found"


class Ended(Protocol):
    """What a user turn looked like to the caller: ``ended`` is done, error, hung or abandoned."""

    @property
    def ended(self) -> str: ...


#: Per user turn, how it ended: an object with ``ended`` (a conformance `TurnResult`) or the word itself.
Surfaced = Sequence["Ended | str"]


@dataclass(frozen=True)
class Violation:
    """One broken invariant: its name, what happened, and the requests concerned (1-based)."""

    invariant: str
    message: str
    turns: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"[{self.invariant}] {self.message}"


def no_hang(log: LogRecords, surfaced: Surfaced | None = None) -> list[Violation]:
    """Every user turn ended with an answer or a surfaced error; none ran into the caller's bound, and
    none ended silently (done, with no text, no tool call and no error, when the turn says so)."""
    found = []
    for number, turn in enumerate(surfaced or (), 1):
        ended = turn if isinstance(turn, str) else turn.ended
        if ended == "done" and _silent(turn):
            found.append(
                Violation(
                    "no_hang",
                    f"user turn {number} ended silently: no answer, no tool call and no error reached the caller.",
                )
            )
        if ended == "hung":
            pending = [r.turn for r in list(log.requests) if r.outcome.kind == "pending"]
            found.append(
                Violation(
                    "no_hang",
                    f"user turn {number} hung: the client neither answered nor surfaced an error within its bound"
                    + (f" (requests still pending: {', '.join(f'#{t}' for t in pending)})" if pending else "")
                    + ".",
                    tuple(pending),
                )
            )
    return found


def _silent(turn: object) -> bool:
    """A turn that reports what it surfaced (``text``, ``tool_calls``, ``errors``) and surfaced nothing."""
    if not all(hasattr(turn, name) for name in ("text", "tool_calls", "errors")):
        return False
    return not (getattr(turn, "text") or getattr(turn, "tool_calls") or getattr(turn, "errors"))  # noqa: B009


def no_stale_chain(log: LogRecords, surfaced: Surfaced | None = None) -> list[Violation]:
    """No request chains on an id the server said is gone, or on a response that never finished."""
    found = []
    gone: dict[str, int] = {}
    index = by_response_id(log)
    for record in list(log.requests):
        prev = record.previous_response_id
        if prev and prev in gone:
            found.append(
                Violation(
                    "no_stale_chain",
                    f"request #{record.turn} chains on {short_id(prev)}, which the server reported gone "
                    f"({CACHE_MISS}) to request #{gone[prev]}; after a cache miss, send the full context.",
                    (gone[prev], record.turn),
                )
            )
        elif prev and (parent := index.get(prev)) is not None and parent.outcome.kind not in KEPT:
            found.append(
                Violation(
                    "no_stale_chain",
                    f"request #{record.turn} chains on {short_id(prev)}, the response of request #{parent.turn}, which "
                    f"ended {parent.outcome}: it was never finished, so there is nothing to continue from.",
                    (parent.turn, record.turn),
                )
            )
        if prev and record.outcome.code == CACHE_MISS:
            gone.setdefault(prev, record.turn)
    return found


def full_context_after_miss(log: LogRecords, surfaced: Surfaced | None = None) -> list[Violation]:
    """The retry after ``previous_response_not_found`` resends the whole conversation, unchained."""
    found = []
    requests = list(log.requests)
    for failed in requests:
        if failed.outcome.code != CACHE_MISS:
            continue
        retry = next((r for r in requests if r.turn > failed.turn and r.step_key() == failed.step_key()), None)
        if retry is None:
            continue  # the client gave up on the step: no_hang and the test's own checks judge that
        problem = check_full_context(log, retry, None)
        if problem:
            found.append(
                Violation(
                    "full_context_after_miss",
                    f"after the cache miss of request #{failed.turn}: {problem}",
                    (failed.turn, retry.turn),
                )
            )
    return found


def no_duplicated_or_lost_text(log: LogRecords, surfaced: Surfaced | None = None) -> list[Violation]:
    """What each request resends holds every assistant text once and loses none."""
    found = []
    for record in list(log.requests):
        if record.chained:
            known = context_before(log, record)
            resent = resent_items(record.input_items, known) if known else []
            if resent:
                found.append(
                    Violation(
                        "no_duplicated_or_lost_text",
                        f"request #{record.turn} resends what the server already has: {'; '.join(resent)}.",
                        (record.turn,),
                    )
                )
            continue
        earlier = previous_attempt(log, record)
        if earlier is not None and earlier.outcome.code == CACHE_MISS:
            continue  # full_context_after_miss judges that retry
        problem = _repeated_assistant_text(record) or check_full_context(log, record, None)
        if problem:
            found.append(Violation("no_duplicated_or_lost_text", problem, (record.turn,)))
    return found


def _repeated_assistant_text(record: RequestRecord) -> str | None:
    """Two assistant messages in a row where the first is the start of the second (a replay kept twice)."""
    texts = [
        (i, item_text(item))
        for i, item in enumerate(record.input_items)
        if item.get("type", "message") == "message" and item.get("role") == "assistant"
    ]
    for (i, first), (j, second) in itertools.pairwise(texts):
        if j == i + 1 and first and second.startswith(first):
            return (
                f"request #{record.turn} holds the assistant's text twice (items {i} and {j}): "
                f"{first[:40]!r} then {second[:40]!r}."
            )
    return None


def in_flight_problems(log: LogRecords) -> tuple[list[str], list[int]]:
    """Each time two responses were in flight on one connection lane, and the requests concerned."""
    last: dict[tuple[int, str | None], RequestRecord] = {}
    problems: list[str] = []
    marks: list[int] = []
    for record in list(log.requests):
        if record.connection_id is None:
            continue
        key = (record.connection_id, record.lane)
        before = last.get(key)
        last[key] = record
        if before is None:
            continue
        if before.terminal_at is None or record.received_at < before.terminal_at:
            ended = f"its terminal event came at {offset(log, before.terminal_at)}" if before.terminal_at else "it never ended"
            problems.append(
                f"two responses in flight on {where(record)}: request #{record.turn} arrived at "
                f"{offset(log, record.received_at)} while #{before.turn} was still in flight ({ended})."
            )
            marks += [before.turn, record.turn]
    return problems, marks


def one_in_flight(log: LogRecords, surfaced: Surfaced | None = None) -> list[Violation]:
    """Never two responses in flight on one connection lane."""
    problems, marks = in_flight_problems(log)
    return [Violation("one_in_flight", p, tuple(marks)) for p in problems]


def bounded_retries(
    log: LogRecords, surfaced: Surfaced | None = None, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS
) -> list[Violation]:
    """No step tried more than ``max_attempts`` times; no retry sooner than the ``retry-after`` sent."""
    found = []
    requests = list(log.requests)
    tries: dict[str, list[RequestRecord]] = {}
    for record in requests:
        tries.setdefault(record.step_key(), []).append(record)
        earlier = previous_attempt(log, record)
        if earlier is not None and (early := too_early(earlier, record)):
            found.append(Violation("bounded_retries", early, (earlier.turn, record.turn)))
    for same in tries.values():
        failed_tries = [r for r in same if r.attempt > 1 or r.outcome.kind not in KEPT]
        if len(same) > max_attempts and failed_tries:
            numbers = ", ".join(f"#{r.turn}" for r in same)
            found.append(
                Violation(
                    "bounded_retries",
                    f"one step was tried {len(same)} times ({numbers}), more than {max_attempts}: retries must stop.",
                    tuple(r.turn for r in same),
                )
            )
    return found


#: Every invariant by name, in the order they are checked (the first broken one names a failure).
INVARIANTS: dict[str, Callable[..., list[Violation]]] = {
    "no_hang": no_hang,
    "no_stale_chain": no_stale_chain,
    "full_context_after_miss": full_context_after_miss,
    "no_duplicated_or_lost_text": no_duplicated_or_lost_text,
    "one_in_flight": one_in_flight,
    "bounded_retries": bounded_retries,
}


def check_invariants(
    log: LogRecords,
    surfaced: Surfaced | None = None,
    *,
    only: Iterable[str] | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> list[Violation]:
    """Every violation of the invariants named in ``only`` (default: all), in `INVARIANTS` order."""
    names = list(INVARIANTS) if only is None else list(only)
    unknown = [n for n in names if n not in INVARIANTS]
    if unknown:
        raise ValueError(f"unknown invariant(s) {', '.join(map(repr, unknown))}; known: {', '.join(INVARIANTS)}")
    found: list[Violation] = []
    for name in names:
        extra: dict[str, Any] = {"max_attempts": max_attempts} if name == "bounded_retries" else {}
        found += INVARIANTS[name](log, surfaced, **extra)
    return found


def assert_invariants(
    log: LogRecords,
    surfaced: Surfaced | None = None,
    *,
    only: Iterable[str] | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> None:
    """Fail, with the timeline, when any invariant is broken (see the module docstring for the list)."""
    __tracebackhide__ = True
    found = check_invariants(log, surfaced, only=only, max_attempts=max_attempts)
    if found:
        marks = sorted({t for v in found for t in v.turns})
        fail(log, "invariants broken:\n" + "\n".join(f"  {v}" for v in found), turns=marks)
