"""Background responses: queued -> in_progress -> completed on the server's clock, polled, streamed again, cancelled."""

from __future__ import annotations

import asyncio

import openai
import pytest
from scenariokit import client_for
from testkit import assert_event_conforms, spec

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.responses.background import QUEUED_SECONDS, RUNNING_SECONDS


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)
    await asyncio.sleep(0.05)


async def test_a_background_response_moves_on_the_manual_clock() -> None:
    """Created queued, it stays queued until the clock moves, then runs, then completes; each poll parses and validates."""
    clock = ManualClock()
    async with FakeServer(clock=clock, seed=1) as server:
        client = client_for(server)
        created = await client.responses.create(model="gpt-4o-mini", input="in the background", background=True)
        assert created.status == "queued" and created.background is True
        await settle()
        assert (await client.responses.retrieve(created.id)).status == "queued"
        clock.advance(QUEUED_SECONDS)
        await settle()
        running = await client.responses.retrieve(created.id)
        assert running.status == "in_progress"
        clock.advance(RUNNING_SECONDS)
        await settle()
        done = await client.responses.retrieve(created.id)
        assert done.status == "completed" and done.output_text == "You said: in the background"
        for answer in (created, running, done):
            assert spec().check_response(answer.to_dict()) == []
        assert [item.content[0].text for item in (await client.responses.input_items.list(created.id)).data] == [
            "in the background"
        ]


async def test_a_background_stream_resumes_after_starting_after() -> None:
    """stream=true on create gives queued-first events; GET ?stream=true&starting_after=N replays the rest, numbered on."""
    async with FakeServer(seed=1) as server:
        client = client_for(server)
        stream = await client.responses.create(model="gpt-4o-mini", input="hello", background=True, stream=True)
        events = [event.to_dict() async for event in stream]
        assert [e["type"] for e in events[:3]] == ["response.created", "response.queued", "response.in_progress"]
        assert events[0]["response"]["status"] == "queued" and events[-1]["type"] == "response.completed"
        assert [e["sequence_number"] for e in events] == list(range(len(events)))
        for event in events:
            assert_event_conforms(event)
        again = await client.responses.retrieve(events[0]["response"]["id"], stream=True, starting_after=3)
        resumed = [event.to_dict() async for event in again]
        assert resumed == events[4:]


async def test_cancel_ends_a_running_background_response() -> None:
    """POST /cancel on a queued background response cancels it for good; a synchronous one is a 400, an unknown one a 404."""
    clock = ManualClock()
    async with FakeServer(clock=clock, seed=1) as server:
        client = client_for(server)
        created = await client.responses.create(model="gpt-4o-mini", input="slow", background=True)
        cancelled = await client.responses.cancel(created.id)
        assert cancelled.status == "cancelled"
        clock.advance(10)
        await settle()
        assert (await client.responses.retrieve(created.id)).status == "cancelled"
        assert (await client.responses.cancel(created.id)).status == "cancelled"
        assert server.log.requests[0].outcome.kind == "cancelled"
        plain = await client.responses.create(model="gpt-4o-mini", input="now")
        with pytest.raises(openai.BadRequestError, match="synchronous"):
            await client.responses.cancel(plain.id)
        with pytest.raises(openai.NotFoundError):
            await client.responses.cancel("resp_unknown")
        with pytest.raises(openai.BadRequestError):
            await client.responses.retrieve(plain.id, stream=True)


async def test_a_refused_background_request_is_a_plain_400() -> None:
    """A background create that fails validation answers its 400 at once and starts nothing."""
    async with FakeServer(seed=1) as server:
        with pytest.raises(openai.BadRequestError) as caught:
            await client_for(server).responses.create(model="gpt-4o-mini", input="x", background=True, temperature=5)
        assert caught.value.param == "temperature"
        assert len(server.state.runs) == 0


async def test_stopping_the_server_stops_waiting_background_runs() -> None:
    """A background response waiting on a manual clock does not keep the server from stopping."""
    clock = ManualClock()
    async with FakeServer(clock=clock) as server:
        await client_for(server).responses.create(model="gpt-4o-mini", input="x", background=True)
    assert server.log.requests[0].outcome.kind != "completed"


async def test_a_scripted_error_refuses_a_background_request() -> None:
    """A scenario's error on a background create is the create's answer, and no run is left behind."""
    from openai_replay.scenarios import scenario

    async with FakeServer(seed=1, source=scenario("busy").on(turn=1).error("rate_limit_exceeded").build()) as server:
        with pytest.raises(openai.RateLimitError):
            await client_for(server).responses.create(model="gpt-4o-mini", input="x", background=True)
        assert len(server.state.runs) == 0 and server.log.requests[0].outcome.kind == "error"
