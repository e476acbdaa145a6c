"""`fault_schedules`: a Hypothesis strategy that draws ordinary `Scenario` objects full of faults.

Each drawn rule picks a request and a fault with its parameters. Everything is built from Hypothesis
primitives (``lists``, ``integers``, ``sampled_from``, ``one_of``), with every choice ordered so that
its simplest value comes first; Hypothesis's own shrinker then ends at the fewest rules, the earliest
request, the fewest events and the plainest fault. No shrinker is written here.

Swarm testing: each schedule first draws which of the fault kinds it may use (a random subset, the
whole set when the subset is empty), so a schedule made of one or two kinds, with repeated faults of
one kind, is common rather than rare. An error on a chained request is a protocol error (a cache
miss or the connection limit) rather than a generic code; a rule may also target the first request
of a new connection (the one right after a reconnect).

Only schedules the real server could produce are drawn: ``previous_response_not_found`` only on a
chained request and only before any event; ``websocket_connection_limit_reached`` only over
WebSocket, before any event, from some request of a connection on, for the rest of it.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import Match
from openai_replay.scenarios.rules import Rule
from openai_replay.scenarios.scenario import Scenario

__all__ = ["DEFAULT_CLIENT_TIMEOUT", "DEFAULT_FAULTS", "DEFAULT_TURNS", "FAULTS", "fault_schedules", "protocol_pairs"]

#: The fault kinds drawn unless ``faults`` says otherwise, plainest first (scenario action names).
DEFAULT_FAULTS = ("error", "fail", "incomplete", "close", "drop", "stall")
#: Every fault kind the strategy can draw: the defaults, then transport oddities.
FAULTS = (*DEFAULT_FAULTS, "cut", "malformed", "duplicate", "unknown_event", "binary")
#: Requests (1-based, server-wide) a rule may target unless ``turns`` says otherwise.
DEFAULT_TURNS = 6
#: A stall is always shorter than this (seconds), the read timeout a client under test is assumed
#: to have: a stall is a slow server, not a dead one. Pass ``client_timeout`` to match your client.
DEFAULT_CLIENT_TIMEOUT = 1.0
#: Stall lengths, as fractions of the client timeout, shortest first.
STALL_FRACTIONS = (0.05, 0.2, 0.5)

DELTA = "response.output_text.delta"
#: Request-level errors any request can get, plainest first.
ERROR_CODES = ("server_error", "rate_limit_exceeded", "server_is_overloaded", "insufficient_quota")
#: Errors that can also arrive mid-stream (an ``error`` event).
MID_STREAM_CODES = ("server_error", "rate_limit_exceeded")
CACHE_MISS = "previous_response_not_found"
CONNECTION_LIMIT = "websocket_connection_limit_reached"
#: What an HTTP error may say about retrying, plainest first.
RETRY_HINTS: tuple[dict[str, Any], ...] = ({}, {"retry_after_ms": 20}, {"retry_after_ms": 200}, {"should_retry": False})
CLOSE_CODES = (1011, 1000, 1001, 1012)
FAIL_CODES = ("server_error", "rate_limit_exceeded")
INCOMPLETE_REASONS = ("max_output_tokens", "content_filter")
PARTIAL = "A partial answer that stops before it is done"


def fault_schedules(
    *,
    max_faults: int = 3,
    faults: Iterable[str] | None = None,
    turns: int | None = None,
    transport: str | None = None,
    client_timeout: float = DEFAULT_CLIENT_TIMEOUT,
) -> st.SearchStrategy[Scenario]:
    """Scenarios of 0 to ``max_faults`` fault rules, for ``FakeServer(source=...)`` / ``openai_server.use(...)``.

    ``faults``: the kinds to draw, as scenario action names (default `DEFAULT_FAULTS`; all: `FAULTS`).
    ``turns``: the highest request number a rule may name (default `DEFAULT_TURNS`).
    ``transport``: ``"ws"`` or ``"http"`` when the client uses only one (``None``: faults valid on both,
    plus the WebSocket-only connection limit, which an HTTP client simply never meets).
    ``client_timeout``: stalls stay below it (default `DEFAULT_CLIENT_TIMEOUT` seconds).
    """
    kinds = _kinds(faults)
    if isinstance(max_faults, bool) or not isinstance(max_faults, int) or max_faults < 0:
        raise ValueError(f"fault_schedules: max_faults is a number of rules (0 or more), got {max_faults!r}")
    top = DEFAULT_TURNS if turns is None else turns
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"fault_schedules: turns is the highest request number a rule may name (1 or more), got {turns!r}")
    if transport not in (None, "ws", "http"):
        raise ValueError(f"fault_schedules: transport is 'ws', 'http' or None, got {transport!r}")
    if not client_timeout > 0:
        raise ValueError(f"fault_schedules: client_timeout is in seconds and above 0, got {client_timeout!r}")
    return _swarm(kinds, max_faults, top, transport, client_timeout)


@st.composite
def _swarm(draw: st.DrawFn, kinds: tuple[str, ...], most: int, top: int, transport: str | None, timeout: float) -> Scenario:
    """Swarm testing: this schedule's own subset of ``kinds`` first, then its rules from that subset.

    A kind is left out when its flag is True, so the flags shrink (to False) toward the whole set, and
    the rules' kind choices (simplest first within the subset) toward the plainest kind."""
    left_out = [draw(st.booleans()) for _ in kinds] if len(kinds) > 1 else [False]
    pool = tuple(k for k, out in zip(kinds, left_out, strict=False) if not out) or kinds
    rules = draw(st.lists(_drawn_rule(pool, top, transport, timeout), max_size=most))
    return _schedule(rules)


