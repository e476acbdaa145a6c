"""Explore a real client: random fault schedules against a conformance adapter, judged by the invariants.

Each example is one `Scenario` drawn by `fault_schedules`, served by a fresh `FakeServer`, while the
adapter drives a short conversation through the client (every turn bounded). The invariants of
`openai_replay.log.invariants` are the oracles. Each broken invariant raises its own exception type,
so Hypothesis keeps one failure per invariant and shrinks each to its minimal schedule; the last
time an invariant breaks is the replay of that minimal schedule, which is what `explore_client`
returns. Every other invariant a run breaks is recorded too (with the smallest schedule that broke
it), so no broken invariant is left out of the findings. The same seed gives the same schedules (no
example database is used).

A failure of the harness itself (the adapter's set-up, an exception in our code, a conversation that
sent no request at all) is never a finding about the client: explore stops and raises `HarnessError`
with the traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import traceback
from dataclasses import dataclass
from typing import Any

from openai_replay.conformance.adapter import Adapter, Endpoint
from openai_replay.conformance.observe import Session
from openai_replay.log.invariants import INVARIANTS, Violation, check_invariants
from openai_replay.log.timeline import render
from openai_replay.scenarios import Scenario
from openai_replay.server import FakeServer

__all__ = ["USER_TURNS", "ExploreError", "Finding", "HarnessError", "explore_client", "run_schedule"]

#: What the user says, turn by turn (the simulated model answers "You said: ...").
USER_TURNS = ("First question", "Second question", "Third question", "Fourth question", "Fifth question")


class ExploreError(RuntimeError):
    """Explore could not give a trustworthy answer (say, a verdict that changed between two runs)."""


class HarnessError(ExploreError):
    """The harness failed, not the client: adapter set-up, an exception in our own code, or a schedule
    whose conversation sent no request. ``details`` holds the traceback (or what the turns surfaced)."""

    def __init__(self, message: str, details: str = "", schedule: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.details = details
        self.schedule = schedule


class _Abort(BaseException):
    """Stops Hypothesis at once on a harness error (a BaseException, so it is not taken for a failure to shrink)."""


class InvariantBroken(AssertionError):
    """A broken invariant; one subclass per invariant, so Hypothesis tells the failures apart."""


BROKEN: dict[str, type[InvariantBroken]] = {
    name: type(f"{''.join(p.title() for p in name.split('_'))}Broken", (InvariantBroken,), {}) for name in INVARIANTS
}


@dataclass
class Finding:
    """The minimal schedule found for one invariant, what broke, and the exchange it caused."""

    invariant: str
    schedule: dict[str, Any]
    violations: list[str]
    timeline: str
    examples: int = 0
    #: How the schedule was found: "shrunk" (Hypothesis shrank it for this invariant), "alongside" (the
    #: smallest that broke it while another invariant was shrunk), "pairs" (the systematic pass, cut to
    #: one rule when one alone breaks it).
    found_by: str = "shrunk"

    @property
    def shrunk(self) -> bool:
        return self.found_by == "shrunk"


@dataclass
class Run:
    """What one schedule did to the client."""

    violations: list[Violation]
    timeline: str
    #: The harness's own failure, with its traceback: the run says nothing about the client.
    harness_error: str | None = None

    @property
    def broken(self) -> list[str]:
        """Every invariant the run broke, in `INVARIANTS` order."""
        names = {v.invariant for v in self.violations}
        return [name for name in INVARIANTS if name in names]


async def run_schedule(
    adapter_cls: type[Adapter],
    schedule: Scenario,
    *,
    server: FakeServer | None = None,
    turns: int = 3,
    turn_timeout: float = 4.0,
) -> Run:
    """Serve ``schedule`` on a clean server (``server`` reset, or a new one), drive ``turns`` user turns
    through the client, and judge them."""
    schedule.reset()
    if server is None:
        async with FakeServer(source=schedule) as fresh:
            return await _drive(adapter_cls, fresh, turns, turn_timeout)
    server.reset()
    server.use(schedule)
    return await _drive(adapter_cls, server, turns, turn_timeout)


#: Seconds the adapter's set-up and its close may take, each, before the harness gives up on them.
SETUP_BOUND = 10.0
#: Seconds a turn's cancel may take on top of its own bound (`Adapter.turn`).
CANCEL_BOUND = 5.0


async def _drive(adapter_cls: type[Adapter], server: FakeServer, turns: int, turn_timeout: float) -> Run:
    adapter = adapter_cls(Endpoint(server.url, server.ws_url))
    session = Session(adapter, server.log, timeout=turn_timeout)
    stage = ["set-up (adapter.open())"]

    async def body() -> None:
        # open() runs in this task, the one that runs the turns (not a child task): a client may bind
        # context that the turns must see (LiveKit's http session lives in a context variable).
        await adapter.open()
        stage[0] = "the conversation"
        try:
            for text in USER_TURNS[:turns]:
                await session.say(text)
        finally:
            stage[0] = "close (adapter.close())"
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(adapter.close(), timeout=SETUP_BOUND)

    budget = 2 * SETUP_BOUND + turns * (turn_timeout + CANCEL_BOUND + 1.0)
    error: str | None = None
    try:
        await asyncio.wait_for(body(), timeout=budget)
    except asyncio.TimeoutError:
        error = f"the harness exceeded its {budget:.0f} s budget during {stage[0]}"
    except Exception:  # the harness could not drive the client: never a verdict about it
        error = f"the harness failed during {stage[0]}:\n{traceback.format_exc().rstrip()}"
    await _settled(server)
    timeline = render(server.log, max_lines=80)
    if error is None and len(server.log) == 0:
        seen = [
            f"turn {n}: {t.result.ended}: {t.result.errors[0] if t.result.errors else repr(t.result.text)}"
            for n, t in enumerate(session.turns, 1)
        ]
        error = (
            "the conversation sent no request, so there is nothing to judge (the adapter never reached the "
            "server; check its set-up):\n" + "\n".join(seen)
        )
    if error is not None:
        return Run([], timeline, error)
    violations = check_invariants(server.log, [t.result for t in session.turns])
    return Run(violations, timeline)


async def _settled(server: FakeServer, bound: float = 1.0) -> None:
    """Wait until the server has logged how every request ended (at most ``bound`` s: a hung request
    stays pending), so a verdict never depends on how fast the server thread got there."""
    await asyncio.sleep(0.05)  # let the server log what the client sent last
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound
    while any(r.outcome.kind == "pending" for r in server.log) and loop.time() < deadline:
        await asyncio.sleep(0.01)


def explore_client(
    adapter_cls: type[Adapter],
    *,
    examples: int = 100,
    seed: int = 0,
    max_faults: int = 3,
    faults: Any = None,
    turns: int = 3,
    turn_timeout: float = 4.0,
    pairs: bool = True,
    stop_at_first: bool = False,
) -> dict[str, Finding]:
    """The minimal failing schedule per broken invariant, within ``examples`` schedules from ``seed``.

    ``pairs``: first try every pair of protocol faults (`protocol_pairs`, when ``max_faults`` >= 2),
    then spend the rest of the budget on the random search. ``stop_at_first``: stop at the first
    broken invariant, unshrunk (what the detection-rate measurement counts)."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seeded

    from openai_replay.explore import DEFAULT_CLIENT_TIMEOUT, fault_schedules, protocol_pairs

    strategy = fault_schedules(
        max_faults=max_faults,
        faults=faults,
        turns=2 * turns + 1,  # room for a retry per turn
        transport=adapter_cls.transport,
        client_timeout=adapter_cls.client_timeout or DEFAULT_CLIENT_TIMEOUT,
    )
    systematic = protocol_pairs(faults, adapter_cls.transport)[:examples] if pairs and max_faults >= 2 else []
    findings: dict[str, Finding] = {}
    count = [0]
    harness: list[HarnessError] = []

    def run(schedule: Scenario) -> Run:
        count[0] += 1
        result = asyncio.run(run_schedule(adapter_cls, schedule, server=server, turns=turns, turn_timeout=turn_timeout))
        if result.harness_error is not None:
            first_line = result.harness_error.splitlines()[0]
            harness.append(HarnessError(first_line, result.harness_error, schedule.to_json()))
            raise _Abort
        return result

    phases = [Phase.generate] if stop_at_first else [Phase.generate, Phase.shrink]

    @seeded(seed)
    @settings(
        max_examples=max(1, examples - len(systematic)),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        phases=phases,
        report_multiple_bugs=not stop_at_first,
    )
    @given(schedule=strategy)
    def prop(schedule: Scenario) -> None:
        result = run(schedule)
        if result.violations:
            record(findings, result, schedule.to_json(), count[0])
            raise BROKEN[result.broken[0]](str(result.violations[0]))

    server = FakeServer()  # one server in its own thread, reset for every example
    server.start_in_thread()
    try:
        for schedule in systematic:
            result = run(schedule)
            if result.violations:
                _pair_finding(findings, result, schedule, run, count[0])
                if stop_at_first:
                    return findings
        if len(systematic) < examples:
            prop()
    except _Abort:
        raise harness[0] from None
    except InvariantBroken:
        pass
    except BaseException as exc:  # several invariants broken (an exception group), or a harness problem
        if harness:
            raise harness[0] from None
        inner = getattr(exc, "exceptions", None)
        flaky = [e for e in [exc, *(inner or [])] if "Flaky" in type(e).__name__]  # FlakyFailure is a group too
        if not flaky and inner is not None and all(isinstance(e, InvariantBroken) for e in inner):
            return findings
        if flaky:
            raise ExploreError(
                "the same schedule gave different verdicts on two runs, so no minimal schedule can be trusted "
                f"(the client, or this machine's load, is not deterministic): {' '.join(str(flaky[0]).split())[:300]}"
            ) from exc
        raise
    finally:
        server.stop_thread()
    return findings


