"""The detection-rate table of docs/explore.md, reproduced: each planted two-fault bug is found in at
least 9 of 10 independent runs of 300 examples, and the fixed twins break nothing. Real SDK, real
WebSocket, real server; the clients are in tests/support/planted.py."""

from __future__ import annotations

import pytest
from planted import PLANTED, FixedClient, RetryingClient

from openai_replay.conformance.explore import explore_client
from openai_replay.explore import protocol_pairs

#: The budget the table is for, the independent runs per bug (seeds 0..RUNS-1), and the runs that must find it.
EXAMPLES, RUNS, NEEDED = 300, 10, 9


@pytest.mark.slow
@pytest.mark.parametrize("bug", list(PLANTED))
def test_each_planted_bug_is_found_in_9_of_10_runs(bug: str) -> None:
    """explore as users run it (the pass over protocol-fault pairs, then the random search) finds the bug."""
    buggy, _, invariant = PLANTED[bug]
    found = []
    for seed in range(RUNS):
        findings = explore_client(buggy, examples=EXAMPLES, seed=seed, stop_at_first=True)
        found.append(findings[invariant].examples if invariant in findings else None)
    assert sum(f is not None for f in found) >= NEEDED, found
    assert all(f is None or f <= EXAMPLES for f in found)


@pytest.mark.slow
@pytest.mark.parametrize("fixed", [FixedClient, RetryingClient])
def test_the_fixed_clients_pass(fixed: type[FixedClient]) -> None:
    """Without the planted line, every protocol-fault pair and 40 random schedules break no invariant."""
    assert explore_client(fixed, examples=len(protocol_pairs(transport="ws")) + 40, seed=3) == {}


def test_each_pair_of_protocol_faults_is_tried_once() -> None:
    """The systematic pass: every pair with repetition of the seven WebSocket protocol faults (five over
    HTTP), each pair two distinct rules, and only kinds the caller allowed."""
    ws, http = protocol_pairs(transport="ws"), protocol_pairs(transport="http")
    assert (len(ws), len(http)) == (28, 15)
    assert all(len(s.rules) == 2 and s.rules[0] is not s.rules[1] for s in ws if s.rules[0].times == 1)
    assert len(protocol_pairs(["close"], "ws")) == 3
    assert protocol_pairs(["stall"]) == []
