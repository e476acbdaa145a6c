"""Issue 21 items 1, 7, 11: the control API reads bodies like /v1 (deadline, size, strict JSON) and bounds its arguments."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from fake_server import FakeServer
from openai_replay.server.control import MAX_CONTROL_BODY


async def call(http: aiohttp.ClientSession, server: FakeServer, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, f"{server.control_url}/{path}", **kw) as answer:
        return answer.status, await answer.json()


def one_error(body: Any) -> str:
    """The message of an error body in OpenAI's shape, checked to be one line."""
    assert set(body["error"]) == {"message", "type", "param", "code"}, body
    message: str = body["error"]["message"]
    assert "\n" not in message and "Traceback" not in message, message
    return message


RULE = {"match": {"turn": 1}, "do": [{"action": "text", "text": "hi"}]}


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ('{"rules": ' + "[" * 1000 + "]" * 1000 + "}", "nests deeper than 128 levels"),  # a 500 RecursionError before
        ('{"rules": [' + json.dumps(RULE) + '], "rules": []}', "the key 'rules' appears twice"),  # "ok, 0 rules" before
        ('{"rules": [{"match": {"turn": 1}, "do": [{"action": "text", "text": "a\\ud800"}]}]}', "no low surrogate"),
        ('{"rules": [], "config": {"seed": NaN}}', "NaN is not a JSON number"),
    ],
)
async def test_hostile_scenario_bodies_get_one_line_400s(
    server: FakeServer, http: aiohttp.ClientSession, body: str, says: str
) -> None:
    """Deep nesting, a repeated key, a lone surrogate (which broke every later SSE turn) and NaN: a 400, never loaded."""
    status, answer = await call(http, server, "PUT", "scenario", data=body)
    assert status == 400 and answer["error"]["code"] == "invalid_json"
    assert says.lower() in one_error(answer).lower()
    status, verify = await call(http, server, "GET", "verify")
    assert status == 200 and verify["ok"] is True  # nothing was loaded


async def test_control_body_over_the_size_limit_is_413(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """A body past MAX_CONTROL_BODY is refused (413) whether it says its length or streams it chunked."""
    big = b'{"rules": [], "description": "' + b"x" * MAX_CONTROL_BODY + b'"}'
    status, answer = await call(http, server, "PUT", "scenario", data=big)
    assert status == 413 and "at most 8,388,608" in one_error(answer)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 1 << 20):
            yield big[start : start + (1 << 20)]

    status, answer = await call(http, server, "PUT", "scenario", data=chunks())
    assert status == 413 and answer["error"]["code"] == "body_too_large"


@pytest.mark.slow  # the server's stop waits 2 s for the connection it lingers on (as for /v1)
async def test_control_body_that_never_ends_is_408() -> None:
    """Issue 21 item 7: a control body that stops arriving gets a 408 at body_timeout and the connection closes."""
    async with FakeServer(body_timeout=0.3) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b'PUT /__replay/scenario HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"rules": [')
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        length = int(next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")).split(b":")[1])
        body = await asyncio.wait_for(reader.readexactly(length), 5)
        writer.transport.abort()
        assert head.startswith(b"HTTP/1.1 408") and b"Connection: close" in head, head
        assert "did not arrive within 0.3 seconds" in one_error(json.loads(body))


@pytest.mark.parametrize(("wait", "status"), [(1e9, 400), (1e308, 400), ("x", 400), (-1, 400), (True, 400), (0, 200), (30, 200)])
async def test_all_closed_wait_is_a_bounded_number(
    server: FakeServer, http: aiohttp.ClientSession, wait: Any, status: int
) -> None:
    """Issue 21 item 11: assert/all_closed takes wait from 0 to 30 s; 1e9 (it held a worker thread) and text are a 400."""
    got, answer = await call(http, server, "POST", "assert/all_closed", json={"wait": wait})
    assert got == status, answer
    if status == 400:
        message = one_error(answer)
        assert "'wait' is a number of seconds from 0 to 30" in message and "unsupported operand" not in message


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("retry_after", 1e308, "retry_after: at most 86,400 seconds (one day), got 1e+308"),
        ("retry_after_ms", 1e12, "retry_after_ms: at most 86,400,000 milliseconds (one day)"),
    ],
)
async def test_scenario_numbers_are_bounded_at_load(
    server: FakeServer, http: aiohttp.ClientSession, field: str, value: float, says: str
) -> None:
    """Issue 21 item 11: retry_after 1e308 (a 309-digit header before) is refused when the scenario loads."""
    rule = {"match": {"turn": 1}, "do": [{"action": "http_status", "status": 429, field: value}]}
    status, answer = await call(http, server, "PUT", "scenario", json={"rules": [rule]})
    assert status == 400 and says in one_error(answer)
    rule["do"][0][field] = 86_400
    status, answer = await call(http, server, "PUT", "scenario", json={"rules": [rule]})
    assert status == 200, answer


async def test_too_many_rules_is_a_400_at_once(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """Issue 21 item 1: a scenario over the rule cap is refused before any check runs."""
    status, answer = await call(http, server, "PUT", "scenario", json={"rules": [RULE] * 5_001})
    assert status == 400 and "5,001 rules is more than the 5,000" in one_error(answer)


@pytest.mark.slow
async def test_a_large_scenario_loads_off_the_event_loop(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """Issue 21 item 1: while 2,000 rules are checked (seconds), other control requests are answered at once."""
    rules = [{"match": {"turn": n}, "do": [{"action": "text", "text": f"r{n}"}]} for n in range(1, 2001)]
    loading = asyncio.ensure_future(call(http, server, "PUT", "scenario", json={"rules": rules}))
    await asyncio.sleep(0.2)  # the load is under way
    status, _ = await call(http, server, "GET", "requests")
    assert status == 200 and not loading.done(), "the log was answered only after the scenario load: it ran on the loop"
    status, answer = await loading
    assert status == 200 and len(answer["rules"]) == 2000
