"""execute: each kind of step reaches the client and leaves the outcome the log reads, the same over WebSocket and HTTP."""

from __future__ import annotations

import json

import aiohttp
import pytest
from wsraw import AUTH

from fake_server import FakeServer
from openai_replay.scenarios import scenario

CREATE = {"type": "response.create", "model": "gpt-4o-mini"}


async def test_a_close_after_some_events_is_logged_with_its_code_and_the_events_sent() -> None:
    """Events before a scripted close are sent and logged by type; the close ends the request with its code."""
    source = scenario().on().reply("partial answer").close(4000, "bye", after="response.output_text.delta").build()
    async with FakeServer(source=source) as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        async with http.ws_connect(f"ws://127.0.0.1:{server.port}/v1/responses") as ws:
            await ws.send_str(json.dumps({**CREATE, "input": "hi"}))
            got = [json.loads(m.data) async for m in ws]
            code = ws.close_code
    record = server.log.requests[0]
    assert code == 4000 and record.outcome.kind == "closed_by_server" and record.outcome.close_code == 4000
    assert [e["type"] for e in got] == record.event_types
    assert record.event_types[-1] == "response.output_text.delta" and "response.completed" not in record.event_types


@pytest.mark.parametrize("status, kind", [(200, "completed"), (429, "error")])
async def test_a_whole_json_answer_tells_the_log_its_outcome(status: int, kind: str) -> None:
    """A scripted whole body (`respond`) is sent as is; the log reads its Response's status or its error's code."""
    body = (
        {"id": "resp_x", "object": "response", "status": "completed", "output": []}
        if status == 200
        else {"error": {"message": "slow down", "type": "requests", "code": "rate_limit_exceeded", "param": None}}
    )
    source = scenario().on().respond(body, status=status).build()
    async with FakeServer(source=source) as server, aiohttp.ClientSession(headers={"Authorization": AUTH}) as http:
        async with http.post(f"{server.url}/responses", json={"model": "gpt-4o-mini", "input": "hi"}) as resp:
            assert resp.status == status and await resp.json() == body
    outcome = server.log.requests[0].outcome
    assert outcome.kind == kind and outcome.code == (None if status == 200 else "rate_limit_exceeded")
