"""The log assertions, each both ways: it passes on a correct exchange and fails, with the expected
message, on a wrong one. Every exchange is real: the openai SDK against the running fake server."""

from __future__ import annotations

import asyncio
import re
import time

import openai
import pytest
from exchanges import output_items, pipelined, sdk, turn, user

from openai_replay.log.assertions import (
    assert_all_closed,
    assert_cancelled,
    assert_chained,
    assert_full_context,
    assert_one_in_flight,
    assert_reconnected,
    assert_retried,
)
from openai_replay.pytest_plugin.server import ReplayServer
from openai_replay.scenarios import scenario

BASE = {"model": "gpt-4o-mini", "store": False}
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def failure(check: object, *args: object, **kwargs: object) -> str:
    """Run an assertion that must fail and return its message."""
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)  # type: ignore[operator]
    return str(info.value)


# -- chained ---------------------------------------------------------------------------------------
async def test_chained_passes_on_incremental_turns_with_a_tool_round_trip(openai_server: ReplayServer) -> None:
    """Three turns chained on the latest response, each sending only new input (a tool output too)."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hello")], **BASE)
        second = await turn(
            conn,
            input=[user('call get_weather {"city": "Oslo"}')],
            previous_response_id=first.response.id,
            tools=[WEATHER],
            **BASE,
        )
        call = second.response.output[0]
        result = {"type": "function_call_output", "call_id": call.call_id, "output": '{"temp_c": 3}'}
        await turn(conn, input=[result], previous_response_id=second.response.id, tools=[WEATHER], **BASE)
    assert_chained(openai_server.log)
    openai_server.log.assert_chained(2, 3)


async def test_chained_fails_on_a_wrong_previous_response_id(openai_server: ReplayServer) -> None:
    """Chaining turn 3 on turn 1's (stored) response instead of turn 2's is reported with both ids."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("one")], model="m", store=True)
        second = await turn(conn, input=[user("two")], model="m", store=True, previous_response_id=first.response.id)
        await turn(conn, input=[user("three")], model="m", store=True, previous_response_id=first.response.id)
    message = failure(assert_chained, openai_server.log)
    assert f"request #3 has previous_response_id={first.response.id}, expected {second.response.id}" in message
    assert "the last completed response on connection 1, from request #2" in message
    assert re.search(r">> +\+\d\.\d{3}s  #3 conn 1  -> response.create", message), message


async def test_chained_fails_when_the_assistant_output_is_resent(openai_server: ReplayServer) -> None:
    """A chained turn that resends the assistant's reply (and the earlier user input) is reported."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        resent = [user("hi"), *output_items(first), user("again")]
        await turn(conn, input=resent, previous_response_id=first.response.id, **BASE)
    message = failure(openai_server.log.assert_chained)
    assert "request #2 resends what the server already has" in message
    assert "the assistant's own output assistant 'You said: hi'" in message
    assert "earlier input user 'hi'" in message


async def test_chained_fails_when_a_request_starts_over(openai_server: ReplayServer) -> None:
    """A second turn with no previous_response_id on a live connection is not chained."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await turn(conn, input=[user("hi"), *output_items(first), user("again")], **BASE)
    message = failure(assert_chained, openai_server.log)
    assert f"request #2 carries no previous_response_id; expected {first.response.id}" in message


async def test_chained_with_nothing_to_check_fails(openai_server: ReplayServer) -> None:
    """One lone request gives assert_chained nothing to check, which is a failure, not a pass."""
    async with sdk(openai_server).responses.connect() as conn:
        await turn(conn, input=[user("hi")], **BASE)
    assert "nothing to check" in failure(assert_chained, openai_server.log)


async def test_chained_over_http_without_turns_says_which_turns_to_name(openai_server: ReplayServer) -> None:
    """Chained HTTP requests are not checked unless named; the failure says which turns to pass."""
    client = sdk(openai_server)
    first = await client.responses.create(model="gpt-4o-mini", store=True, input="hi")
    await client.responses.create(model="gpt-4o-mini", store=True, previous_response_id=first.id, input="again")
    message = failure(assert_chained, openai_server.log)
    assert "HTTP requests are checked only when named" in message
    assert "call assert_chained(2)" in message
    assert_chained(openai_server.log, 2)


