"""`fault_schedules`: a Hypothesis strategy that draws ordinary `Scenario` objects full of faults.

Each drawn rule picks a request and a fault with its parameters. Everything is built from Hypothesis
primitives (``lists``, ``integers``, ``sampled_from``, ``one_of``), with every choice ordered so that
its simplest value comes first; Hypothesis's own shrinker then ends at the fewest rules, the earliest
request, the fewest events and the plainest fault. No shrinker is written here.

Only schedules the real server could produce are drawn: ``previous_response_not_found`` only on a
chained request and only before any event; ``websocket_connection_limit_reached`` only over
WebSocket, before any event, from some request of a connection on, for the rest of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hypothesis import strategies as st

from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import Match
from openai_replay.scenarios.rules import Rule
from openai_replay.scenarios.scenario import Scenario

__all__ = ["DEFAULT_CLIENT_TIMEOUT", "DEFAULT_FAULTS", "DEFAULT_TURNS", "FAULTS", "fault_schedules"]

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
    rule = _rule(kinds, top, transport, client_timeout)
    return st.lists(rule, max_size=max_faults).map(_schedule)


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


def _rule(kinds: tuple[str, ...], top: int, transport: str | None, timeout: float) -> st.SearchStrategy[Rule]:
    # one_of over one composite per kind (no flatmap): each rule is one span of choices, which
    # Hypothesis deletes whole and moves toward the first (plainest) kind.
    return st.one_of(*(_drawn_rule(kind, top, transport, timeout) for kind in kinds))


@st.composite
def _drawn_rule(draw: st.DrawFn, kind: str, top: int, transport: str | None, timeout: float) -> Rule:
    if kind == "error":
        return _error(draw, top, transport)
    if kind == "fail":
        match = _request(draw, top)
        return _once(match, a.FailResponse(code=draw(st.sampled_from(FAIL_CODES)), error_event=draw(st.booleans())))
    if kind == "incomplete":
        match = _request(draw, top)
        return _once(match, a.Text(PARTIAL), a.Incomplete(reason=draw(st.sampled_from(INCOMPLETE_REASONS))))
    if kind == "close":
        match = _request(draw, top)
        return _once(match, a.Close(code=draw(st.sampled_from(CLOSE_CODES)), after=_position(draw)))
    if kind == "stall":
        match = _request(draw, top)
        seconds = draw(st.sampled_from([round(f * timeout, 3) for f in STALL_FRACTIONS]))
        return _once(match, a.Stall(seconds=seconds, after=_position(draw)))
    action, lowest = _POSITIONED[kind]
    match = _request(draw, top)
    return _once(match, action(after=_position(draw, lowest)))  # type: ignore[call-arg]


# -- which request ---------------------------------------------------------------------------------
def _request(draw: st.DrawFn, top: int, *, chained: bool | None = None) -> Match:
    """One request: the next one (no turn) or request number n; chained or not; a first try or a retry."""
    lowest = 2 if chained else 1  # request 1 never chains
    turn = draw(st.one_of(st.none(), st.integers(lowest, max(lowest, top))))
    if chained is None:  # request 1 is never chained
        chained = draw(st.sampled_from((None, True, False) if turn != 1 else (None, False)))
    attempt = draw(st.sampled_from((None, 2))) if turn != 1 else None  # request 1 is never a retry
    return Match.build(turn=turn, chained=chained, attempt=attempt)


def _position(draw: st.DrawFn, lowest: int = 0) -> a.At:
    """Where in the stream: after 0-4 events (0: before response.created), or after the nth text delta.

    Every position exists in any streamed answer, so a drawn fault always gets its moment."""
    if draw(st.booleans()):
        return a.At(event=DELTA, nth=draw(st.integers(1, 2)))
    return a.At(events=draw(st.integers(lowest, 4)))


def _once(match: Match, *actions: a.Action) -> Rule:
    # optional: the client may end the conversation before the request a rule names.
    return Rule(times=1, optional=True, match=match, actions=tuple(actions))


# -- the faults ------------------------------------------------------------------------------------
def _error(draw: st.DrawFn, top: int, transport: str | None) -> Rule:
    codes = [*ERROR_CODES, CACHE_MISS] + ([CONNECTION_LIMIT] if transport != "http" else [])
    code = draw(st.sampled_from(codes))
    if code == CACHE_MISS:
        return _once(_request(draw, top, chained=True), a.Error(ErrorSpec(code=code)))
    if code == CONNECTION_LIMIT:
        return _connection_limit(draw(st.integers(1, 3)), draw(st.integers(1, top)), draw(st.sampled_from((None, 1000))))
    match = _request(draw, top)
    hints = draw(st.sampled_from(RETRY_HINTS)) if transport != "ws" else {}
    at = _position(draw, 1) if code in MID_STREAM_CODES and draw(st.booleans()) else None
    return _once(match, a.Error(ErrorSpec(code=code, **hints), after=at))


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
