"""The control API under /__replay/: the log, scenarios, reset, verify and assertions over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
from exchanges import sdk, turn, user

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay
from openai_replay.clock import ManualClock


async def call(http: aiohttp.ClientSession, server: FakeServer, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, f"{server.control_url}/{path}", **kw) as answer:
        body = await answer.json() if answer.content_type == "application/json" else await answer.text()
        return answer.status, body


async def two_chained_turns(server: FakeServer, *, chain: bool = True) -> None:
    async with sdk(server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], store=False)
        await turn(conn, input=[user("again")], previous_response_id=first.response.id if chain else None, store=False)


async def test_requests_returns_connections_requests_with_payload_attempt_outcome_and_frames(
    server: FakeServer, http: aiohttp.ClientSession
) -> None:
    """GET /__replay/requests shows what an SDK client sent: payload, attempt, outcome, its frames, no auth needed."""
    await two_chained_turns(server)
    status, body = await call(http, server, "GET", "requests")
    assert status == 200
    assert [c["id"] for c in body["connections"]] == [1] and body["connections"][0]["closed_by"] == "client"
    first, second = body["requests"]
    assert first["payload"]["input"][0]["content"][0]["text"] == "hi" and first["attempt"] == 1
    assert first["outcome"]["kind"] == "completed" and second["previous_response_id"] == first["response_id"]
    assert [f["type"] for f in body["frames"]] == ["response.create", "response.create"]
    assert body["next"] == {"since": 2, "frames_since": 2}


async def test_since_returns_only_what_came_after_the_cursor(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """?since=N&frames_since=M polls incrementally: only requests and frames after the cursors come back."""
    await two_chained_turns(server)
    _, body = await call(http, server, "GET", "requests", params={"since": "1", "frames_since": "1"})
    assert [r["turn"] for r in body["requests"]] == [2] and [f["seq"] for f in body["frames"]] == [2]
    _, later = await call(http, server, "GET", "requests", params={"since": "2", "frames_since": "2"})
    assert later["requests"] == [] and later["frames"] == [] and later["next"] == {"since": 2, "frames_since": 2}
    status, bad = await call(http, server, "GET", "requests", params={"since": "x"})
    assert status == 400 and "?since= takes a whole number" in bad["error"]["message"]


async def test_timeline_is_the_text_the_assertions_print(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """GET /__replay/timeline is the log's own timeline, as plain text."""
    await two_chained_turns(server)
    status, text = await call(http, server, "GET", "timeline")
    assert status == 200 and text == server.log.render()
    assert "#2 conn 1  -> response.create  prev=" in text


async def test_builtin_scenario_loads_over_the_api_and_verify_reports_what_never_fired(
    server: FakeServer, http: aiohttp.ClientSession
) -> None:
    """PUT a built-in with params: the next chained turn gets the fault; verify lists a rule that never fired."""
    status, loaded = await call(http, server, "PUT", "scenario", json={"builtin": "cache_miss"})
    assert status == 200 and loaded["scenario"] == "cache_miss"
    _, unfired = await call(http, server, "GET", "verify")
    assert unfired["ok"] is False and "fired 0 times" in unfired["rules"][0]
    async with sdk(server).responses.connect() as conn:
        first = await turn(conn, input=[user("hi")], store=False)
        missed = await turn(conn, input=[user("again")], previous_response_id=first.response.id, store=False)
    assert missed.error.code == "previous_response_not_found"
    _, verified = await call(http, server, "GET", "verify")
    assert verified == {"ok": True, "rules": [], "unplayed": [], "mismatches": []}
    status, _ = await call(http, server, "DELETE", "scenario")
    assert status == 200 and server.state.source is server.sessions.default.base_source


