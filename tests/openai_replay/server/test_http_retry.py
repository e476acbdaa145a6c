"""The openai SDK's own HTTP retry policy, used live against scripted statuses and retry headers."""

from __future__ import annotations

import openai
import pytest
from scenariokit import client_for

from fake_server import FakeServer
from openai_replay.scenarios import scenario


async def _create(server: FakeServer) -> object:
    return await client_for(server, max_retries=2).responses.create(model="gpt-4o-mini", input="hello")


@pytest.mark.parametrize(
    ("headers", "delay"),
    [({"retry_after_ms": 1200}, 1.2), ({"retry_after": 1}, 1.0)],
    ids=["retry-after-ms", "retry-after"],
)
async def test_429_then_success_takes_exactly_two_attempts_after_the_scripted_delay(
    headers: dict[str, float], delay: float
) -> None:
    """max_retries=2, a 429 then success: two attempts in the log, the second after the retry-after delay."""
    s = scenario().on(attempt=1).times(1).http_status(429, "rate_limit_exceeded", **headers).build()
    async with FakeServer(source=s) as server:
        response = await _create(server)
    assert getattr(response, "status", None) == "completed"
    first, second = server.log.requests  # exactly two attempts
    assert (first.attempt, second.attempt) == (1, 2)
    assert (first.outcome.code, second.outcome.kind) == ("rate_limit_exceeded", "completed")
    assert (first.headers["x-stainless-retry-count"], second.headers["x-stainless-retry-count"]) == ("0", "1")
    waited = second.received_at - first.received_at
    # honoured: the SDK's own backoff for a first retry is 0.375-0.5 s, so anything >= the delay is the header
    assert delay <= waited < delay + 0.5, waited
    assert s.verify() == []


async def test_should_retry_false_stops_the_sdk_at_one_attempt() -> None:
    """x-should-retry: false on a 503: the SDK raises at once, one attempt in the log."""
    s = scenario().on().http_status(503, should_retry=False).build()
    async with FakeServer(source=s) as server:
        with pytest.raises(openai.InternalServerError):
            await _create(server)
    assert len(server.log) == 1


async def test_should_retry_true_makes_a_400_retried() -> None:
    """x-should-retry: true makes the SDK retry even a 400; the second attempt succeeds."""
    s = scenario().on(attempt=1).times(1).http_status(400, "bad_luck", should_retry=True, retry_after_ms=50).build()
    async with FakeServer(source=s) as server:
        await _create(server)
    assert [r.attempt for r in server.log] == [1, 2]


async def test_retry_after_over_two_minutes_is_not_retried() -> None:
    """retry-after beyond the SDK's 120 s cap: no retry, RateLimitError at once, one attempt."""
    s = scenario().on().http_status(429, retry_after=300).build()
    async with FakeServer(source=s) as server:
        with pytest.raises(openai.RateLimitError) as raised:
            await _create(server)
    assert raised.value.response.headers["retry-after"] == "300"
    assert len(server.log) == 1


async def test_sdk_gives_up_after_max_retries() -> None:
    """A 429 on every attempt: exactly 1 + max_retries attempts, then RateLimitError."""
    s = scenario().on().http_status(429, retry_after_ms=10).expect(3).build()
    async with FakeServer(source=s) as server:
        with pytest.raises(openai.RateLimitError):
            await _create(server)
    assert [r.attempt for r in server.log] == [1, 2, 3]
    assert s.verify() == []
