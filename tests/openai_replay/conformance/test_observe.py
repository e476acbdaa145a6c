"""Reading a turn back: duplicated text, silent loss, wrong text, hangs, and the common grade."""

from __future__ import annotations

from openai_replay.conformance.adapter import TurnResult
from openai_replay.conformance.observe import (
    NEXT_ANSWER_BOUND,
    Session,
    TurnLog,
    duplicated,
    grade,
    lost_silently,
    ok,
    turn_facts,
)
from openai_replay.log import RequestLog

ANSWER = "This answer is cut off before it can finish, so the client must cope."


class _NoAdapter:
    """Grading reads only the log and the turns; no client is driven here."""


def turn(text: str, ended: str = "done", errors: list[str] | None = None, expected: str = ANSWER) -> TurnLog:
    return TurnLog("turn 1", TurnResult(text=text, ended=ended, errors=errors or []), [], expected)  # type: ignore[arg-type]


def session() -> Session:
    return Session(_NoAdapter(), RequestLog())  # type: ignore[arg-type]


def test_a_replayed_prefix_counts_as_duplicated_text() -> None:
    """Partial text followed by the whole answer (a retry after a mid-stream close) is duplication."""
    assert duplicated(turn("This answer" + ANSWER))
    assert not duplicated(turn(ANSWER))
    assert not duplicated(turn("This answer"))


def test_a_partial_answer_without_an_error_is_silent_loss() -> None:
    """Ending as done with part of the answer and no error is silent loss; with an error it is not."""
    assert lost_silently(turn("This answer"))
    assert not lost_silently(turn("This answer", errors=["closed"]))
    assert not lost_silently(turn(ANSWER))


def test_grade_fails_hangs_duplicates_and_wrong_text_before_anything_else() -> None:
    """A hung turn, a duplicated answer and text that is not the answer each fail with their own reason."""
    s = session()
    assert grade(s, turn("", ended="hung"), must_recover=False, later=[]).reason.startswith("hung")
    assert grade(s, turn("This answer" + ANSWER), must_recover=False, later=[]).reason.startswith("duplicated text")
    wrong = grade(s, turn("This answerYou said: hi", errors=["closed"]), must_recover=False, later=[])
    assert (wrong.status, wrong.reason.split(":")[0]) == ("fail", "delivered text that is not the answer")


def test_grade_accepts_a_surfaced_error_only_when_recovery_is_not_required() -> None:
    """A surfaced error passes when the fault allows it and the next turn works; it fails where recovery is required."""
    s = session()
    later = [turn("You said: next", expected="You said: next")]
    surfaced = turn("", ended="error", errors=["APIStatusError: 400"])
    assert grade(s, surfaced, must_recover=False, later=later).status == "pass"
    assert grade(s, surfaced, must_recover=True, later=later).status == "fail"
    broken_later = [turn("", ended="hung", expected="You said: next")]
    assert grade(s, surfaced, must_recover=False, later=broken_later).status == "fail"
    assert ok(later[0])


def test_facts_count_frames_discarded_after_the_servers_close() -> None:
    """A turn sent into a socket the server had closed shows up as discarded_after_close, whatever the timing."""
    s = session()
    s.log.add_frame(1, 1.0, "response.create", None, {"input": "x"}, discarded=True)
    s.log.add_frame(1, 0.5, "response.create", None, {"input": "y"})
    assert turn_facts(s, turn(ANSWER), [])["discarded_after_close"] == 1


def retried(gap: float, retry_after: str | None = None) -> tuple[Session, TurnLog]:
    """A turn whose first attempt failed at t=1.0 and whose retry came ``gap`` seconds later and answered."""
    s = session()
    failed = s.log.add_request(transport="http", payload={"input": "Hello"}, now=0.9)
    failed.ended(1.0, {"retry-after": retry_after} if retry_after else None)
    s.log.add_request(transport="http", payload={"input": "Hello"}, now=1.0 + gap).ended(1.0 + gap)
    return s, TurnLog("turn 1", TurnResult(text=ANSWER), [1, 2], ANSWER)


def test_a_retry_slower_than_the_bound_fails_with_its_wait() -> None:
    """A recovered turn whose retry came 2.5 s after the failure fails, naming the wait; a quick one passes."""
    s, t = retried(2.5)
    slow = grade(s, t, must_recover=True, later=[])
    assert slow.status == "fail"
    assert slow.reason.startswith(f"recovered, but the retry came 2.5 s after the failure (bound {NEXT_ANSWER_BOUND:g} s)")
    assert slow.facts["retry_wait_s"] == 2.5
    s, t = retried(0.4)
    fast = grade(s, t, must_recover=True, later=[])
    assert (fast.status, fast.facts["retry_wait_s"]) == ("pass", 0.4)


def test_a_retry_after_retry_after_is_allowed_that_delay_on_top() -> None:
    """After a failure with retry-after: 2, a retry 2.3 s later passes; 3.5 s later it fails, naming retry-after."""
    s, t = retried(2.3, retry_after="2")
    assert grade(s, t, must_recover=True, later=[]).status == "pass"
    s, t = retried(3.5, retry_after="2")
    late = grade(s, t, must_recover=True, later=[])
    assert late.status == "fail" and "(bound retry-after 2 s + 1 s)" in late.reason


def test_an_attempt_the_client_gave_up_on_is_not_timed_as_backoff() -> None:
    """A timed-out attempt the server never ended (the stall check's business) adds nothing to the retry wait."""
    s = session()
    s.log.add_request(transport="http", payload={"input": "Hello"}, now=0.0)  # stalled, abandoned: no end
    s.log.add_request(transport="http", payload={"input": "Hello"}, now=10.2).ended(10.2)
    t = TurnLog("turn 1", TurnResult(text=ANSWER), [1, 2], ANSWER)
    verdict = grade(s, t, must_recover=True, later=[])
    assert verdict.status == "pass" and "retry_wait_s" not in verdict.facts
