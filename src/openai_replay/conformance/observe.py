"""What a check run observed, and the questions the scorecard answers about each turn.

A `Session` drives the adapter turn by turn, keeping the conversation history and noting which
requests in the server's log each turn caused. The helpers below read a turn back: did it end with
the right text, was text duplicated or silently lost, how many attempts, on which connections,
chained or with the full context.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

from openai_replay.conformance.adapter import Adapter, TurnResult
from openai_replay.conformance.conversation import CallOutput, Item, Msg, Tool
from openai_replay.log import RequestLog, RequestRecord

Status = Literal["pass", "fail", "n/a"]

#: How long a user may wait for an answer after an interruption, a cancel or a failed attempt that the
#: client retried (seconds): past about a second a voice user notices the silence. The fake server
#: answers at once, so the wait is the client's own (its backoff, a reconnect). A retry after a failure
#: that carried ``retry-after`` is allowed that delay on top (the client must honour it).
NEXT_ANSWER_BOUND = 1.0


@dataclass
class Verdict:
    """One scorecard cell: pass / fail / n/a, a one-line reason, and the facts behind it."""

    status: Status
    reason: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class TurnLog:
    """One turn: what the caller got, and which requests (1-based log numbers) it caused."""

    label: str
    result: TurnResult
    requests: list[int]
    expected: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"label": self.label, "expected": self.expected, "requests": self.requests, **self.result.as_json()}


class Session:
    """A conversation driven through one adapter against one server."""

    def __init__(self, adapter: Adapter, log: RequestLog, *, timeout: float = 10.0) -> None:
        self.adapter = adapter
        self.log = log
        self.timeout = timeout
        self.history: list[Item] = []
        self.turns: list[TurnLog] = []

    async def say(
        self,
        text: str,
        *,
        tools: list[Tool] | None = None,
        expected: str | None = None,
        interrupt_after: int | None = None,
        timeout: float | None = None,
        label: str | None = None,
    ) -> TurnLog:
        """The user says ``text``; by default the simulated model's answer is expected."""
        self.history.append(Msg("user", text))
        want = expected if expected is not None else f"You said: {text}"
        return await self.run(tools or [], expected=want, interrupt_after=interrupt_after, timeout=timeout, label=label)

    async def answer_calls(self, turn: TurnLog, output: str, *, tools: list[Tool], expected: str | None = None) -> TurnLog:
        """Send an output for every call ``turn`` surfaced (the tool round trip's second half)."""
        for call in turn.result.tool_calls:
            self.history.append(CallOutput(call.call_id, call.name, output))
        return await self.run(tools, expected=expected)

    async def run(
        self,
        tools: list[Tool],
        *,
        expected: str | None = None,
        interrupt_after: int | None = None,
        timeout: float | None = None,
        label: str | None = None,
    ) -> TurnLog:
        before = len(self.log)
        result = await self.adapter.turn(
            list(self.history), tools, timeout=timeout or self.timeout, interrupt_after=interrupt_after
        )
        await asyncio.sleep(0.05)  # let the server log what the client sent last
        # What an agent keeps: the (possibly partial) text it spoke, then the calls it will run.
        if result.text:
            self.history.append(Msg("assistant", result.text))
        self.history.extend(result.tool_calls)
        turn = TurnLog(
            label or f"turn {len(self.turns) + 1}",
            result,
            list(range(before + 1, len(self.log) + 1)),
            expected,
        )
        self.turns.append(turn)
        return turn

    def requests(self, turn: TurnLog) -> list[RequestRecord]:
        return [self.log.requests[n - 1] for n in turn.requests if n - 1 < len(self.log.requests)]


# -- reading a turn back -------------------------------------------------------------------------
def ok(turn: TurnLog) -> bool:
    """The turn ended normally with exactly the expected text."""
    return turn.result.ended == "done" and turn.expected is not None and turn.result.text.strip() == turn.expected


