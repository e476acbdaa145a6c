"""Rules: *which request* -> *what happens*, with how often each should fire, and their checks.

Three kinds: `Rule` answers a request; `HandshakeRule` refuses a WebSocket upgrade; `IdleRule`
pushes frames on a connection with nothing in flight. Each counts how often it fired:

- ``times=n``: the rule answers at most n requests, then steps aside (later rules or the fallback
  answer); fewer than n by the end is reported.
- ``expect=n``: the rule should fire exactly n times (no cap); any other count is reported.
- neither: firing zero times is reported, unless ``optional=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import IntSet, Match
from openai_replay.steps import Binary, Close, Drop, Emit, Fail, RawText, Sleep, Step

#: Close codes that must never appear in a close frame (RFC 6455 §7.4.1).
UNSENDABLE_CLOSE = {1005: "no status received", 1006: "closed without a close frame", 1015: "TLS failure"}
#: Actions an idle push may use (there is no response to put content in).
IDLE_ACTIONS = ("stall", "error", "event", "unknown_event", "malformed", "binary", "close", "drop")


@dataclass
class Counted:
    """What every rule has: a name, the declared count and the count so far."""

    name: str | None = None
    times: int | None = None
    expect: int | None = None
    optional: bool = False
    fired: int = field(default=0, compare=False)
    #: Where the rule was declared: ``rule 2`` or, from a file, ``$.rules[1]``.
    origin: str = field(default="rule", compare=False)

    def label(self) -> str:
        return f"{self.origin} '{self.name}'" if self.name else f"{self.origin} ({self._what()})"

    def _what(self) -> str:
        return "rule"

    def problems(self) -> list[str]:
        return self.count_problems()

    def available(self) -> bool:
        return self.times is None or self.fired < self.times

    def count_problems(self) -> list[str]:
        problems = []
        if self.times is not None and self.times < 1:
            problems.append(f"'times' is {self.times}, so the rule can never fire; remove it or use times >= 1")
        if self.expect is not None and self.expect < 0:
            problems.append(f"'expect' is {self.expect}; a count cannot be negative")
        if self.expect is not None and self.times is not None and self.expect > self.times:
            problems.append(f"expects {self.expect} firings but 'times' caps it at {self.times}: these contradict")
        if self.optional and self.expect:
            problems.append(f"'optional' and 'expect': {self.expect} contradict (optional means it may never fire)")
        return problems

    def verdict(self) -> str | None:
        """How the firing count differs from the declaration, or None when it matches."""
        n = self.fired
        if self.expect is not None and n != self.expect:
            return f"{self.label()}: declared to fire {_times(self.expect)}, fired {_times(n)}"
        if self.expect is None and self.times is not None and n < self.times and not self.optional:
            return f"{self.label()}: declared to fire {_times(self.times)}, fired {_times(n)}"
        if self.expect is None and self.times is None and n == 0 and not self.optional:
            return f"{self.label()}: never fired (no request matched; check its selectors, or mark it optional)"
        return None


def _times(n: int) -> str:
    return f"{n} time{'s' * (n != 1)}"


@dataclass
class Rule(Counted):
    """Answers the requests ``match`` selects with ``actions``."""

    match: Match = field(default_factory=Match)
    actions: tuple[a.Action, ...] = ()

    def _what(self) -> str:
        return self.match.describe()

    def problems(self) -> list[str]:
        found = self.count_problems()
        reason = self.match.impossible()
        if reason is not None:
            found.append(f"can never match: {reason}")
        return found + action_problems(self.actions)


@dataclass
class HandshakeRule(Counted):
    """Refuses the WebSocket upgrade of the selected connections with an HTTP error."""

    connection: IntSet | None = None
    error: ErrorSpec = field(default_factory=lambda: ErrorSpec(status=429))

    def _what(self) -> str:
        return f"handshake of connection {self.connection.describe()}" if self.connection else "every handshake"

    def problems(self) -> list[str]:
        found = self.count_problems()
        status = self.error.build().status
        if not 400 <= status <= 599:
            found.append(f"a refused handshake needs an error status (400-599), got {status}")
        if self.connection is not None and self.connection.empty:
            found.append("can never match: 'connection' selects no number at all")
        return found


@dataclass
class IdleRule(Counted):
    """Pushes ``actions`` on a connection with nothing in flight, after ``after_turns`` requests."""

    connection: IntSet | None = None
    #: Requests the connection has seen (0: right after it opened).
    after_turns: IntSet | None = None
    actions: tuple[a.Action, ...] = ()

    def _what(self) -> str:
        conn = f"connection {self.connection.describe()}" if self.connection else "any connection"
        turns = f" after {self.after_turns.describe()} requests" if self.after_turns else ""
        return f"idle {conn}{turns}"

    def problems(self) -> list[str]:
        found = self.count_problems()
        for selector, what in ((self.connection, "connection"), (self.after_turns, "after_turns")):
            if selector is not None and selector.empty:
                found.append(f"can never match: '{what}' selects no number at all")
        for action in self.actions:
            if action.kind not in IDLE_ACTIONS:
                found.append(f"'{action.kind}' cannot be pushed on an idle connection; use one of {', '.join(IDLE_ACTIONS)}")
            elif action.after is not None:
                found.append(f"'{action.describe()}': an idle push has no stream to count events in; drop 'after'")
        if not self.actions:
            found.append("pushes nothing: give at least one action (e.g. error, close)")
        return found + _ending_order(list(self.actions))

    def steps(self) -> Iterator[Step]:
        for action in self.actions:
            if isinstance(action, a.Stall):
                yield Sleep(action.wait)
            elif isinstance(action, a.Error):
                yield Fail(action.error.build(), action.error.header_values())
            elif isinstance(action, a.Event):
                yield Emit(dict(action.event))
            elif isinstance(action, a.UnknownEvent):
                yield Emit({"type": action.type, **action.fields})
            elif isinstance(action, a.Malformed):
                yield RawText(action.text)
            elif isinstance(action, a.BinaryFrame):
                yield Binary(action.data)
            elif isinstance(action, a.Close):
                yield Close(action.code, action.reason)
            elif isinstance(action, a.Drop):
                yield Drop()


def action_problems(actions: tuple[a.Action, ...]) -> list[str]:
    """Contradictions and impossible values in one rule's actions."""
    found: list[str] = []
    unpositioned = [x for x in actions if x.after is None and not isinstance(x, a.Slow)]
    found += _ending_order(unpositioned)
    if sum(isinstance(x, a.Slow) for x in actions) > 1:
        found.append("two 'slow' actions contradict each other: give one, with ttfb, delay and jitter together")
    enders = sorted((x for x in actions if x.after is not None and x.ends and x.after.event is None), key=_events_of)
    for later in enders[1:]:
        found.append(
            f"'{later.describe()}' can never happen: '{enders[0].describe()}' ends the stream first"
            if _events_of(later) > _events_of(enders[0])
            else f"'{later.describe()}' and '{enders[0].describe()}' both end the stream at the same point: keep one"
        )
    for x in actions:
        found += _value_problems(x)
    return found


