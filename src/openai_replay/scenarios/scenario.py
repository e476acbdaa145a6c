"""`Scenario`: an ordered list of rules, used as the server's `Source`.

For each request the first rule that matches and still has uses left answers it; a request no
rule matches goes to the fallback (the simulated model), or, with ``unmatched="fail"``, gets a 500
naming the request. Protocol rules still apply in front of a scenario (a real cache miss after a
reconnect stays a cache miss) unless its ``config`` turns them off. `verify()` reports rules that
fired a different number of times than declared, faults that never got their moment, and
requests that matched nothing when that is an error.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Literal

from openai_replay.errors import ApiError
from openai_replay.log import ConnectionRecord
from openai_replay.scenarios import values
from openai_replay.scenarios.match import Match, ScenarioError, describe_request
from openai_replay.scenarios.play import play
from openai_replay.scenarios.rules import Counted, HandshakeRule, IdleRule, Rule
from openai_replay.simulated import SimulatedModel
from openai_replay.source import Source, Turn
from openai_replay.steps import Fail, Step

Unmatched = Literal["simulate", "fail"]

#: The most rules (plain, handshake and idle together) one scenario may have. Checking a scenario
#: file costs 2-4 ms a rule on a busy 2-core machine (the JSON Schema; the shadowed-rule check is
#: one pass), so this bounds a load to seconds, which the control API spends off the event loop.
#: Real scenarios have tens of rules; one rule with a ``{min, max}`` range covers many requests.
MAX_RULES = 5_000


def too_many_rules(count: int) -> str:
    return (
        f"{count:,} rules is more than the {MAX_RULES:,} a scenario may have; split it, or let one rule "
        "match many requests (a {min, max} range, text_contains) instead of one rule per request"
    )


class Scenario:
    """A script of rules; pass it to ``FakeServer(source=...)`` or ``server.use(...)``."""

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        *,
        name: str = "scenario",
        description: str = "",
        unmatched: Unmatched = "simulate",
        config: Mapping[str, Any] | None = None,
        handshakes: Iterable[HandshakeRule] = (),
        idle: Iterable[IdleRule] = (),
        fallback: Source | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.unmatched: Unmatched = unmatched
        self.rules = list(rules)
        self.handshakes = list(handshakes)
        self.idle_rules = list(idle)
        self.config_overrides: dict[str, Any] = dict(config or {})
        self.fallback: Source = fallback or SimulatedModel()
        self._lock = threading.Lock()
        self._runtime: list[str] = []
        count = len(self.rules) + len(self.handshakes) + len(self.idle_rules)
        if count > MAX_RULES:
            raise ScenarioError([too_many_rules(count)], f"scenario '{name}'")
        for kind, group in (("rule", self.rules), ("handshake rule", self.handshakes), ("idle rule", self.idle_rules)):
            for index, rule in enumerate(group, 1):
                if rule.origin in ("rule", ""):
                    rule.origin = f"{kind} {index}"
        problems = self.problems()
        if problems:
            raise ScenarioError(problems, f"scenario '{name}'")

    # -- load-time checks --------------------------------------------------------------------------
    def problems(self) -> list[str]:
        found: list[str] = []
        if self.unmatched not in ("simulate", "fail"):
            found.append(f"unmatched: expected 'simulate' or 'fail', got {self.unmatched!r}")
        found += values.config(self.config_overrides)
        for rule in [*self.rules, *self.handshakes, *self.idle_rules]:
            found += [f"{rule.label()}: {p}" for p in rule.problems()]
        found += _shadowed(self.rules)
        return found

    # -- the Source protocol ------------------------------------------------------------------------
    def plan(self, turn: Turn) -> Iterator[Step]:
        # Not a generator: the rule is chosen when the server asks for the plan, and the steps come
        # straight from `play` (each generator level in between would run again for every event).
        rule = self._choose(turn)
        if rule is None:
            if self.unmatched == "fail":
                message = (
                    f"openai-replay scenario '{self.name}': no rule matched {describe_request(turn)}; "
                    "add a rule for it, or set unmatched to 'simulate'"
                )
                self._note(message)
                turn.record.answered_by = "no rule (unmatched: fail)"
                return iter([Fail(ApiError(500, message, type="server_error", code="scenario_unmatched"))])
            return self.fallback.plan(turn)
        turn.record.answered_by = rule.label()
        return play(
            rule.actions,
            turn,
            self.fallback,
            lambda problem: self._note(f"{rule.label()} on {describe_request(turn)}: {problem}"),
        )

    def _choose(self, turn: Turn) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if not rule.available():
                    continue
                try:
                    matched = rule.match.matches(turn)
                except Exception as exc:
                    self._runtime.append(f"{rule.label()}: its predicate raised {exc!r} on {describe_request(turn)}")
                    raise
                if matched:
                    rule.fired += 1
                    return rule
        return None

    def handshake(self, connection: ConnectionRecord, headers: Mapping[str, str]) -> ApiError | None:
        """Refuse the upgrade when a handshake rule selects this connection."""
        with self._lock:
            for rule in self.handshakes:
                if rule.available() and (rule.connection is None or connection.id in rule.connection):
                    rule.fired += 1
                    return rule.error.build()
        return None

    def idle(self, connection: ConnectionRecord, turns: int) -> list[Step] | None:
        """Frames to push on an idle connection, from the first idle rule that selects it."""
        with self._lock:
            for rule in self.idle_rules:
                if not rule.available():
                    continue
                if rule.connection is not None and connection.id not in rule.connection:
                    continue
                if rule.after_turns is not None and turns not in rule.after_turns:
                    continue
                rule.fired += 1
                return list(rule.steps())
        return None

    # -- after the run ------------------------------------------------------------------------------
    def verify(self) -> list[str]:
        """Everything that did not go as declared; empty when the scenario played out as written."""
        with self._lock:
            verdicts = [v for r in self.all_rules() if (v := r.verdict()) is not None]
            return verdicts + list(self._runtime)

    def reset(self) -> None:
        """Forget firing counts and problems (to run the same scenario again)."""
        with self._lock:
            for rule in self.all_rules():
                rule.fired = 0
            self._runtime.clear()

    def all_rules(self) -> list[Counted]:
        return [*self.rules, *self.handshakes, *self.idle_rules]

    def fired(self) -> dict[str, int]:
        """Each rule's label and how many times it fired so far."""
        with self._lock:
            return {r.label(): r.fired for r in self.all_rules()}

    def _note(self, problem: str) -> None:
        with self._lock:
            self._runtime.append(problem)

    def to_json(self) -> dict[str, Any]:
        """The scenario file for this scenario (``load_scenario`` of it gives the same scenario back)."""
        from openai_replay.scenarios.dump import scenario_to_json

        return scenario_to_json(self)

    def __repr__(self) -> str:
        return f"Scenario({self.name!r}, {len(self.rules)} rules)"