async def test_scenario_json_loads_and_bad_scenarios_get_one_clear_line(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """PUT scenario JSON works; bad JSON, a bad rule, an unknown built-in or bad params answer 400 with one line."""
    doc = {"name": "limit", "rules": [{"match": {"turn": 1}, "do": [{"action": "error", "code": "server_error"}]}]}
    status, loaded = await call(http, server, "PUT", "scenario", json=doc)
    assert status == 200 and loaded["scenario"] == "limit"
    cases = [
        ({"data": "{nope"}, "not valid JSON"),
        ({"json": [1]}, "send scenario JSON"),
        ({"json": {"rules": [{"match": {"turn": 1}, "do": [{"action": "close", "bogus": 1}]}]}}, "unknown field(s) 'bogus'"),
        ({"json": {"builtin": "nope"}}, "no built-in scenario named 'nope'"),
        ({"json": {"builtin": "connection_limit", "params": {"tur": 3}}}, "connection_limit takes no parameter tur"),
        ({"json": {"builtin": "cache_miss", "extra": 1}}, "not 'extra'"),
    ]
    for kwargs, expected in cases:
        status, body = await call(http, server, "PUT", "scenario", **kwargs)
        assert status == 400, (kwargs, body)
        assert expected in body["error"]["message"] and "\n" not in body["error"]["message"]
        assert set(body["error"]) == {"message", "type", "param", "code"}


async def test_assert_answers_200_409_with_the_timeline_404_for_unknown_and_400_for_bad_arguments(
    server: FakeServer, http: aiohttp.ClientSession
) -> None:
    """POST /__replay/assert/{name}: chained holds (200), fails for an unchained turn (409 + timeline)."""
    await two_chained_turns(server)
    status, passed = await call(http, server, "POST", "assert/chained", json={"turns": [2]})
    assert status == 200 and passed["passed"] is True
    status, full = await call(http, server, "POST", "assert/full_context", json={"turn": 2})
    assert status == 409 and "previous_response_id" in full["failure"] and ">>" in full["failure"]
    assert "#2 conn 1" in full["timeline"]
    status, unknown = await call(http, server, "POST", "assert/chainde")
    assert status == 404 and "known: " in unknown["error"]["message"] and "chained" in unknown["error"]["message"]
    for args, expected in (({"turns": 2}, "'turns' is a list"), ({"cod": "x"}, "takes no argument 'cod'"), ([1], "JSON object")):
        status, bad = await call(http, server, "POST", "assert/chained", json=args)
        assert status == 400 and expected in bad["error"]["message"], bad
    status, missing = await call(http, server, "POST", "assert/chained", json={"turns": [9]})
    assert status == 409 and "there is no request #9" in missing["failure"]


async def test_assert_retried_returns_the_retry_and_one_in_flight_holds(http: aiohttp.ClientSession) -> None:
    """retried over the API sees the SDK's own retry of a 429, and returns that retry as JSON."""
    async with FakeServer(seed=2) as server:
        status, _ = await call(http, server, "PUT", "scenario", json={"builtin": "rate_limit", "params": {"retry_after": 0}})
        assert status == 200
        await sdk(server, max_retries=2).responses.create(model="gpt-4o-mini", input=[user("hi")])
        status, body = await call(http, server, "POST", "assert/retried", json={"code": "rate_limit_exceeded"})
        assert status == 200, body
        assert body["result"]["request"]["turn"] == 2 and body["result"]["request"]["attempt"] == 2
        status, _ = await call(http, server, "POST", "assert/one_in_flight")
        assert status == 200


async def test_reset_gives_a_fresh_log_store_scenario_and_clock(http: aiohttp.ClientSession) -> None:
    """POST /__replay/reset empties the log and store, drops the loaded scenario and rewinds a manual clock."""
    clock = ManualClock()
    async with FakeServer(seed=1, clock=clock) as server:
        await call(http, server, "PUT", "scenario", json={"builtin": "cache_miss"})
        reply = await sdk(server).responses.create(model="gpt-4o-mini", input=[user("hi")])
        status, moved = await call(http, server, "POST", "clock/advance", json={"seconds": 3600})
        assert status == 200 and moved["now"] == clock.start + 3600
        status, _ = await call(http, server, "POST", "reset")
        assert status == 200
        assert len(server.log) == 0 and server.state.store.get(reply.id) is None and clock.time() == clock.start
        assert server.state.source is server.sessions.default.base_source


async def test_clock_advance_needs_a_manual_clock_and_a_number(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """clock/advance on a real clock says to use --manual-clock (409); a bad number is a 400."""
    status, body = await call(http, server, "POST", "clock/advance", json={"seconds": 1})
    assert status == 409 and "--manual-clock" in body["error"]["message"]
    async with FakeServer(clock=ManualClock()) as manual:
        for bad in ({"seconds": -1}, {"seconds": "soon"}, {}, None):
            status, body = await call(http, manual, "POST", "clock/advance", json=bad)
            assert status == 400 and 'send {"seconds": N}' in body["error"]["message"]


async def test_control_needs_no_auth_and_no_control_turns_it_off(http: aiohttp.ClientSession) -> None:
    """The API answers without Authorization; FakeServer(control=False) answers its paths with OpenAI's 404."""
    async with FakeServer(require_auth=True) as server:
        status, _ = await call(http, server, "GET", "requests")
        assert status == 200
    async with FakeServer(control=False) as server:
        status, body = await call(http, server, "GET", "requests")
        assert status == 404 and "Invalid URL (GET /__replay/requests)" in body["error"]["message"]


async def test_verify_lists_cassette_interactions_never_played(http: aiohttp.ClientSession) -> None:
    """With a cassette, GET /__replay/verify names each recorded interaction no request used, until it is played."""
    replay = CassetteReplay(Path(__file__).resolve().parents[3] / "cassettes" / "examples" / "chained_text_ws.json")
    async with FakeServer(source=replay) as server:
        status, body = await call(http, server, "GET", "verify")
    assert status == 200 and body["ok"] is False and body["rules"] == []
    assert len(body["unplayed"]) == len(replay.items) >= 1
    assert body["unplayed"][0].startswith("interaction 1: ")
