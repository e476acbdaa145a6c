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
``FakeServer(source=load_scenario(path))``). Every other invariant a run breaks is recorded too (with
the smallest schedule that broke it), so none is left out. The same seed gives the same schedules.

A failure of the harness itself (an exception escaping the conversation driver or our own code, a
conversation that asked for no response at all) is never a finding about the client: explore stops
and raises `HarnessError` with the traceback. `CLIENTS` names the Realtime clients that have a
conversation driver (what ``openai-replay explore --client`` accepts).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openai_replay.conformance.explore import ExploreError, HarnessError
from openai_replay.scenarios import Scenario
from openai_replay.scenarios import actions as a
from openai_replay.server import FakeServer

__all__ = [
    "CLIENTS",
    "INVARIANTS",
    "Conversation",
    "RealtimeClient",
    "RealtimeFinding",
    "TurnOutcome",
    "explore_realtime",
    "write_findings",
]

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


@dataclass(frozen=True)
class RealtimeClient:
    """A Realtime client explore can drive: its conversation (``module:function`` under
    ``openai_replay.conformance.adapters``) and what must be installed for it."""

    name: str
    conversation: str
    #: The pyproject extra that installs it (``conformance-<extra>``) and the venv it runs in.
    extra: str
    #: A module that is importable only when the client is installed.
    probe: str

    def load(self) -> Conversation:
        module, func = self.conversation.split(":")
        loaded: Conversation = getattr(importlib.import_module(f"openai_replay.conformance.adapters.{module}"), func)
        return loaded

    def missing(self) -> str | None:
        """Why the client cannot run in this interpreter, or None."""
        try:
            found = importlib.util.find_spec(self.probe) is not None
        except ModuleNotFoundError:
            found = False
        return None if found else f"{self.probe} is not importable here (pip install -e '.[conformance-{self.extra}]')"


#: The Realtime clients with a conversation driver. The frameworks' Realtime drivers (LiveKit, Pipecat,
#: VideoSDK) run the conformance checks only; they have no conversation for explore yet.
CLIENTS = {c.name: c for c in [RealtimeClient("openai-realtime", "realtime_openai:converse", "openai", "openai")]}


@dataclass
class RealtimeFinding:
    invariant: str
    schedule: dict[str, Any]
    violation: str
    timeline: str
    examples: int = 0
    #: "shrunk" (Hypothesis shrank it for this invariant) or "alongside" (the smallest schedule that
    #: broke it while another invariant was shrunk).
    found_by: str = "shrunk"


@dataclass
class _Run:
    broken: list[tuple[str, str]] = field(default_factory=list)
    timeline: str = ""
    #: The harness's own failure, with its traceback: the run says nothing about the client.
    harness_error: str | None = None


class _Abort(BaseException):
    """Stops Hypothesis at once on a harness error (a BaseException, so it is not taken for a failure to shrink)."""


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
    except Exception:  # the driver must turn the client's errors into outcomes: what escapes is ours
        run.harness_error = f"the conversation driver raised:\n{traceback.format_exc().rstrip()}"
    await asyncio.sleep(0.05)  # let the server log the client's last frames
    if run.harness_error is None and not any(r.api == "realtime" for r in server.log):
        seen = [f"turn {n}: {o.error or repr(o.text)}" for n, o in enumerate(outcomes, 1)] + [why for _, why in run.broken]
        run.harness_error = "\n".join(
            ["the conversation asked for no response, so there is nothing to judge (check the driver's set-up)", *seen]
        )
    if run.harness_error is not None:
        run.timeline = server.log.timeline()
        return run
    if not run.broken:
        for n, outcome in enumerate(outcomes, 1):
            if not outcome.text and not outcome.error:
                run.broken.append(("turn_accounted", f"turn {n} ended with neither a reply nor an error"))
                break
    try:
        server.log.assert_realtime_protocol()
    except AssertionError as exc:
        lines = str(exc).splitlines()  # the heading, then what broke (the timeline follows a blank line)
        run.broken.append(("realtime_protocol", " ".join(lines[: lines.index("")] if "" in lines else lines[:2])))
    run.timeline = server.log.timeline()
    return run