def _kinds(faults: Iterable[str] | None) -> tuple[str, ...]:
    if faults is None:
        return DEFAULT_FAULTS
    if isinstance(faults, str):
        faults = [faults]
    chosen = list(dict.fromkeys(faults))
    unknown = [f for f in chosen if f not in FAULTS]
    if unknown or not chosen:
        what = f"unknown fault kind(s) {', '.join(map(repr, unknown))}" if unknown else "no fault kind given"
        extra = "; these are scenario actions but not faults" if any(u in a.ACTIONS for u in unknown) else ""
        raise ValueError(f"fault_schedules: {what}{extra}; choose from {', '.join(FAULTS)}")
    return tuple(k for k in FAULTS if k in chosen)  # plainest first, whatever order they were given in


def _schedule(rules: list[Rule]) -> Scenario:
    kept: list[Rule] = []
    for rule in rules:
        if rule.times is None and any(r.times is None and r.match == rule.match for r in kept):
            continue  # the same "rest of the connection" twice: the first already covers it
        kept.append(rule)
    return Scenario(kept, name="explore", description="drawn by openai_replay.explore.fault_schedules")


@st.composite
def _drawn_rule(draw: st.DrawFn, kinds: tuple[str, ...], top: int, transport: str | None, timeout: float) -> Rule:
    """One rule from a fixed sequence of choices, each simplest at 0.

    Every rule draws the same choices in the same order whatever its kind, so when Hypothesis
    lowers one (a plainer kind, an earlier request) or deletes a whole rule, the rest still line up:
    that is what lets it shrink all the way to the plainest schedule."""
    kind = draw(st.sampled_from(kinds))
    numbered, number_drawn = draw(st.booleans()), draw(st.integers(1, top))
    turn = number_drawn if numbered else 0  # 0: the next request the other selectors match
    chained = draw(st.sampled_from((None, True, False)))
    attempt = draw(st.sampled_from((None, 2)))
    variant = draw(st.integers(0, 5))  # which code / reason / close code / stall length, plainest first
    hint = draw(st.integers(0, len(RETRY_HINTS) - 1))
    flag = draw(st.booleans())  # mid-stream error, error event before response.failed, close after the limit
    protocol = draw(st.booleans())  # a protocol error (cache miss, connection limit) rather than a generic one
    by_delta, number = draw(st.booleans()), draw(st.integers(0, 4))
    connection, from_request = draw(st.integers(1, 3)), draw(st.integers(1, top))
    fresh = draw(st.booleans()) and transport != "http"  # the first request of a new connection instead

    def pick(options: tuple[Any, ...] | list[Any]) -> Any:
        return options[variant % len(options)]

    def position(lowest: int = 0) -> a.At:
        # Every position exists in any streamed answer, so a drawn fault always gets its moment.
        return a.At(event=DELTA, nth=1 + number % 2) if by_delta else a.At(events=max(lowest, number))

    if kind == "error":
        # Protocol errors are half of all errors whatever the number of generic codes: they are what
        # chaining clients get wrong.
        # On a chained request an error is always a protocol error.
        protocols = [CACHE_MISS] + ([CONNECTION_LIMIT] if transport != "http" else [])
        code = pick(protocols) if protocol or chained else pick(ERROR_CODES)
        if code == CONNECTION_LIMIT:
            return _connection_limit(connection, from_request, 1000 if flag else None)
        if code == CACHE_MISS:  # only a chained request's first try can miss, and only before any event
            return _once(_request(turn, True, None), a.Error(ErrorSpec(code=code)))
        hints = RETRY_HINTS[hint] if transport != "ws" else {}
        at = position(1) if code in MID_STREAM_CODES and flag else None
        return _once(_request(turn, chained, attempt, fresh), a.Error(ErrorSpec(code=code, **hints), after=at))
    match = _request(turn, chained, attempt, fresh)
    if kind == "fail":
        return _once(match, a.FailResponse(code=pick(FAIL_CODES), error_event=flag))
    if kind == "incomplete":
        return _once(match, a.Text(PARTIAL), a.Incomplete(reason=pick(INCOMPLETE_REASONS)))
    if kind == "close":
        return _once(match, a.Close(code=pick(CLOSE_CODES), after=position()))
    if kind == "stall":
        return _once(match, a.Stall(seconds=round(pick(STALL_FRACTIONS) * timeout, 3), after=position()))
    action, lowest = _POSITIONED[kind]
    return _once(match, action(after=position(lowest)))  # type: ignore[call-arg]


