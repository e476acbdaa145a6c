"""Every built-in scenario, driven over real sockets by the openai SDK (raw aiohttp where the SDK cannot)."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest
import websockets
from scenariokit import RawSocket, client_for, http_stream, sdk_turn, texts, user

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.scenarios import BUILTINS, ScenarioError, builtin, parameters


def test_every_builtin_has_a_one_line_description_and_builds() -> None:
    """Each name in BUILTINS builds a fresh scenario with that name; unknown names and params are refused."""
    for name, description in BUILTINS.items():
        assert "\n" not in description and len(description) < 110
        assert builtin(name).name == name and builtin(name) is not builtin(name)
    with pytest.raises(ScenarioError, match="no built-in scenario named 'nope'; built-ins: cache_miss"):
        builtin("nope")
    with pytest.raises(ScenarioError, match=r"connection_limit takes no parameter n; it takes: turn=2, close=None"):
        builtin("connection_limit", n=3)
    assert parameters("close_mid_stream") == {"code": 1011, "deltas": 2}


async def test_cache_miss() -> None:
    """The first chained turn gets previous_response_not_found; the full-context resend is answered."""
    s = builtin("cache_miss")
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        first, _ = await sdk_turn(conn, input=[user("hi")])
        miss, _ = await sdk_turn(conn, input=[user("more")], previous_response_id=first[-1]["response"]["id"])
        full = [user("hi"), *first[-1]["response"]["output"], user("more")]
        resent, _ = await sdk_turn(conn, input=full)
    assert miss == [
        {
            "type": "error",
            "status": 400,
            "error": {
                "type": "invalid_request_error",
                "code": "previous_response_not_found",
                "message": f"Previous response with id '{first[-1]['response']['id']}' not found.",
                "param": "previous_response_id",
            },
        }
    ]
    assert resent[-1]["type"] == "response.completed"
    assert [str(r.outcome) for r in server.log] == ["completed", "error (previous_response_not_found)", "completed"]
    assert s.verify() == []


async def test_connection_limit_on_turn_n() -> None:
    """Connection 1 answers the limit error from its 2nd request on; a new connection works."""
    s = builtin("connection_limit", turn=2)
    async with FakeServer(source=s) as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            ok, _ = await sdk_turn(conn, input="one")
            limited, _ = await sdk_turn(conn, input="two")
            still, _ = await sdk_turn(conn, input="three")
        async with client.responses.connect() as conn:
            fresh, _ = await sdk_turn(conn, input="two")
    assert ok[-1]["type"] == fresh[-1]["type"] == "response.completed"
    for frame in (limited, still):
        assert frame == [
            {
                "type": "error",
                "status": 400,
                "error": {
                    "type": "invalid_request_error",
                    "code": "websocket_connection_limit_reached",
                    "message": "Responses websocket connection limit reached (60 minutes). Create a new websocket "
                    "connection to continue.",
                },
            }
        ]
    limit = "websocket_connection_limit_reached"
    assert [(r.connection_id, r.outcome.code) for r in server.log] == [(1, None), (1, limit), (1, limit), (2, None)]
    assert s.verify() == []


async def test_close_mid_stream_over_ws_and_http() -> None:
    """Two deltas, then close 1011 (WS); over HTTP the stream just stops with no terminal event."""
    async with FakeServer(source=builtin("close_mid_stream")) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x")
    assert [e["type"] for e in events][-2:] == ["response.output_text.delta"] * 2
    assert isinstance(failure, websockets.ConnectionClosedError) and failure.rcvd is not None
    assert (failure.rcvd.code, failure.rcvd.reason) == (1011, "scripted close")
    assert str(server.log[0].outcome) == "closed_by_server [close 1011]"

    async with FakeServer(source=builtin("close_mid_stream")) as server:
        events, failure = await http_stream(client_for(server), input="x")
    assert failure is None and events[-1]["type"] == "response.output_text.delta"
    assert server.log[0].outcome.kind == "closed_by_server"


async def test_close_before_created() -> None:
    """The socket closes with 1011 before any event."""
    s = builtin("close_before_created")
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x")
    assert events == [] and isinstance(failure, websockets.ConnectionClosedError)
    assert failure.rcvd is not None and failure.rcvd.code == 1011
    assert server.log[0].event_types == [] and s.verify() == []


async def test_drop_mid_stream() -> None:
    """Two deltas, then the TCP connection dies without a close frame."""
    async with FakeServer(source=builtin("drop_mid_stream")) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x")
    assert [e["type"] for e in events][-1] == "response.output_text.delta"
    assert isinstance(failure, websockets.ConnectionClosedError) and failure.rcvd is None
    assert server.log[0].outcome.kind == "dropped"


async def test_failed() -> None:
    """The reply ends with response.failed (server_error)."""
    async with FakeServer(source=builtin("failed")) as server, client_for(server).responses.connect() as conn:
        events, _ = await sdk_turn(conn, input="x")
    assert [e["type"] for e in events] == ["response.created", "response.in_progress", "response.failed"]
    assert events[-1]["response"]["error"] == {"code": "server_error", "message": "The model failed to generate a response."}
    assert str(server.log[0].outcome) == "failed (server_error)"


async def test_incomplete() -> None:
    """The reply ends with response.incomplete (max_output_tokens) and its message left incomplete."""
    async with FakeServer(source=builtin("incomplete")) as server:
        events, _ = await http_stream(client_for(server), input="x")
    final = events[-1]["response"]
    assert events[-1]["type"] == "response.incomplete" and final["incomplete_details"] == {"reason": "max_output_tokens"}
    assert final["output"][0]["status"] == "incomplete"
    assert server.log[0].outcome.kind == "incomplete"


async def test_cancel_mid_stream() -> None:
    """A slow long reply; a response.cancel sent mid-stream ends it with response.incomplete (cancelled)."""
    s = builtin("cancel_mid_stream", delay=0.02)
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        assert raw.ws is not None
        await raw.send(input="talk for a while")
        deltas = 0
        while deltas < 3:
            event = json.loads((await asyncio.wait_for(raw.ws.receive(), 5)).data)
            deltas += event["type"] == "response.output_text.delta"
        await raw.ws.send_str(json.dumps({"type": "response.cancel"}))
        rest = texts(await raw.frames())
    assert rest[-1]["type"] == "response.incomplete"
    assert rest[-1]["response"]["incomplete_details"] == {"reason": "cancelled"}
    assert 3 <= deltas + sum(e["type"] == "response.output_text.delta" for e in rest) < 60
    assert server.log[0].outcome.kind == "cancelled"
    assert [f.type for f in server.log.frames] == ["response.create", "response.cancel"]


async def test_tool_call_round_trip() -> None:
    """The first turn calls get_weather({city: Paris}); the turn with its output gets an answer."""
    s = builtin("tool_call")
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        first, _ = await sdk_turn(conn, input="weather in Paris?")
        call = first[-1]["response"]["output"][0]
        output = {"type": "function_call_output", "call_id": call["call_id"], "output": '{"temp_c": 18}'}
        second, _ = await sdk_turn(conn, input=[output], previous_response_id=first[-1]["response"]["id"])
    assert (call["name"], call["arguments"]) == ("get_weather", '{"city":"Paris"}')
    assert second[-1]["response"]["output"][0]["content"][0]["text"] == 'get_weather returned: {"temp_c": 18}'
    assert s.verify() == []
    assert [r.answered_by for r in server.log] == ["rule 1 'call get_weather'", "rule 2 'answer from the tool output'"]


async def test_rate_limit_then_success_over_http() -> None:
    """HTTP 429 rate_limit_exceeded with retry headers, then the SDK's retry succeeds."""
    s = builtin("rate_limit", retry_after_ms=50)
    async with FakeServer(source=s) as server:
        response = await client_for(server, max_retries=2).responses.create(model="gpt-4o-mini", input="x")
    assert response.status == "completed"
    assert [(r.attempt, r.outcome.code) for r in server.log] == [(1, "rate_limit_exceeded"), (2, None)]
    assert s.verify() == []


