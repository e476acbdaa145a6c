"""Explore a real client: random fault schedules against a conformance adapter, judged by the invariants.

Each example is one `Scenario` drawn by `fault_schedules`, served by a fresh `FakeServer`, while the
adapter drives a short conversation through the client (every turn bounded). The invariants of
`openai_replay.log.invariants` are the oracles. Each broken invariant raises its own exception type,
so Hypothesis keeps one failure per invariant and shrinks each to its minimal schedule; the last
time an invariant breaks is the replay of that minimal schedule, which is what `explore_client`
returns. The same seed gives the same schedules (no example database is used).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from openai_replay.conformance.adapter import Adapter, Endpoint, describe
from openai_replay.conformance.observe import Session
from openai_replay.log.invariants import INVARIANTS, Violation, check_invariants
from openai_replay.log.timeline import render
from openai_replay.scenarios import Scenario
from openai_replay.server import FakeServer

__all__ = ["USER_TURNS", "ExploreError", "Finding", "explore_client", "run_schedule"]

#: What the user says, turn by turn (the simulated model answers "You said: ...").
USER_TURNS = ("First question", "Second question", "Third question", "Fourth question", "Fifth question")


class ExploreError(RuntimeError):
    """Explore could not give a trustworthy answer (say, a verdict that changed between two runs)."""


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


@dataclass
class Run:
    """What one schedule did to the client."""

    violations: list[Violation]
    timeline: str
    problems: list[str] = field(default_factory=list)


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


async def _drive(adapter_cls: type[Adapter], server: FakeServer, turns: int, turn_timeout: float) -> Run:
    adapter = adapter_cls(Endpoint(server.url, server.ws_url))
    session = Session(adapter, server.log, timeout=turn_timeout)
    problems: list[str] = []
    try:
        await asyncio.wait_for(adapter.open(), timeout=turn_timeout)
        for text in USER_TURNS[:turns]:
            await session.say(text)
    except Exception as exc:  # the harness could not drive the client: reported, never a pass
        problems.append(f"harness could not drive the client: {describe(exc)}")
    finally:
        with contextlib.suppress(BaseException):
            await asyncio.wait_for(adapter.close(), timeout=turn_timeout)
    await _settled(server)
    violations = check_invariants(server.log, [t.result for t in session.turns])
    return Run(violations, render(server.log, max_lines=80), problems)


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
) -> dict[str, Finding]:
    """The minimal failing schedule per broken invariant, over ``examples`` random schedules from ``seed``."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    from openai_replay.explore import DEFAULT_CLIENT_TIMEOUT, fault_schedules

    strategy = fault_schedules(
        max_faults=max_faults,
        faults=faults,
        turns=2 * turns + 1,  # room for a retry per turn
        transport=adapter_cls.transport,
        client_timeout=adapter_cls.client_timeout or DEFAULT_CLIENT_TIMEOUT,
    )
    findings: dict[str, Finding] = {}
    count = [0]

    @seeded(seed)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=False)
    @given(schedule=strategy)
    def prop(schedule: Scenario) -> None:
        count[0] += 1
        run = asyncio.run(run_schedule(adapter_cls, schedule, server=server, turns=turns, turn_timeout=turn_timeout))
        if run.problems:
            raise RuntimeError("; ".join(run.problems))
        if run.violations:
            first = run.violations[0].invariant
            lines = [str(v) for v in run.violations]
            findings[first] = Finding(first, schedule.to_json(), lines, run.timeline, count[0])
            raise BROKEN[first](lines[0])

    server = FakeServer()  # one server in its own thread, reset for every example
    server.start_in_thread()
    try:
        prop()
    except InvariantBroken:
        pass
    except BaseException as exc:  # several invariants broken (an exception group), or a harness problem
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