def explore_realtime(
    conversation: Conversation,
    *,
    examples: int = 40,
    seed: int = 0,
    max_faults: int = 2,
    faults: tuple[str, ...] | None = None,
    turns: int = 3,
    budget: float = 3.0,
    client_timeout: float = 1.0,
) -> dict[str, RealtimeFinding]:
    """The minimal failing schedule per broken invariant, within ``examples`` schedules from ``seed``.

    ``faults``: the kinds to draw (`REALTIME_FAULTS`, all by default; an unknown one is a ValueError);
    ``budget``: seconds a whole conversation may take (plus the schedule's stalls) before it counts
    as hung; ``client_timeout``: drawn stalls stay below it. Raises `HarnessError` when the harness
    failed, `ExploreError` when a verdict changed between two runs of one schedule."""
    importlib.import_module("openai_replay.explore")  # without Hypothesis: an ImportError naming the extra
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as seeded

    from openai_replay.explore.realtime import realtime_schedules

    strategy = realtime_schedules(max_faults=max_faults, faults=faults, turns=turns, client_timeout=client_timeout)
    findings: dict[str, RealtimeFinding] = {}
    count = [0]
    harness: list[HarnessError] = []

    @seeded(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        report_multiple_bugs=True,
    )
    @given(schedule=strategy)
    def prop(schedule: Scenario) -> None:
        count[0] += 1
        run = asyncio.run(run_conversation(server, conversation, schedule, turns, budget))
        if run.harness_error is not None:
            harness.append(HarnessError(run.harness_error.splitlines()[0], run.harness_error, schedule.to_json()))
            raise _Abort
        if run.broken:
            _record(findings, run, schedule.to_json(), count[0])
            name, why = run.broken[0]
            raise BROKEN[name](why)

    server = FakeServer()
    server.start_in_thread()
    try:
        prop()
    except _Abort:
        raise harness[0] from None
    except RealtimeInvariantBroken:
        pass
    except BaseException as exc:  # several invariants broken (an exception group), a flaky verdict, or our own failure
        if harness:
            raise harness[0] from None
        inner = getattr(exc, "exceptions", None)
        flaky = [e for e in [exc, *(inner or [])] if "Flaky" in type(e).__name__]
        if flaky:
            raise ExploreError(
                "the same schedule gave different verdicts on two runs, so no minimal schedule can be trusted "
                f"(the client, or this machine's load, is not deterministic): {' '.join(str(flaky[0]).split())[:300]}"
            ) from exc
        if inner is None or not all(isinstance(e, RealtimeInvariantBroken) for e in inner):
            raise HarnessError(f"openai-replay failed: {type(exc).__name__}: {exc}", traceback.format_exc()) from exc
    finally:
        server.stop_thread()
    return findings


def _record(findings: dict[str, RealtimeFinding], run: _Run, schedule: dict[str, Any], example: int) -> None:
    """Note every invariant ``run`` broke. The one Hypothesis is shrinking (the first) always takes the
    latest schedule (its final replay is the minimal one); any other keeps the smallest schedule seen,
    unless Hypothesis shrank one for it."""
    for n, (name, why) in enumerate(run.broken):
        found = RealtimeFinding(name, schedule, why, run.timeline, example, "shrunk" if n == 0 else "alongside")
        old = findings.get(name)
        if n == 0 or old is None or (old.found_by != "shrunk" and _size(schedule) < _size(old.schedule)):
            findings[name] = found


def _size(schedule: dict[str, Any]) -> tuple[int, int]:
    return len(schedule["rules"]), len(str(schedule["rules"]))


def write_findings(findings: dict[str, RealtimeFinding], directory: Path, prefix: str = "") -> list[Path]:
    """Each finding's minimal schedule as a scenario file ``<prefix><invariant>.json`` in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, finding in findings.items():
        path = directory / f"{prefix}{name}.json"
        body = dict(finding.schedule)
        body["description"] = f"minimal schedule that broke {name}: {finding.violation}"
        path.write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
