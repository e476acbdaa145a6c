"""`realtime_schedules`: a Hypothesis strategy that draws `Scenario` objects of Realtime faults.

The Realtime counterpart of `fault_schedules`: every rule selects one Realtime response
(``api: "realtime"``, by its number) and gives it one of the faults the Realtime layer serves, with
the same swarm testing (each schedule first picks its own subset of fault kinds) and the same
shrink order (every choice simplest at 0, so Hypothesis ends at the fewest rules, the earliest
response and the plainest fault). The kinds, plainest first:

- ``fail``: ``response.done`` with status ``failed`` (with ``error_event``: an ``error`` event first);
- ``incomplete``: a partial reply, then ``response.done`` with status ``incomplete``;
- ``error``: an ``error`` event by code, then the failed ``response.done``;
- ``no_usage``: the usual reply, its ``response.done`` without ``usage``;
- ``close``: the socket closed with a code, after some events of the reply;
- ``stall``: the reply pauses (shorter than the client's timeout);
- ``unknown_event``: an event of a type no client knows, mid-reply.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import Match
from openai_replay.scenarios.rules import Rule
from openai_replay.scenarios.scenario import Scenario

__all__ = ["REALTIME_FAULTS", "realtime_schedules"]

REALTIME_FAULTS = ("fail", "incomplete", "error", "no_usage", "close", "stall", "unknown_event")
FAIL_CODES = ("server_error", "rate_limit_exceeded")
ERROR_CODES = ("server_error", "rate_limit_exceeded", "invalid_request_error")
INCOMPLETE_REASONS = ("max_output_tokens", "content_filter")
CLOSE_CODES = (1011, 1000, 1001, 1012)
STALL_FRACTIONS = (0.05, 0.2, 0.5)
PARTIAL = "A partial answer that stops"


def realtime_schedules(
    *, max_faults: int = 2, faults: tuple[str, ...] | None = None, turns: int = 3, client_timeout: float = 1.0
) -> st.SearchStrategy[Scenario]:
    """Scenarios of 0 to ``max_faults`` rules, each a fault on Realtime response 1 to ``turns``.

    ``faults``: the kinds to draw (default every one of `REALTIME_FAULTS`); ``client_timeout``: stalls
    stay below it (seconds)."""
    kinds = REALTIME_FAULTS if faults is None else tuple(k for k in REALTIME_FAULTS if k in faults)
    unknown = sorted(set(faults or ()) - set(REALTIME_FAULTS))
    if unknown or not kinds:
        raise ValueError(f"realtime_schedules: unknown or no fault kinds {unknown}; choose from {', '.join(REALTIME_FAULTS)}")
    if isinstance(max_faults, bool) or not isinstance(max_faults, int) or max_faults < 0:
        raise ValueError(f"realtime_schedules: max_faults is a number of rules (0 or more), got {max_faults!r}")
    if isinstance(turns, bool) or not isinstance(turns, int) or turns < 1:
        raise ValueError(f"realtime_schedules: turns is the highest response number (1 or more), got {turns!r}")
    if not client_timeout > 0:
        raise ValueError(f"realtime_schedules: client_timeout is in seconds and above 0, got {client_timeout!r}")
    return _swarm(kinds, max_faults, turns, client_timeout)


@st.composite
def _swarm(draw: st.DrawFn, kinds: tuple[str, ...], most: int, turns: int, timeout: float) -> Scenario:
    left_out = [draw(st.booleans()) for _ in kinds] if len(kinds) > 1 else [False]
    pool = tuple(k for k, out in zip(kinds, left_out, strict=False) if not out) or kinds
    rules = draw(st.lists(_rule(pool, turns, timeout), max_size=most, unique_by=_turn_of))
    return Scenario(rules, name="explore-realtime", description="drawn by openai_replay.explore.realtime_schedules")


def _turn_of(rule: Rule) -> Any:
    return rule.match.turn  # one fault per response: a second rule for it would never fire


@st.composite
def _rule(draw: st.DrawFn, kinds: tuple[str, ...], turns: int, timeout: float) -> Rule:
    """One rule from the same choices in the same order whatever its kind (so shrinking lines up)."""
    kind = draw(st.sampled_from(kinds))
    turn = draw(st.integers(1, turns))
    variant = draw(st.integers(0, 5))
    flag = draw(st.booleans())
    events = draw(st.integers(0, 6))

    def pick(options: tuple[Any, ...]) -> Any:
        return options[variant % len(options)]

    actions: tuple[a.Action, ...]
    if kind == "fail":
        actions = (a.FailResponse(code=pick(FAIL_CODES), error_event=flag),)
    elif kind == "incomplete":
        actions = (a.Text(PARTIAL), a.Incomplete(reason=pick(INCOMPLETE_REASONS)))
    elif kind == "error":
        actions = (a.Error(ErrorSpec(code=pick(ERROR_CODES))),)
    elif kind == "no_usage":
        actions = (a.NoUsage(),)
    elif kind == "close":
        actions = (a.Close(code=pick(CLOSE_CODES), after=a.At(events=events)),)
    elif kind == "stall":
        actions = (a.Stall(seconds=round(pick(STALL_FRACTIONS) * timeout, 3), after=a.At(events=events)),)
    else:
        actions = (a.UnknownEvent(after=a.At(events=events)),)
    return Rule(times=1, optional=True, match=Match.build(api="realtime", turn=turn), actions=actions)