def _events_of(action: a.Action) -> int:
    return (action.after.events or 0) if action.after is not None else 0


def _ending_order(actions: list[a.Action]) -> list[str]:
    """Nothing may follow close/drop/cut; only stall/close/drop may follow an ending."""
    for index, action in enumerate(actions):
        rest = actions[index + 1 :]
        if action.kind in a.FINAL and rest:
            return [f"'{rest[0].describe()}' can never happen: '{action.describe()}' before it ends the connection"]
        if action.role == "ending":
            bad = next((x for x in rest if x.kind not in a.AFTER_ENDING), None)
            if bad is not None:
                return [
                    f"'{bad.describe()}' can never happen: '{action.describe()}' before it ends the request "
                    f"(only {', '.join(sorted(a.AFTER_ENDING))} may follow an ending)"
                ]
    return []


def _value_problems(x: a.Action) -> list[str]:
    found = []
    if isinstance(x, a.Close) and x.code in UNSENDABLE_CLOSE:
        hint = "; use the 'drop' action for an abrupt close" if x.code == 1006 else ""
        found.append(f"close code {x.code} ({UNSENDABLE_CLOSE[x.code]}) cannot be sent in a close frame{hint}")
    if isinstance(x, a.Close) and not (1000 <= x.code <= 4999):
        found.append(f"close code {x.code} is outside 1000-4999")
    if isinstance(x, a.Error):
        status = x.error.build().status
        if not 400 <= status <= 599:
            found.append(f"'{x.describe()}': an error needs a status from 400 to 599, got {status}")
    if isinstance(x, a.Stall) and x.seconds < 0:
        found.append(f"stall of {x.seconds} s: seconds cannot be negative")
    if isinstance(x, a.Slow) and min(x.ttfb, x.delay, x.jitter) < 0:
        found.append("slow: ttfb, delay and jitter cannot be negative")
    chunk = getattr(x, "chunk", None)
    if chunk is not None and chunk < 1:
        found.append(f"'{x.describe()}': chunk must be at least 1 character")
    if isinstance(x, a.Duplicate) and x.after is not None and x.after.events == 0:
        found.append("duplicate before response.created has no event to repeat: give 'after' of 1 or more")
    return found