def _pair_finding(findings: dict[str, Finding], result: Run, pair: Scenario, run: Any, example: int) -> None:
    """A pair that broke invariants: each is recorded with the pair, or with one of its rules when that
    rule alone breaks it too (the whole shrinking a two-rule schedule needs), once a second run of the
    pair broke the same invariants (else `ExploreError`, as when Hypothesis finds a flaky verdict). The
    random search that follows replaces it with the schedule Hypothesis shrinks, if it breaks the same
    invariant."""
    again = run(pair)
    if again.broken != result.broken:
        raise ExploreError(
            "the same schedule gave different verdicts on two runs, so no minimal schedule can be trusted "
            f"(the client, or this machine's load, is not deterministic): {result.broken or 'nothing broken'} "
            f"then {again.broken or 'nothing broken'} for {json.dumps(pair.to_json()['rules'])[:200]}"
        )
    alone = {}
    for rule in pair.rules:
        single = Scenario([rule], name=pair.name, description=pair.description)
        alone[id(rule)] = (single, run(single))
    for name in result.broken:
        if name in findings:
            continue
        smaller = [(single, r) for single, r in alone.values() if name in r.broken]
        schedule, why = smaller[0] if smaller else (pair, result)
        lines = [str(v) for v in why.violations]
        findings[name] = Finding(name, schedule.to_json(), lines, why.timeline, example, "pairs")


def record(findings: dict[str, Finding], run: Run, schedule: dict[str, Any], example: int) -> None:
    """Note every invariant ``run`` broke. The one Hypothesis is shrinking (the first) always takes the
    latest schedule (its final replay is the minimal one); any other keeps the smallest schedule seen,
    unless Hypothesis shrank one for it."""
    lines = [str(v) for v in run.violations]
    for n, name in enumerate(run.broken):
        found = Finding(name, schedule, lines, run.timeline, example, "shrunk" if n == 0 else "alongside")
        old = findings.get(name)
        if n == 0 or old is None or (not old.shrunk and _size(schedule) < _size(old.schedule)):
            findings[name] = found


def _size(schedule: dict[str, Any]) -> tuple[int, int]:
    return len(schedule["rules"]), len(str(schedule["rules"]))
