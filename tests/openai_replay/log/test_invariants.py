"""The generic invariants, each both ways: quiet on a correct exchange, named and explained on a wrong
one. Every exchange is real: the openai SDK against the running fake server."""

from __future__ import annotations

import openai
import pytest
from exchanges import assistant, output_items, pipelined, sdk, turn, user

from openai_replay.conformance.adapter import TurnResult
from openai_replay.log.invariants import INVARIANTS, assert_invariants, check_invariants
from openai_replay.pytest_plugin.server import ReplayServer
from openai_replay.scenarios import builtin, scenario

BASE = {"model": "gpt-4o-mini", "store": False}


def broken(server: ReplayServer, **options: object) -> dict[str, list[str]]:
    """Violations by invariant name."""
    found: dict[str, list[str]] = {}
    for v in check_invariants(server.log, **options):  # type: ignore[arg-type]
        found.setdefault(v.invariant, []).append(v.message)
    return found


async def miss_then(openai_server: ReplayServer, retry: str) -> str:
    """Turn 1, then turn 2 chained on it misses the cache; the retry is shaped by ``retry``."""
    openai_server.use("cache_miss")
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("one")], **BASE)
        missed = await turn(conn, input=[user("two")], previous_response_id=first.response.id, **BASE)
        assert missed.type == "error"
        if retry == "full":
            await turn(conn, input=[user("one"), *output_items(first), user("two")], **BASE)
        elif retry == "stale":
            await turn(conn, input=[user("two")], previous_response_id=first.response.id, **BASE)
        elif retry == "short":
            await turn(conn, input=[user("two")], **BASE)
    return str(first.response.id)


async def test_a_correct_recovery_from_a_cache_miss_breaks_nothing(openai_server: ReplayServer) -> None:
    """Full context after the miss, waiting for each end: every invariant holds."""
    await miss_then(openai_server, "full")
    assert check_invariants(openai_server.log, ["done", "done"]) == []
    openai_server.log.assert_invariants(["done", "done"])


async def test_chaining_again_on_an_id_reported_gone_is_a_stale_chain(openai_server: ReplayServer) -> None:
    """A retry that chains on the id the server just reported gone breaks no_stale_chain, naming both requests."""
    await miss_then(openai_server, "stale")
    messages = broken(openai_server)["no_stale_chain"]
    assert len(messages) == 1 and messages[0].startswith("request #3 chains on resp_")
    assert "which the server reported gone (previous_response_not_found) to request #2; after a cache miss" in messages[0]
    with pytest.raises(AssertionError, match=r"\[no_stale_chain\] request #3 chains on") as info:
        assert_invariants(openai_server.log)
    assert ">>" in str(info.value)  # the timeline marks the requests concerned


async def test_a_short_retry_after_a_miss_loses_the_context(openai_server: ReplayServer) -> None:
    """A retry with only the new message after a miss breaks full_context_after_miss."""
    await miss_then(openai_server, "short")
    found = broken(openai_server)
    assert list(found) == ["full_context_after_miss"]
    assert "after the cache miss of request #2: request #3's input does not reproduce" in found["full_context_after_miss"][0]


async def test_chaining_on_a_response_cut_off_mid_stream(openai_server: ReplayServer) -> None:
    """Chaining on a response whose stream was closed before it finished breaks no_stale_chain."""
    openai_server.use(scenario("cut").on(turn=2).times(1).close(1011, after=("response.output_text.delta", 1)).build())
    client = sdk(openai_server)
    async with client.responses.connect() as conn:
        first = await turn(conn, input=[user("one")], **BASE)
        await conn.response.create(input=[user("two")], previous_response_id=first.response.id, **BASE)
        cut_id = None
        with pytest.raises(Exception):  # noqa: B017 - the SDK raises its own close error
            async for event in conn:
                cut_id = getattr(getattr(event, "response", None), "id", None) or cut_id
    assert cut_id is not None
    async with client.responses.connect() as conn:
        await conn.response.create(input=[user("three")], previous_response_id=cut_id, **BASE)
        async for event in conn:
            if event.type in ("error", "response.completed"):
                break
    message = broken(openai_server)["no_stale_chain"][0]
    assert "request #3 chains on" in message and "the response of request #2, which ended closed_by_server" in message


