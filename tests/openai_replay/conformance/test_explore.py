"""Explore finds a planted bug no single built-in scenario catches, shrinks it to the minimal two-rule
schedule, and passes the same client without the bug. Real SDK, real WebSocket, real server."""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator

import pytest
from planted import FixedClient, SecondMiss

from openai_replay.conformance.adapter import Surfaced
from openai_replay.conformance.adapters.openai_sdk import OpenAIWebSocketAdapter
from openai_replay.conformance.conversation import Item, Tool
from openai_replay.conformance.explore import ExploreError, Finding, HarnessError, explore_client, record, run_schedule
from openai_replay.scenarios import builtin, load_scenario

MISS = "previous_response_not_found"
#: Examples the search may use, the seed that makes it reproducible, and the examples the fixed client passes.
EXAMPLES, SEED, PASSES = 150, 16, 60
MINIMAL_MISS = {"times": 1, "optional": True, "match": {"chained": True}, "do": [{"action": "error", "code": MISS}]}


#: The planted bug: only the first cache miss of a conversation is handled (tests/support/planted.py).
BuggyClient = SecondMiss


async def test_no_single_builtin_scenario_catches_the_planted_bug() -> None:
    """One cache miss (the built-in scenario) is handled: every invariant holds for the buggy client."""
    run = await run_schedule(BuggyClient, builtin("cache_miss"))
    assert run.harness_error is None and run.violations == []
    assert "previous_response_not_found" in run.timeline


@pytest.mark.slow
def test_explore_finds_and_shrinks_the_planted_bug() -> None:
    """Within EXAMPLES schedules, explore breaks no_stale_chain and shrinks it to two cache misses."""
    findings = explore_client(BuggyClient, examples=EXAMPLES, seed=SEED, faults=["error"])
    assert list(findings) == ["no_stale_chain", "full_context_after_miss"], {k: f.violations for k, f in findings.items()}
    found = findings["no_stale_chain"]
    assert found.schedule["rules"] == [MINIMAL_MISS, MINIMAL_MISS], found.schedule
    assert found.examples <= EXAMPLES
    assert "which the server reported gone (previous_response_not_found)" in found.violations[0]
    assert found.timeline.count("error (previous_response_not_found)") == 3


async def test_the_minimal_schedule_replays_the_bug_deterministically() -> None:
    """The written schedule, loaded from JSON, breaks the same invariant on every run; the fixed client passes it."""
    schedule = {"name": "explore", "rules": [MINIMAL_MISS, MINIMAL_MISS]}
    for _ in range(3):
        run = await run_schedule(BuggyClient, load_scenario(schedule))
        assert [v.invariant for v in run.violations] == ["no_stale_chain", "full_context_after_miss"]
    assert (await run_schedule(FixedClient, load_scenario(schedule))).violations == []


@pytest.mark.slow
def test_the_fixed_client_passes_every_example() -> None:
    """Without the bug, PASSES random schedules of every default fault kind break no invariant."""
    assert explore_client(FixedClient, examples=PASSES, seed=SEED) == {}


class CoinFlipClient(FixedClient):
    """Ends its first turn silently in its first conversation only: a verdict that cannot be reproduced."""

    client = "coin-flip"
    conversations = 0

    async def open(self) -> None:
        await super().open()
        type(self).conversations += 1
        self._turns = 0

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        self._turns += 1
        if self._turns == 1 and type(self).conversations == 1:
            return
        async for seen in super().stream(history, tools):
            yield seen


@pytest.mark.slow
def test_a_verdict_that_changes_between_runs_is_refused() -> None:
    """When replaying a schedule gives another verdict, explore says so instead of reporting a minimal schedule."""
    with pytest.raises(ExploreError, match="the same schedule gave different verdicts on two runs"):
        explore_client(CoinFlipClient, examples=5, seed=SEED, faults=["error"])


async def test_the_openai_ws_adapter_is_not_desynced_by_an_error_then_response_failed() -> None:
    """A mid-stream error followed by response.failed (as for quota errors) is one failed turn: the next
    turn starts afresh instead of reading the stale response.failed as its own end (explore found this)."""
    desync = {"name": "explore", "rules": [{"times": 1, "optional": True, "do": [{"action": "fail", "error_event": True}]}]}
    run = await run_schedule(OpenAIWebSocketAdapter, load_scenario(desync))
    assert run.harness_error is None and run.violations == [], run.timeline
    assert "error (server_error)" in run.timeline  # the fault fired on the first turn


class SetupFails(OpenAIWebSocketAdapter):
    """An adapter whose set-up raises: the harness's failure, not the client's."""

    client = "setup-fails"

    async def open(self) -> None:
        raise RuntimeError("planted set-up failure")


def test_a_setup_failure_is_a_harness_error_not_a_finding() -> None:
    """explore stops with HarnessError (traceback included) instead of reporting a broken invariant."""
    with pytest.raises(HarnessError, match=r"the harness failed during set-up \(adapter.open\(\)\)") as info:
        explore_client(SetupFails, examples=5, seed=SEED, faults=["error"])
    assert "Traceback" in info.value.details and "planted set-up failure" in info.value.details


SESSION: contextvars.ContextVar[str] = contextvars.ContextVar("planted_session")


class ContextBound(OpenAIWebSocketAdapter):
    """Binds its session in a context variable at set-up, as LiveKit binds its http session; every turn
    needs it. Run in another task than the turns, set-up would leave each turn without it."""

    client = "context-bound"

    async def open(self) -> None:
        await super().open()
        SESSION.set("bound")

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        SESSION.get()  # LookupError when set-up ran in a task of its own
        async for seen in super().stream(history, tools):
            yield seen


async def test_setup_runs_in_the_task_and_context_of_the_turns() -> None:
    """A client that binds context at set-up answers every turn: no harness error, no violation."""
    run = await run_schedule(ContextBound, load_scenario({"name": "explore", "rules": []}))
    assert run.harness_error is None and run.violations == [], run.timeline


class NeverSends(OpenAIWebSocketAdapter):
    """Every turn fails before any request reaches the server (as when a client cannot find its session)."""

    client = "never-sends"

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        raise LookupError("no session in this context")
        yield  # pragma: no cover - makes this an async generator


async def test_a_conversation_that_sent_no_request_is_a_harness_error() -> None:
    """No request at all is the harness's failure to reach the server: reported with what each turn surfaced."""
    run = await run_schedule(NeverSends, load_scenario({"name": "explore", "rules": []}))
    assert run.violations == []
    assert run.harness_error is not None and run.harness_error.startswith("the conversation sent no request")
    assert "turn 1: error: LookupError: no session in this context" in run.harness_error


async def test_every_broken_invariant_of_a_run_is_a_finding() -> None:
    """A run that breaks two invariants gives two findings (the summary is built from them): the first is
    the one Hypothesis shrinks, the other keeps the smallest schedule that broke it."""
    schedule = load_scenario({"name": "explore", "rules": [MINIMAL_MISS, MINIMAL_MISS]})
    run = await run_schedule(BuggyClient, schedule)
    findings: dict[str, Finding] = {}
    record(findings, run, schedule.to_json(), 1)
    assert list(findings) == ["no_stale_chain", "full_context_after_miss"]
    assert findings["no_stale_chain"].shrunk and not findings["full_context_after_miss"].shrunk
    bigger = {"name": "explore", "rules": [MINIMAL_MISS, MINIMAL_MISS, MINIMAL_MISS]}
    record(findings, run, bigger, 2)  # a bigger schedule never replaces a smaller one it did not shrink
    assert findings["full_context_after_miss"].schedule == schedule.to_json()