def duplicated(turn: TurnLog) -> bool:
    """Text reached the caller twice (a retry replayed what was already shown)."""
    text, want = turn.result.text, turn.expected or ""
    if not want or not text:
        return False
    head = want[: max(8, len(want) // 4)]
    return text.count(head) > 1 or (len(text) > len(want) and want in text)


def lost_silently(turn: TurnLog) -> bool:
    """The turn ended as if done, without the answer and without any error."""
    r = turn.result
    return r.ended == "done" and not r.errors and not r.tool_calls and r.text.strip() != (turn.expected or "")


def surfaced(turn: TurnLog) -> bool:
    return bool(turn.result.errors) or turn.result.ended == "error"


def attempts(session: Session, turn: TurnLog) -> str:
    """How the turn's requests went, e.g. ``2 requests: conn 1 chained -> conn 2 full context``."""
    reqs = session.requests(turn)
    if not reqs:
        return "no request"
    parts = []
    for r in reqs:
        where = f"conn {r.connection_id}" if r.connection_id is not None else "http"
        how = "chained" if r.chained else f"full context ({len(r.input_items)} items)"
        parts.append(f"{where} {how} [{r.outcome}]")
    return f"{len(reqs)} request{'s' * (len(reqs) != 1)}: " + " -> ".join(parts)


def first_error(turn: TurnLog) -> str:
    return turn.result.errors[0] if turn.result.errors else ""


def grade(session: Session, turn: TurnLog, *, must_recover: bool, later: list[TurnLog]) -> Verdict:
    """The common judgement for a faulted turn and the turns after it."""
    facts = turn_facts(session, turn, later)
    if turn.result.ended == "hung":
        return Verdict("fail", f"hung: still waiting after {turn.result.elapsed:.0f} s ({attempts(session, turn)})", facts)
    if duplicated(turn):
        return Verdict("fail", f"duplicated text: the caller got {turn.result.text[:60]!r}... ({attempts(session, turn)})", facts)
    broken = [t for t in later if not ok(t)]
    got = turn.result.text.strip()
    if got and turn.expected is not None and not turn.expected.startswith(got) and not ok(turn):
        return Verdict("fail", f"delivered text that is not the answer: {got[:60]!r} ({attempts(session, turn)})", facts)
    if ok(turn):
        if broken:
            return Verdict("fail", f"recovered, but {broken[0].label} failed: {describe(broken[0])}", facts)
        slow = slow_retry(session, turn, facts)
        if slow:
            return Verdict("fail", f"{slow}: {attempts(session, turn)}", facts)
        return Verdict("pass", f"recovered: {attempts(session, turn)}", facts)
    if lost_silently(turn):
        return Verdict("fail", f"lost the turn silently (got {turn.result.text[:40]!r}, no error)", facts)
    if must_recover:
        return Verdict("fail", f"did not recover: {describe(turn)} ({attempts(session, turn)})", facts)
    if broken:
        return Verdict("fail", f"surfaced the error, but {broken[0].label} failed: {describe(broken[0])}", facts)
    return Verdict("pass", f"surfaced the error ({first_error(turn)[:80]}); next turn worked", facts)


def retry_wait(session: Session, turn: TurnLog) -> tuple[float, float] | None:
    """For a turn answered after a retry: how long the user waited between each failed attempt's end and
    the next attempt, summed (the client's backoff and reconnects, all of them), and the delay the server
    asked for with those failures (their ``retry-after``). An attempt the server never ended (the client
    gave up on a silent stream) is left out: its wait is the client's timeout, which the stall checks
    judge. None without a timed retry."""
    reqs = session.requests(turn)
    waited, asked, timed = 0.0, 0.0, False
    for failed, retry in pairwise(reqs):
        ended = failed.terminal_at or failed.finished_at
        if ended is None:
            continue
        timed = True
        waited += max(0.0, retry.received_at - ended)
        asked += failed.retry_after or 0.0
    return (waited, asked) if timed else None


def slow_retry(session: Session, turn: TurnLog, facts: dict[str, Any]) -> str | None:
    """Why a retried turn kept its user waiting too long (past `NEXT_ANSWER_BOUND`, plus any
    ``retry-after`` the server asked for), or None; records the wait in ``facts`` either way."""
    found = retry_wait(session, turn)
    if found is None:
        return None
    wait, asked = found
    facts["retry_wait_s"] = round(wait, 2)
    bound = NEXT_ANSWER_BOUND + asked
    if wait <= bound:
        return None
    allowed = f"retry-after {asked:g} s + {NEXT_ANSWER_BOUND:g} s" if asked else f"{NEXT_ANSWER_BOUND:g} s"
    return f"recovered, but the retry came {wait:.1f} s after the failure (bound {allowed})"


def describe(turn: TurnLog) -> str:
    r = turn.result
    if r.ended == "hung":
        return f"hung after {r.elapsed:.0f} s"
    if r.errors:
        return f"{r.ended}: {r.errors[0][:100]}"
    return f"{r.ended}, text {r.text[:50]!r}"


def turn_facts(session: Session, turn: TurnLog, later: list[TurnLog]) -> dict[str, Any]:
    reqs = session.requests(turn)
    conns = [r.connection_id for r in reqs if r.connection_id is not None]
    return {
        "recovered": ok(turn),
        "attempts": len(reqs),
        "connections": sorted(set(conns)),
        "new_connection": len(set(conns)) > 1,
        "full_context_retry": any(not r.chained for r in reqs[1:]),
        "surfaced_error": surfaced(turn),
        "duplicated_text": duplicated(turn),
        "lost_text": not ok(turn) and not surfaced(turn) and turn.result.ended == "done",
        "hung": turn.result.ended == "hung",
        "later_turns_ok": all(ok(t) for t in later) if later else None,
        # Frames the client sent into a socket the server had already closed (nothing answered them).
        "discarded_after_close": sum(1 for f in list(session.log.frames) if f.discarded),
    }