async def test_duplicated_and_lost_assistant_text(openai_server: ReplayServer) -> None:
    """Full context with the answer twice, then with it missing, both break no_duplicated_or_lost_text."""
    client = sdk(openai_server)
    one = (await client.responses.create(input=[user("one")], **BASE)).output_text
    await client.responses.create(input=[user("one"), assistant(one[:4]), assistant(one), user("two")], **BASE)
    await client.responses.create(input=[user("one"), user("three")], **BASE)
    found = broken(openai_server)["no_duplicated_or_lost_text"]
    assert any("request #2 holds the assistant's text twice (items 1 and 2)" in m for m in found), found
    lost = "request #3's input does not reproduce the conversation through request #2's response"
    assert any(m.startswith(lost) for m in found), found


async def test_chained_resend_of_the_assistant_output_is_duplicated_text(openai_server: ReplayServer) -> None:
    """A chained request that resends the assistant's own output breaks no_duplicated_or_lost_text."""
    async with sdk(openai_server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], **BASE)
        await turn(conn, input=[*output_items(first), user("again")], previous_response_id=first.response.id, **BASE)
    assert (
        "request #2 resends what the server already has: the assistant's own output"
        in broken(openai_server)["no_duplicated_or_lost_text"][0]
    )


async def test_two_responses_in_flight_on_one_lane(openai_server: ReplayServer) -> None:
    """A second response.create before the first ended breaks one_in_flight."""
    openai_server.use(scenario("slow").on().reply("one two three four").slow(delay=0.05).build())
    async with sdk(openai_server).responses.connect() as conn:
        await pipelined(conn, "one", "two", **BASE)
    assert "two responses in flight on connection 1: request #2 arrived" in broken(openai_server)["one_in_flight"][0]


async def test_retries_honour_retry_after_and_stop(openai_server: ReplayServer) -> None:
    """The SDK's retries honour retry-after; an immediate hand-rolled retry, and too many tries, do not."""
    openai_server.use(builtin("rate_limit", retry_after=0, retry_after_ms=100, times=3))
    await sdk(openai_server, max_retries=3).responses.create(model="m", input="hello")
    assert broken(openai_server) == {}
    too_many = broken(openai_server, max_attempts=2)["bounded_retries"][0]
    assert "one step was tried 4 times (#1, #2, #3, #4), more than 2" in too_many
    openai_server.use(builtin("rate_limit", retry_after=2))
    client = sdk(openai_server)
    with pytest.raises(openai.RateLimitError):
        await client.responses.create(model="m", input="hello")
    await client.responses.create(model="m", input="hello")
    assert "retried too early: request #2 came 0." in broken(openai_server)["bounded_retries"][0]


def test_a_hung_turn_breaks_no_hang(openai_server: ReplayServer) -> None:
    """What the client surfaced decides no_hang: words or conformance TurnResults alike."""
    assert check_invariants(openai_server.log, ["done", TurnResult(ended="error")]) == []
    found = check_invariants(openai_server.log, ["done", TurnResult(ended="hung")], only=["no_hang"])
    assert [str(v) for v in found] == [
        "[no_hang] user turn 2 hung: the client neither answered nor surfaced an error within its bound."
    ]
    silent = check_invariants(openai_server.log, [TurnResult(text="hi"), TurnResult(), TurnResult(errors=["x"])])
    assert [str(v) for v in silent] == [
        "[no_hang] user turn 2 ended silently: no answer, no tool call and no error reached the caller."
    ]


def test_unknown_invariant_names_are_refused(openai_server: ReplayServer) -> None:
    """Asking for an invariant that does not exist names the known ones."""
    with pytest.raises(ValueError, match="unknown invariant"):
        check_invariants(openai_server.log, only=["no_such"])
    assert next(iter(INVARIANTS)) == "no_hang"
