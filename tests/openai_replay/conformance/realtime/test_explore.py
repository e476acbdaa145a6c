"""explore_realtime finds planted bugs in a Realtime client, shrinks each, reports every invariant broken; a careful
client passes; the harness's own failures are HarnessError, never findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from planted_realtime import cancels_first, waits_for_a_completed_response

from openai_replay.conformance.adapters.realtime_openai import converse
from openai_replay.conformance.explore import HarnessError
from openai_replay.conformance.realtime.explore import explore_realtime, write_findings
from openai_replay.scenarios.loader import load_scenario


@pytest.mark.slow
def test_the_planted_bug_is_found_and_shrunk_to_one_rule(tmp_path: Path) -> None:
    """The buggy client hangs on a non-completed ending: explore reports no_hang, one rule, saved as a scenario file."""
    findings = explore_realtime(waits_for_a_completed_response, examples=25, seed=1, budget=1.5)
    assert "no_hang" in findings, findings
    finding = findings["no_hang"]
    assert len(finding.schedule["rules"]) == 1, finding.schedule
    (action,) = [d["action"] for d in finding.schedule["rules"][0]["do"] if d["action"] != "text"]
    assert action in ("fail", "incomplete", "error"), finding.schedule
    (path,) = write_findings({"no_hang": finding}, tmp_path)
    assert load_scenario(path).to_json()["rules"] == finding.schedule["rules"]


@pytest.mark.slow
def test_a_careful_sdk_caller_breaks_nothing() -> None:
    """The openai SDK conversation that reads every ending and surfaces every error passes every drawn schedule."""
    assert explore_realtime(converse, examples=25, seed=1, budget=3.0) == {}


@pytest.mark.slow
def test_every_invariant_broken_is_a_finding() -> None:
    """A client that loses a failed reply silently and cancels with nothing active: both invariants are findings."""
    findings = explore_realtime(cancels_first, examples=8, seed=1, max_faults=1, faults=("fail", "close"), budget=1.5)
    assert set(findings) == {"turn_accounted", "realtime_protocol"}, findings
    assert findings["realtime_protocol"].schedule["rules"] == [], findings["realtime_protocol"].schedule
    assert "response_cancel_not_active" in findings["realtime_protocol"].violation


async def raises(url: str, texts: list[str], outcomes: list[Any]) -> None:
    raise RuntimeError("planted driver failure")


async def asks_nothing(url: str, texts: list[str], outcomes: list[Any]) -> None:
    return None


@pytest.mark.parametrize(
    ("conversation", "message"),
    [(raises, "RuntimeError: planted driver failure"), (asks_nothing, "the conversation asked for no response")],
)
def test_the_harness_failing_is_a_harness_error_not_a_finding(conversation: Any, message: str) -> None:
    """A driver that raises, or asks for no response: HarnessError at the first example, with the details."""
    with pytest.raises(HarnessError) as info:
        explore_realtime(conversation, examples=5, seed=0)
    assert message in info.value.details
    assert info.value.schedule is not None
