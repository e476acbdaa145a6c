"""Every built-in scenario, driven over real sockets by the openai SDK (raw aiohttp where the SDK cannot)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
import websockets
from clockkit import GateClock
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
    assert parameters("close_mid_stream") == {"code": 1011, "deltas": 2, "turn": None}


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
    assert str(server.log[0].outcome) == "closed_by_server"  # an HTTP stream is cut: no WebSocket close code


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
    clock = GateClock()
    async with (
        FakeServer(source=builtin("slow_first_token", seconds=0.3), clock=clock) as server,
        client_for(server).responses.connect() as conn,
    ):
        await conn.response.create(model="gpt-4o-mini", input="x", store=False)
        types: list[str] = []

        async def read() -> None:
            async for event in conn:
                types.append(event.type)
                if event.type == "response.in_progress":
                    # the server now sleeps on the gate: both events came before the first output's wait ended
                    gate = await clock.sleeping.get()
                    assert types == ["response.created", "response.in_progress"] and clock.slept == [0.3]
                    gate.set_result(None)
                if event.type == "response.completed":
                    return

        await asyncio.wait_for(read(), 10)  # a wait in the wrong place would hold created back: fail, not hang
    assert "response.output_text.delta" in types and clock.slept == [0.3]

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


ONE_REQUEST_FAULTS = (
    "cache_miss",
    "close_mid_stream",
    "close_before_created",
    "drop_mid_stream",
    "failed",
    "incomplete",
    "rate_limit",
)


def test_every_one_request_fault_takes_turn() -> None:
    """Each built-in that faults one request takes turn= (default: the first generating request, as before)."""
    for name in (*ONE_REQUEST_FAULTS, "stall_forever"):
        assert parameters(name)["turn"] is None, name


async def test_failed_on_turn_3_leaves_the_first_two_alone() -> None:
    """failed:turn=3: requests 1 and 2 complete, request 3 gets response.failed, the rule fired once."""
    s = builtin("failed", turn=3)
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        for text in ("one", "two", "three"):
            await sdk_turn(conn, input=[user(text)])
    assert [r.outcome.kind for r in server.log] == ["completed", "completed", "failed"]
    assert s.verify() == []


async def test_close_mid_stream_on_turn_2_closes_the_second_reply() -> None:
    """close_mid_stream:turn=2 closes request 2 with 1011 after two deltas; request 1 completes."""
    s = builtin("close_mid_stream", turn=2)
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        first, _ = await sdk_turn(conn, input=[user("one")])
        cut, error = await sdk_turn(conn, input=[user("two")])
    assert first[-1]["type"] == "response.completed" and error is not None
    assert [t["type"] for t in cut].count("response.output_text.delta") == 2
    assert str(server.log.request(2).outcome) == "closed_by_server [close 1011]"


async def test_stall_forever_over_websocket_ends_only_when_the_client_gives_up() -> None:
    """No event after response.in_progress; the client's own timeout and close end the turn (closed_by_client)."""
    async with FakeServer(source=builtin("stall_forever")) as server:
        async with client_for(server).responses.connect() as conn:
            with pytest.raises(TimeoutError):
                await sdk_turn(conn, timeout=1.0, input=[user("hi")])
        for _ in range(100):
            if server.log.request(1).outcome.kind != "pending":
                break
            await asyncio.sleep(0.02)
    assert server.log.request(1).event_types == ["response.created", "response.in_progress"]
    assert server.log.request(1).outcome.kind == "closed_by_client"


@pytest.mark.slow
async def test_stall_forever_over_http_frees_the_handler_when_the_client_disconnects() -> None:
    """An HTTP stream stalled forever ends on the server once the client's socket closes (no lingering turn)."""
    async with FakeServer(source=builtin("stall_forever", deltas=1)) as server:
        client = client_for(server).with_options(timeout=1.0)
        with pytest.raises(Exception):  # noqa: B017 - the SDK's read timeout, whatever its class
            stream = await client.responses.create(model="gpt-4o-mini", input="hi", stream=True)
            async for _ in stream:
                pass
        for _ in range(150):
            if server.log.request(1).outcome.kind != "pending":
                break
            await asyncio.sleep(0.02)
    assert server.log.request(1).outcome.kind == "closed_by_client"
    assert server.log.request(1).event_types.count("response.output_text.delta") == 1


async def test_legacy_usage_drops_cache_write_tokens_and_still_parses() -> None:
    """legacy_usage: usage.input_tokens_details has cached_tokens only; the SDK parses it (HTTP and WS)."""
    async with FakeServer(source=builtin("legacy_usage")) as server:
        reply = await client_for(server).responses.create(model="gpt-4o-mini", input="hi")
        async with aiohttp.ClientSession() as http:
            async with http.post(
                f"{server.url}/responses", json={"model": "gpt-4o-mini", "input": "hi"}, headers={"Authorization": "Bearer k"}
            ) as answer:
                body = await answer.json()
    assert reply.usage is not None and reply.usage.input_tokens_details.cached_tokens == 0
    assert body["usage"]["input_tokens_details"] == {"cached_tokens": 0}