# -- full context ----------------------------------------------------------------------------------
@pytest.mark.openai_replay(scenario="cache_miss")
async def test_full_context_passes_after_a_cache_miss(openai_server: ReplayServer) -> None:
    """After previous_response_not_found the client resends everything without previous_response_id."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        missed = await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
        assert missed.type == "error"
        await turn(conn, input=[user("hi"), *output_items(first), user("more")], **BASE)
    assert_full_context(openai_server.log, 3)
    openai_server.log.assert_full_context(
        3, expected=[user("hi"), {"role": "assistant", "content": "You said: hi"}, user("more")]
    )
    assert_retried(openai_server.log, "previous_response_not_found", connection="same", max_attempts=2)


@pytest.mark.openai_replay(scenario="cache_miss")
async def test_full_context_fails_when_the_history_is_missing(openai_server: ReplayServer) -> None:
    """A 'full context' resend with only the new message is reported with expected and sent items."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
        await turn(conn, input=[user("more")], **BASE)
    message = failure(assert_full_context, openai_server.log, 3)
    assert "request #3's input does not reproduce the conversation of the step request #2 tried (3 item(s))" in message
    assert "expected: [user 'hi', assistant 'You said: hi', user 'more']" in message
    assert "sent:     [user 'more']" in message
    assert "first difference at item 0: expected user 'hi', sent user 'more'" in message


async def test_full_context_fails_when_previous_response_id_is_sent(openai_server: ReplayServer) -> None:
    """A chained request is not a full-context one."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
    assert f"carries previous_response_id={first.response.id}" in failure(assert_full_context, openai_server.log, 2)


# -- retried ---------------------------------------------------------------------------------------
async def test_retried_passes_when_the_sdk_honours_retry_after(openai_server: ReplayServer) -> None:
    """The SDK's own retry after a 429 comes at least retry-after later, same step, full context."""
    from openai_replay.scenarios import builtin

    openai_server.use(builtin("rate_limit", retry_after=0, retry_after_ms=300))
    started = time.monotonic()
    response = await sdk(openai_server, max_retries=2).responses.create(model="m", input="hello")
    assert response.output_text == "You said: hello"
    assert time.monotonic() - started >= 0.3
    retry = assert_retried(openai_server.log, "rate_limit_exceeded", max_attempts=3)
    assert retry.turn == 2 and openai_server.log.request(1).retry_after == 0.3


async def test_retried_fails_when_there_is_no_retry(openai_server: ReplayServer) -> None:
    """A client that gives up after a 429 and moves on to another question is reported."""
    from openai_replay.scenarios import builtin

    openai_server.use(builtin("rate_limit", retry_after=0, retry_after_ms=10))
    client = sdk(openai_server)
    with pytest.raises(openai.RateLimitError):
        await client.responses.create(model="m", input="hello")
    await client.responses.create(model="m", input="something else")
    message = failure(assert_retried, openai_server.log, "rate_limit_exceeded")
    assert "missing retry: request #1 failed with 'rate_limit_exceeded' and was never retried" in message
    assert "the next request, #2, performs a different step" in message


async def test_retried_fails_on_too_many_retries(openai_server: ReplayServer) -> None:
    """Four tries at one step when at most two are allowed is reported with every try."""
    from openai_replay.scenarios import builtin

    openai_server.use(builtin("rate_limit", retry_after=0, retry_after_ms=10, times=3))
    await sdk(openai_server, max_retries=3).responses.create(model="m", input="hello")
    message = failure(assert_retried, openai_server.log, "rate_limit_exceeded", max_attempts=2)
    assert "too many retries: the step was tried 4 times (#1, #2, #3, #4), at most 2 allowed" in message
    assert_retried(openai_server.log, "rate_limit_exceeded", max_attempts=4)