async def test_slow_first_token() -> None:
    """created and in_progress come at once, then the first output waits the scripted seconds."""
    s = builtin("slow_first_token", seconds=0.3)
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        await conn.response.create(model="gpt-4o-mini", input="x", store=False)
        stamps = []
        async for event in conn:
            stamps.append((event.type, time.monotonic()))
            if event.type == "response.completed":
                break
    gap = stamps[2][1] - stamps[1][1]
    assert stamps[1][0] == "response.in_progress" and gap >= 0.28
    assert stamps[1][1] - stamps[0][1] < 0.2

    async with FakeServer(source=builtin("slow_first_token"), clock=ManualClock()) as server:
        await http_stream(client_for(server), input="x")
    record = server.log[0]
    assert record.finished_at is not None and record.finished_at - record.received_at == 2.0


async def test_reject_handshake() -> None:
    """The first upgrade is refused with HTTP 429 and retry-after; the next connection works."""
    s = builtin("reject_handshake")
    async with FakeServer(source=s) as server:
        client = client_for(server)
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with client.responses.connect():
                pass
        async with client.responses.connect() as conn:
            events, _ = await sdk_turn(conn, input="x")
    response = refused.value.response
    assert response.status_code == 429 and response.headers["retry-after"] == "1"
    assert json.loads(response.body)["error"]["code"] == "rate_limit_exceeded"
    assert events[-1]["type"] == "response.completed"
    assert [c.handshake_status for c in server.log.connections] == [429, None]
    assert s.verify() == []


async def test_idle_connection_limit() -> None:
    """After its first request the idle connection is pushed the limit error; later requests get it too."""
    s = builtin("idle_connection_limit")
    async with FakeServer(source=s, clock=ManualClock()) as server, RawSocket(server) as raw:
        assert raw.ws is not None
        await raw.send()
        first = texts(await raw.frames())
        pushed = json.loads((await asyncio.wait_for(raw.ws.receive(), 5)).data)
        await raw.send(input="again")
        after = texts(await raw.frames())
    assert first[-1]["type"] == "response.completed"
    assert pushed["type"] == "error" and pushed["error"]["code"] == "websocket_connection_limit_reached"
    assert after[0]["error"]["code"] == "websocket_connection_limit_reached"
    assert server.log.connections[0].pushed == ["error (websocket_connection_limit_reached)"]
    assert s.verify() == []


async def test_builtins_work_over_raw_aiohttp_http_too() -> None:
    """A built-in scripted error over plain HTTP has the real body and headers (no SDK involved)."""
    async with FakeServer(source=builtin("rate_limit")) as server, aiohttp.ClientSession() as session:
        async with session.post(
            f"{server.url}/responses", json={"model": "gpt-4o-mini", "input": "x"}, headers={"Authorization": "Bearer k"}
        ) as response:
            body = await response.json()
    assert response.status == 429 and response.headers["retry-after"] == "1"
    assert body["error"]["type"] == "requests" and body["error"]["code"] == "rate_limit_exceeded"