# -- which request ---------------------------------------------------------------------------------
def _request(turn: int, chained: bool | None, attempt: int | None, fresh: bool = False) -> Match:
    """Request number ``turn`` (0: the next one matching); chained or not; a first try or a retry; or
    (``fresh``) the next first request of a connection after the first, the one right after a reconnect."""
    if fresh:
        return Match.build(connection={"min": 2}, turn_on_connection=1)
    if turn == 1:  # request 1 is neither chained nor a retry
        attempt = None
        if chained:
            turn = 0  # the next chained request instead
    return Match.build(turn=turn or None, chained=chained, attempt=attempt)


def _once(match: Match, *actions: a.Action) -> Rule:
    # optional: the client may end the conversation before the request a rule names.
    return Rule(times=1, optional=True, match=match, actions=tuple(actions))


# -- the systematic pass ---------------------------------------------------------------------------
def protocol_pairs(faults: Iterable[str] | None = None, transport: str | None = None) -> list[Scenario]:
    """Every pair (with repetition) of the protocol faults of ``faults`` where chaining clients go
    wrong, one schedule each: what explore tries before its random search. The faults: a cache miss,
    a server error and a close on the next chained request, a 429 and a close on a retry, and over
    WebSocket a 429 right after a reconnect and the connection limit."""
    kinds = _kinds(faults)
    ws = transport != "http"
    chained, retry = _request(0, True, None), _request(0, None, 2)
    members: list[tuple[str, Rule]] = [
        ("error", _once(chained, a.Error(ErrorSpec(code=CACHE_MISS)))),
        ("error", _once(chained, a.Error(ErrorSpec(code="server_error")))),
        ("error", _once(retry, a.Error(ErrorSpec(code="rate_limit_exceeded")))),
        ("close", _once(chained, a.Close(code=1011))),
        ("close", _once(retry, a.Close(code=1011))),
    ]
    if ws:
        members += [
            ("error", _once(_request(0, None, None, fresh=True), a.Error(ErrorSpec(code="rate_limit_exceeded")))),
            ("error", _connection_limit(1, 2, None)),
        ]
    rules = [rule for kind, rule in members if kind in kinds]
    # A copy of the second rule: a scenario keeps each rule's count by the rule itself.
    return [_schedule([first, copy.copy(second)]) for first, second in itertools.combinations_with_replacement(rules, 2)]


# -- the faults ------------------------------------------------------------------------------------
def _connection_limit(connection: int, from_request: int, close: int | None) -> Rule:
    """Connection n is over its time limit from its request k on, for the rest of that connection."""
    match = Match.build(connection=connection, turn_on_connection={"min": from_request})
    error = a.Error(ErrorSpec(code=CONNECTION_LIMIT))
    actions = (error, a.Close(close)) if close is not None else (error,)
    return Rule(optional=True, match=match, actions=actions)


#: Faults with only a position, and the lowest number of events it may be after.
_POSITIONED: dict[str, tuple[type[a.Action], int]] = {
    "drop": (a.Drop, 0),
    "cut": (a.Cut, 0),
    "malformed": (a.Malformed, 0),
    "duplicate": (a.Duplicate, 1),  # there is no event to repeat before the first
    "unknown_event": (a.UnknownEvent, 0),
    "binary": (a.BinaryFrame, 0),
}
