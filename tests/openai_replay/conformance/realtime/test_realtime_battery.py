"""The Realtime battery's own rules: a fresh real server per cell, hangs and driver errors fail the cell with the timeline."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from openai_replay.clock import ManualClock
from openai_replay.conformance import realtime
from openai_replay.conformance.realtime import BY_NAME, CHECKS, Cell, run_cell
from openai_replay.server import FakeServer


async def _text_turn(server: FakeServer, clock: ManualClock) -> Cell:
    """A minimal driver: one text turn over a raw socket."""
    url = server.url.replace("http", "ws", 1) + "/realtime?model=gpt-realtime"
    async with aiohttp.ClientSession() as http, http.ws_connect(url, headers={"Authorization": "Bearer t"}) as ws:
        item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
        await ws.send_json({"type": "conversation.item.create", "item": item})
        await ws.send_json({"type": "response.create", "response": {"output_modalities": ["text"]}})
        async for msg in ws:
            event = json.loads(msg.data)
            if event["type"] == "response.done":
                return Cell("pass", event["response"]["output"][0]["content"][0]["text"])
    return Cell("fail", "closed")


async def test_a_driver_runs_against_a_fresh_real_server() -> None:
    """run_cell starts the server the check needs and returns the driver's cell."""
    assert await run_cell(BY_NAME["text_turn"], _text_turn) == Cell("pass", "You said: hi")


async def test_a_hung_driver_fails_its_cell_with_the_timeline(monkeypatch: pytest.MonkeyPatch) -> None:
    """A driver that never returns fails as hung, and the evidence ends with the server's timeline."""
    monkeypatch.setattr(realtime, "CELL_TIMEOUT", 0.5)

    async def hang(server: FakeServer, clock: ManualClock) -> Cell:
        await _text_turn(server, clock)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    cell = await run_cell(BY_NAME["text_turn"], hang)
    assert (cell.status, cell.reason) == ("fail", "hung")
    assert "/v1/realtime" in cell.evidence and "You said: hi" in cell.evidence


async def test_a_driver_error_fails_its_cell() -> None:
    """An exception out of the client (or the driver) is that cell's failure, named, not the run's."""

    async def boom(server: FakeServer, clock: ManualClock) -> Cell:
        raise ConnectionResetError("gone")

    cell = await run_cell(BY_NAME["text_turn"], boom)
    assert (cell.status, cell.reason) == ("fail", "raised ConnectionResetError")


def test_every_check_says_what_passes() -> None:
    """Each check has a unique name and a pass rule; the scripted ones build their scenario."""
    assert len(BY_NAME) == len(CHECKS) == 8
    for check in CHECKS:
        assert check.passes_when
        check.source()
