"""Reading a turn back: duplicated text, silent loss, wrong text, hangs, and the common grade."""

from __future__ import annotations

from openai_replay.conformance.adapter import TurnResult
from openai_replay.conformance.observe import Session, TurnLog, duplicated, grade, lost_silently, ok, turn_facts
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
