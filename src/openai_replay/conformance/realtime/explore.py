"""Explore a Realtime client: random Realtime fault schedules, each broken invariant shrunk to a scenario file.

The Realtime counterpart of `conformance.explore`: each example is one `Scenario` drawn by
`realtime_schedules`, served by one `FakeServer` (reset for every example), while a *conversation*
(an async function that holds a few text turns through the client under test) runs against it,
bounded in time. The oracles:

- ``no_hang``: the conversation ends within its budget (a client waiting for an ending that never
  comes hangs its caller);
- ``turn_accounted``: every turn ends with the reply's text or an error the client surfaced, never
  with neither (a turn lost without a word);
- ``realtime_protocol``: the server's log holds `assert_realtime_protocol` (no ``response.create``
  while one is active, no ``response.cancel`` with none, no truncate past the audio sent).

Each broken invariant raises its own exception type, so Hypothesis shrinks each to its minimal
schedule; the last failing run of an invariant is the replay of that minimal schedule, which is what
`explore_realtime` returns (and `write_findings` saves as scenario files, ready for
``FakeServer(source=load_scenario(path))``). The same seed gives the same schedules.
"""

from __future__ import annotations

import asyncio
import importlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai_replay.scenarios import Scenario
from openai_replay.scenarios import actions as a
from openai_replay.server import FakeServer

__all__ = ["INVARIANTS", "Conversation", "RealtimeFinding", "TurnOutcome", "explore_realtime", "write_findings"]

INVARIANTS = ("no_hang", "turn_accounted", "realtime_protocol")
#: What the user says, turn by turn (the simulated model answers "You said: ...").
USER_TURNS = ("First question", "Second question", "Third question", "Fourth question")


@dataclass
class TurnOutcome:
    """What one turn gave the client's caller: the reply's text, or the error it surfaced."""

    text: str = ""
    error: str | None = None


#: A conversation: (server url, the user's turns) -> one outcome per turn. It appends to ``outcomes``
#: as it goes, so a hung conversation still shows what it did.
Conversation = Callable[[str, list[str], list[TurnOutcome]], Awaitable[None]]


@dataclass
class RealtimeFinding:
    invariant: str
    schedule: dict[str, Any]
    violation: str
    timeline: str
    examples: int = 0


@dataclass
class _Run:
    broken: list[tuple[str, str]] = field(default_factory=list)
    timeline: str = ""


class RealtimeInvariantBroken(AssertionError):
    """A broken invariant; one subclass per invariant, so Hypothesis tells the failures apart."""


BROKEN: dict[str, type[RealtimeInvariantBroken]] = {
    name: type(f"{name.title().replace('_', '')}Broken", (RealtimeInvariantBroken,), {}) for name in INVARIANTS
}


def _stalls(schedule: Scenario) -> float:
    return sum(x.wait for rule in schedule.rules for x in rule.actions if isinstance(x, a.Stall))


async def run_conversation(server: FakeServer, conversation: Conversation, schedule: Scenario, turns: int, budget: float) -> _Run:
    """Serve ``schedule`` on the reset ``server``, run the conversation, judge it."""
    schedule.reset()
    server.reset()
    server.use(schedule)
    outcomes: list[TurnOutcome] = []
    run = _Run()
    allowed = budget + _stalls(schedule)
    try:
        await asyncio.wait_for(conversation(server.url, list(USER_TURNS[:turns]), outcomes), allowed)
    except TimeoutError:
        run.broken.append(("no_hang", f"the conversation did not end in {allowed:.1f} s (turns done: {len(outcomes)})"))
    await asyncio.sleep(0.05)  # let the server log the client's last frames
    if not run.broken:
        for n, outcome in enumerate(outcomes, 1):
            if not outcome.text and not outcome.error:
                run.broken.append(("turn_accounted", f"turn {n} ended with neither a reply nor an error"))
                break
    try:
        server.log.assert_realtime_protocol()
    except AssertionError as exc:
        run.broken.append(("realtime_protocol", str(exc).splitlines()[0]))
    run.timeline = server.log.timeline()
    return run


def explore_realtime(
    conversation: Conversation,
    *,
    examples: int = 40,
    seed: int = 0,
    max_faults: int = 2,
    turns: int = 3,
    budget: float = 3.0,
    client_timeout: float = 1.0,
) -> dict[str, RealtimeFinding]:
    """The minimal failing schedule per broken invariant, within ``examples`` schedules from ``seed``.

    ``budget``: seconds a whole conversation may take (plus the schedule's stalls) before it counts
    as hung; ``client_timeout``: drawn stalls stay below it."""
    importlib.import_module("openai_replay.explore")  # without Hypothesis: an ImportError naming the extra
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    from openai_replay.explore.realtime import realtime_schedules

    findings: dict[str, RealtimeFinding] = {}
    count = [0]

    @seeded(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=True,
    )
    @given(schedule=realtime_schedules(max_faults=max_faults, turns=turns, client_timeout=client_timeout))
    def prop(schedule: Scenario) -> None:
        count[0] += 1
        run = asyncio.run(run_conversation(server, conversation, schedule, turns, budget))
        if run.broken:
            name, why = run.broken[0]
            findings[name] = RealtimeFinding(name, schedule.to_json(), why, run.timeline, count[0])
            raise BROKEN[name](why)

    server = FakeServer()
    server.start_in_thread()
    try:
        prop()
    except RealtimeInvariantBroken:
        pass
    except BaseException as exc:  # several invariants broken (an exception group), or our own failure
        inner = getattr(exc, "exceptions", None)
        if inner is None or not all(isinstance(e, RealtimeInvariantBroken) for e in inner):
            raise
    finally:
        server.stop_thread()
    return findings


def write_findings(findings: dict[str, RealtimeFinding], directory: Path) -> list[Path]:
    """Each finding's minimal schedule as a scenario file ``<invariant>.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, finding in findings.items():
        path = directory / f"{name}.json"
        body = dict(finding.schedule)
        body["description"] = f"minimal schedule that broke {name}: {finding.violation}"
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