def _shadowed(rules: list[Rule]) -> list[str]:
    """Rules that can never match: an earlier rule with no 'times' limit and no predicate takes every
    request they would (it matches everything, or exactly the same selectors). One pass: unlimited
    rules are kept by their selectors (`Match` is hashable), so 50,000 rules take milliseconds, not
    the 1.25 billion comparisons of checking every pair."""
    found: list[str] = []
    first_catch_all: tuple[int, Rule] | None = None
    by_match: dict[Match, tuple[int, Rule]] = {}
    for index, rule in enumerate(rules):
        same = _lookup(by_match, rule.match)
        covering = [c for c in (first_catch_all, same) if c is not None]
        if covering:
            earlier = min(covering, key=lambda c: c[0])[1]
            found.append(
                f"{rule.label()}: can never match: {earlier.label()} comes first, matches "
                f"{'every request' if earlier.match.catch_all else 'the same requests'} and has no 'times' limit"
            )
        if rule.times is None and rule.match.where is None:
            if rule.match.catch_all and first_catch_all is None:
                first_catch_all = (index, rule)
            if same is None:
                try:
                    by_match[rule.match] = (index, rule)
                except TypeError:  # a selector value that cannot be hashed: it is just not compared
                    pass
    return found


def _lookup(by_match: dict[Match, tuple[int, Rule]], match: Match) -> tuple[int, Rule] | None:
    try:
        return by_match.get(match)
    except TypeError:
        return None
