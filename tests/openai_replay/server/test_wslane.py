"""A lane serves an idle request at once and queues the rest behind a turn that waits, one response at a time, in order."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from wsraw import AUTH, sockets, until

from fake_server import FakeServer
from openai_replay.scenarios import scenario

CREATE = {"type": "response.create", "model": "gpt-4o-mini", "store": False}


def _rest(server: FakeServer) -> asyncio.Task[None] | None:
    """The waiting rest of the default lane's started turn, once there is one."""
    lane = next((s.lanes.get(None) for s in sockets(server)), None)
    return lane.rest if lane is not None else None


async def _turns(ws: aiohttp.ClientWebSocketResponse, count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    while sum(1 for e in events if e["type"] == "response.completed") < count:
        events.append(json.loads((await ws.receive()).data))
    return events


async def test_turns_that_never_wait_are_served_without_the_lane_worker() -> None:
    """Three short turns on an idle lane are each written at once: the lane never needs a worker task."""
    async with FakeServer() as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        async with http.ws_connect(f"ws://127.0.0.1:{server.port}/v1/responses") as ws:
            for turn in range(3):
                await ws.send_str(json.dumps({**CREATE, "input": f"t{turn}"}))
                await _turns(ws, 1)
            lane = next(iter(sockets(server))).lanes[None]
            assert lane.control is None and lane.rest is None and not lane.queue
            assert lane.task is None  # no request ever had to queue: no worker was made
    assert [r.outcome.kind for r in server.log.requests] == ["completed"] * 3


async def test_requests_behind_a_waiting_turn_queue_and_follow_it_in_order() -> None:
    """A turn that stalls goes on as a task; two creates sent meanwhile wait, then run one at a time, in order."""
    source = scenario().on(text_contains="slow").stall(0.3).reply("late").on().reply("quick").build()
    async with FakeServer(source=source) as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        async with http.ws_connect(f"ws://127.0.0.1:{server.port}/v1/responses") as ws:
            await ws.send_str(json.dumps({**CREATE, "input": "slow"}))
            await until(lambda: _rest(server) is not None)
            lane = next(iter(sockets(server))).lanes[None]
            for text in ("a", "b"):
                await ws.send_str(json.dumps({**CREATE, "input": text}))
            await until(lambda: len(lane.queue) == 2)
            events = await _turns(ws, 3)
            await until(lambda: lane.control is None)
            assert lane.rest is None and not lane.queue
    starts = [i for i, e in enumerate(events) if e["type"] == "response.created"]
    ends = [i for i, e in enumerate(events) if e["type"] == "response.completed"]
    assert starts[1] > ends[0] and starts[2] > ends[1]  # one response in flight at a time
    texts = [e["response"]["output"][0]["content"][0]["text"] for e in events if e["type"] == "response.completed"]
    assert texts == ["late", "quick", "quick"]
    assert [r.payload["input"] for r in server.log.requests] == ["slow", "a", "b"]


async def test_a_socket_closed_under_a_waiting_turn_cancels_it() -> None:
    """Closing the socket while a started turn stalls for ever cancels that turn's task and records who closed."""
    source = scenario().on().stall_forever().build()
    async with FakeServer(source=source) as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        async with http.ws_connect(f"ws://127.0.0.1:{server.port}/v1/responses") as ws:
            await ws.send_str(json.dumps({**CREATE, "input": "hang"}))
            await until(lambda: _rest(server) is not None)
            rest = _rest(server)
        await until(lambda: not sockets(server))
        assert rest is not None and rest.cancelled()
        await asyncio.sleep(0)
    assert server.log.requests[0].outcome.kind == "closed_by_client"