async def test_retried_fails_when_the_retry_comes_too_early(openai_server: ReplayServer) -> None:
    """A hand-rolled retry that ignores retry-after (2 s) is reported with the real gap."""
    from openai_replay.scenarios import builtin

    openai_server.use(builtin("rate_limit", retry_after=2))
    client = sdk(openai_server)
    with pytest.raises(openai.RateLimitError):
        await client.responses.create(model="m", input="hello")
    await client.responses.create(model="m", input="hello")
    message = failure(assert_retried, openai_server.log, "rate_limit_exceeded")
    assert re.search(
        r"retried too early: request #2 came 0\.\d{3}s after #1 failed; the server asked for \(retry-after\) at least 2s", message
    )
    assert "retry-after 2s" in message  # the timeline shows the hint on the failed request


async def test_retried_fails_when_nothing_failed_with_that_code(openai_server: ReplayServer) -> None:
    """Asking about a failure that never happened says which outcomes did happen."""
    await sdk(openai_server).responses.create(model="m", input="hello")
    message = failure(assert_retried, openai_server.log, "rate_limit_exceeded")
    assert "no request failed with 'rate_limit_exceeded'; outcomes seen: completed" in message


async def test_retried_full_context_ignores_output_the_failed_request_resent(openai_server: ReplayServer) -> None:
    """A chained request that wrongly resent the previous output fails; the full-context retry that
    sends every item once is accepted (the step's conversation does not count the resent item twice)."""
    openai_server.use(scenario().on(turn=2).times(1).error("server_error").build())
    client = sdk(openai_server)
    async with client.responses.connect() as connection:
        first = await turn(connection, input=[user("hi")], **BASE)
        answer = output_items(first)
        failed = await turn(connection, input=[*answer, user("and then?")], previous_response_id=first.response.id, **BASE)
        assert failed.type == "error"
        retried = await turn(connection, input=[user("hi"), *answer, user("and then?")], **BASE)
        assert retried.type == "response.completed"
    retry = assert_retried(openai_server.log, "server_error")
    assert retry.turn == 3
    doubled = [user("hi"), *answer, *answer, user("and then?")]  # the conversation counted twice: not what #3 sent
    assert "does not reproduce the expected conversation" in failure(assert_full_context, openai_server.log, 3, doubled)


# -- reconnected -----------------------------------------------------------------------------------
@pytest.mark.openai_replay(scenario="connection_limit")
async def test_reconnected_passes_on_a_new_connection_with_full_context(openai_server: ReplayServer) -> None:
    """After websocket_connection_limit_reached the client opens a new socket and resends everything."""
    client = sdk(openai_server)
    async with client.responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        limited = await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
        assert limited.type == "error" and limited.error.code == "websocket_connection_limit_reached"
    async with client.responses.connect() as conn:
        await turn(conn, input=[user("hi"), *output_items(first), user("more")], **BASE)
    new = assert_reconnected(openai_server.log)
    assert new.id == 2
    assert_retried(openai_server.log, "websocket_connection_limit_reached", connection="new")
    assert_all_closed(openai_server.log)


@pytest.mark.openai_replay(scenario="connection_limit")
async def test_reconnected_fails_when_the_client_stays_on_the_old_connection(openai_server: ReplayServer) -> None:
    """Retrying on the connection that hit its limit is 'no reconnect' (and not a retry on a new one)."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
        await turn(conn, input=[user("hi"), *output_items(first), user("more")], **BASE)
    message = failure(assert_reconnected, openai_server.log)
    assert "no reconnect: request #2 ended error (websocket_connection_limit_reached)" in message
    assert "no new connection was opened after it" in message
    assert "expected a new connection" in failure(
        assert_retried, openai_server.log, "websocket_connection_limit_reached", connection="new", max_attempts=2
    )


@pytest.mark.openai_replay(scenario="connection_limit")
async def test_reconnected_fails_when_the_chain_carries_over(openai_server: ReplayServer) -> None:
    """Chaining on the old connection's store=false response after reconnecting is reported."""
    client = sdk(openai_server)
    async with client.responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
    async with client.responses.connect() as conn:
        await turn(conn, input=[user("more")], previous_response_id=first.response.id, **BASE)
    message = failure(assert_reconnected, openai_server.log)
    assert "chain state not reset: request #3 on connection 2 chains on" in message
    assert "a store=false response that lived only in connection 1's cache" in message


