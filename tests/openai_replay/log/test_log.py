"""The request log: numbering, attempts, and the optional bound on what it keeps."""

from __future__ import annotations

import pytest

from openai_replay.log import RequestLog


def _add(log: RequestLog, text: str) -> int:
    conn = log.connections[0]
    return log.add_request(transport="ws", payload={"model": "m", "input": text}, now=0.0, connection=conn).turn


def test_a_limited_log_keeps_the_newest_requests_and_still_numbers_every_one() -> None:
    """With limit=10, 100 requests leave at most a quarter more than 10 records, the newest, numbered 1..100."""
    log = RequestLog(limit=10)
    log.open_connection("/v1/responses", "", 0.0)
    turns = [_add(log, f"message {i}") for i in range(100)]
    assert turns == list(range(1, 101))
    assert 10 <= len(log) <= 13
    assert [r.turn for r in log] == list(range(101 - len(log), 101))
    assert log[-1].turn_on_connection == 100
    assert len(log._last_by_step) == len(log)  # the attempt index forgets what the log forgot


def test_a_limited_log_still_counts_attempts_of_the_steps_it_keeps() -> None:
    """A resend of a step that failed is attempt 2 even after older requests were dropped."""
    log = RequestLog(limit=4)
    log.open_connection("/v1/responses", "", 0.0)
    for i in range(20):
        _add(log, f"old {i}")
    failed = log.add_request(transport="ws", payload={"model": "m", "input": "retry me"}, now=0.0)
    failed.outcome.kind = "error"
    again = log.add_request(transport="ws", payload={"model": "m", "input": "retry me"}, now=0.0)
    assert (failed.attempt, again.attempt, again.turn) == (1, 2, 22)


def test_frames_are_bounded_too_and_unlimited_logs_keep_everything() -> None:
    """The limit applies to client frames as well; without one, nothing is dropped."""
    limited, full = RequestLog(limit=5), RequestLog()
    for log in (limited, full):
        for _ in range(50):
            log.add_frame(1, 0.0, "response.cancel")
    assert 5 <= len(limited.frames) <= 7
    assert len(full.frames) == 50


def test_a_negative_limit_is_refused_with_what_the_limit_means() -> None:
    """A limit below 0 (or not a number) raises at once, saying what a limit counts."""
    with pytest.raises(ValueError, match=r"number of requests to keep \(0 or more\) or None for all; got -1"):
        RequestLog(limit=-1)
    log = RequestLog()
    with pytest.raises(ValueError, match=r"got '5'"):
        log.limit = "5"  # type: ignore[assignment]
