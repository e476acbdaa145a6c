"""A bounded request log over real sockets: what it drops and cuts is said, and readers that need it fail loudly."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from exchanges import sdk, user

from fake_server import FakeServer
from openai_replay.log.bounds import LogIncomplete
from openai_replay.log.trim import MARKER, cut_events

LONG = " ".join(f"word{n}" for n in range(400))  # echoed back: about 400 output_text.delta events


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP client for the control API, bounded so a hung route fails the test."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session


def root(server: FakeServer) -> str:
    return str(server.url).removesuffix("/v1")


async def control(http: aiohttp.ClientSession, server: FakeServer, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, f"{root(server)}/__replay/{path}", **kw) as answer:
        return answer.status, await answer.json()


def test_cut_events_keeps_the_first_and_last_with_a_count() -> None:
    """Ten event types cut to five keep two first, two last, and a note counting the six left out."""
    types = [f"e{n}" for n in range(10)]
    assert cut_events(types, 5) == ["e0", "e1", f"{MARKER} 6 more event types]", "e8", "e9"]
    assert cut_events(types, 10) is None


async def test_long_streams_keep_bounded_event_types_and_output_with_notes() -> None:
    """With limits, a long streamed reply keeps 16 event types (first and last) and ~1 KB of output, each noted."""
    async with FakeServer(seed=1, log_event_limit=16, log_payload_limit=1024) as server:
        client = sdk(server)
        stream = await client.responses.create(model="m", input=LONG, stream=True)
        seen = [event.type async for event in stream]
        record = server.log[0]
        assert len(seen) > 300 and len(record.event_types) == 16
        assert record.event_types[0] == "response.created" and record.event_types[-1] == "response.completed"
        assert f"{MARKER} {len(seen) - 15} more event types]" in record.event_types
        assert MARKER in json.dumps(record.output_items) and len(json.dumps(record.output_items)) < 2000
        assert set(record.truncated) >= {"event_types", "output_items"}
        with pytest.raises(LogIncomplete, match=r"#1 \(.*output_items.*--log-payload-limit"):
            server.log.assert_history_intact()


async def test_in_process_servers_keep_every_event_type_whole() -> None:
    """FakeServer's defaults keep the log whole: every event type and the whole output, nothing marked cut."""
    async with FakeServer(seed=1) as server:
        stream = await sdk(server).responses.create(model="m", input=LONG, stream=True)
        seen = [event.type async for event in stream]
        record = server.log[0]
        assert record.event_types == seen and record.truncated == ()
        said = record.output_items[0]["content"][0]["text"]
        assert said == f"You said: {LONG}"
        again = [user(LONG), {"role": "assistant", "content": said}, user("and now?")]
        await sdk(server).responses.create(model="m", input=again)  # type: ignore[arg-type]
        server.log.assert_history_intact()


async def test_a_log_that_dropped_requests_fails_assertions_and_queries_loudly(http: aiohttp.ClientSession) -> None:
    """With log_limit=3 the oldest turns drop: assertions, find and near-misses fail naming --log-limit; the export says so."""
    async with FakeServer(seed=1, log_limit=3) as server:
        client = sdk(server)
        previous = None
        for n in range(8):
            previous = (await client.responses.create(model="m", input=f"turn {n}", previous_response_id=previous)).id
        log = server.log
        assert log.dropped >= 2 and len(log.requests) == 8 - log.dropped
        with pytest.raises(LogIncomplete, match=r"dropped request\(s\) #1-#\d.*--log-limit"):
            log.assert_chained()
        with pytest.raises(LogIncomplete, match=r"request #1 is no longer in the log"):
            log.request(1)
        assert log.render().startswith(f"    ... request(s) #1-#{log.dropped} dropped by the log's limit (3 kept) ...")
        status, body = await control(http, server, "POST", "assert/invariants")
        assert status == 409 and "--log-limit" in body["failure"]
        status, body = await control(http, server, "GET", "requests/find", params={"api": "responses"})
        assert status == 409 and body["error"]["code"] == "log_incomplete" and "--log-limit" in body["error"]["message"]
        status, body = await control(http, server, "GET", "requests/1/near-misses")
        assert status == 410 and body["error"]["code"] == "log_incomplete"
        status, body = await control(http, server, "GET", "requests")
        assert status == 200 and body["dropped"] == log.dropped and body["limits"]["requests"] == 3
        await control(http, server, "POST", "reset")
        await client.responses.create(model="m", input="after the reset")
        assert log.dropped == 0
        log.assert_one_in_flight()


async def test_find_refuses_to_search_text_in_cut_payloads(http: aiohttp.ClientSession) -> None:
    """requests/find?text= answers 409 when a payload it did not match was cut (the text may be in the part left out)."""
    async with FakeServer(seed=1, log_payload_limit=256) as server:
        client = sdk(server)
        await client.responses.create(model="m", input="short needle")
        await client.responses.create(model="m", input="x" * 2000 + " hidden needle")
        assert "payload.input" in server.log[1].truncated
        status, body = await control(http, server, "GET", "requests/find", params={"text": "hidden needle"})
        assert status == 409 and "#2" in body["error"]["message"] and "--log-payload-limit" in body["error"]["message"]
        status, body = await control(http, server, "GET", "requests/find", params={"text": "short needle"})
        assert status == 409  # request #2 might hold it too: no answer rather than a partial one
        status, body = await control(http, server, "GET", "requests/find", params={"text": "m"})
        assert status == 200 and len(body["requests"]) == 2  # every cut payload matched in what it kept
        status, body = await control(http, server, "GET", "requests/find", params={"api": "responses"})
        assert status == 200 and len(body["requests"]) == 2 and "payload.input" in body["requests"][1]["truncated"]