# -- cancel ----------------------------------------------------------------------------------------
async def _cancel_after_first_delta(conn: object, *, wait: bool) -> None:
    await conn.response.create(input=[user("tell me a long story")], **BASE)  # type: ignore[attr-defined]
    async for event in conn:  # type: ignore[attr-defined]
        if event.type == "response.output_text.delta":
            break
    await conn.send({"type": "response.cancel"})  # type: ignore[attr-defined]
    if wait:
        async for event in conn:  # type: ignore[attr-defined]
            if event.type in ("response.completed", "response.incomplete", "response.failed"):
                break


async def test_cancelled_passes_when_the_client_waits_for_the_terminal_event(openai_server: ReplayServer) -> None:
    """response.cancel for the streaming response, then the next request only after its end."""
    from openai_replay.scenarios import builtin

    openai_server.use(builtin("cancel_mid_stream", delay=0.005))  # a server that honours the cancel
    async with sdk(openai_server).responses.connect() as conn:
        await asyncio.wait_for(_cancel_after_first_delta(conn, wait=True), 10)
        await asyncio.wait_for(turn(conn, input=[user("short one")], **BASE), 10)
    cancelled = assert_cancelled(openai_server.log)
    assert cancelled.turn == 1 and cancelled.outcome.kind == "cancelled"
    assert_one_in_flight(openai_server.log)


async def test_cancelled_fails_when_the_next_request_does_not_wait(openai_server: ReplayServer) -> None:
    """A next request sent right after response.cancel, before the terminal event, is reported.

    The server here ignores the cancel (the real API's behaviour), so the slow reply is still
    streaming when the impatient client sends its next request.
    """
    from openai_replay.scenarios import scenario

    slow = " ".join(f"word{i}" for i in range(100))
    openai_server.use(scenario("slow story").on(turn=1).reply(slow).slow(delay=0.02).build())
    async with sdk(openai_server).responses.connect() as conn:
        await asyncio.wait_for(_cancel_after_first_delta(conn, wait=False), 10)
        await conn.response.create(input=[user("next")], **BASE)
        await asyncio.sleep(0.2)
    message = failure(assert_cancelled, openai_server.log)
    assert re.search(r"request #2 was sent at \+\d\.\d{3}s, before the cancelled response #1 ended", message), message
    assert "two responses in flight on connection 1: request #2 arrived" in failure(assert_one_in_flight, openai_server.log)


async def test_cancelled_fails_when_no_cancel_was_sent(openai_server: ReplayServer) -> None:
    """A client that never sends response.cancel fails the cancel assertion."""
    async with sdk(openai_server).responses.connect() as conn:
        await turn(conn, input=[user("hi")], **BASE)
    assert "no response.cancel was sent" in failure(assert_cancelled, openai_server.log)


# -- in flight, closed -----------------------------------------------------------------------------
@pytest.mark.openai_replay(server={"event_delay": 0.02})
async def test_one_in_flight_fails_on_pipelined_requests(openai_server: ReplayServer) -> None:
    """Two response.create frames back to back on one connection is two responses in flight."""
    # A paced reply keeps #1 streaming well after #2 arrives, however fast or loaded the machine is.
    openai_server.use(scenario().on().reply("one two three four five").slow(delay=0.05).build())
    async with sdk(openai_server).responses.connect() as conn:
        await pipelined(conn, "one", "two", **BASE)
    message = failure(assert_one_in_flight, openai_server.log)
    assert "request #2 arrived at" in message and "while #1 was still in flight" in message


async def test_all_closed_fails_on_a_connection_left_open(openai_server: ReplayServer) -> None:
    """A connection the client never closed is named, then passes once it is closed."""
    conn = await sdk(openai_server).responses.connect().enter()
    try:
        await turn(conn, input=[user("hi")], **BASE)
        message = failure(assert_all_closed, openai_server.log, wait=0.2)
        assert "1 connection(s) still open at the end: connection 1" in message
    finally:
        await conn.close()
    assert_all_closed(openai_server.log)
