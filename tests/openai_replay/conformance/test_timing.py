"""Latency is part of a verdict: after an interruption or a cancel, a next answer slower than the bound fails."""

from __future__ import annotations

from openai_replay.conformance.adapter import TurnResult
from openai_replay.conformance.observe import NEXT_ANSWER_BOUND, TurnLog, Verdict
from openai_replay.conformance.timing import timely


def turn(elapsed: float) -> TurnLog:
    return TurnLog("turn 2", TurnResult(text="ok", elapsed=elapsed), [2], "ok")


def test_a_slow_next_answer_fails_with_its_figure() -> None:
    """3.2 s after a cancel fails, naming the wait and the bound; the fact is recorded either way."""
    slow = timely(Verdict("pass", "recovered"), turn(3.21), "the cancel")
    assert slow.status == "fail"
    assert slow.reason == f"the next answer came 3.2 s after the cancel (bound {NEXT_ANSWER_BOUND:.0f} s): recovered"
    assert slow.facts["next_answer_wait_s"] == 3.21
    fast = timely(Verdict("pass", "recovered"), turn(0.2), "the cancel")
    assert (fast.status, fast.facts["next_answer_wait_s"]) == ("pass", 0.2)
    assert timely(Verdict("fail", "hung"), turn(9.0), "the cancel").reason == "hung"
