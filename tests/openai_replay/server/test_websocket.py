"""WebSocket mode, driven by the openai SDK's responses.connect() and by raw aiohttp frames."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from scenariokit import client_for
from testkit import assert_event_conforms, assert_stream_well_formed, user

from fake_server import FakeServer
from openai_replay.clock import ManualClock

TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")


async def collect(connection: Any) -> list[dict[str, Any]]:
    """Events of one response (or one error frame), as plain dicts, bounded in time."""
    events: list[dict[str, Any]] = []

    async def run() -> None:
        async for event in connection:
            events.append(event.to_dict())
            if event.type in TERMINAL:
                return

    await asyncio.wait_for(run(), timeout=10)
    return events


async def raw_turn(ws: aiohttp.ClientWebSocketResponse, **create: Any) -> list[dict[str, Any]]:
    await ws.send_str(json.dumps({"type": "response.create", **create}))
    return await raw_until_terminal(ws)


async def raw_until_terminal(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
    events = []
    while True:
        msg = await asyncio.wait_for(ws.receive(), timeout=10)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        event = json.loads(msg.data)
        events.append(event)
        if event["type"] in TERMINAL:
            return events


async def test_chained_conversation_over_connect(server: FakeServer) -> None:
    """Three turns on one socket chain with previous_response_id; every event conforms to spec and SDK."""
    client = client_for(server)
    async with client.responses.connect() as conn:
        await conn.response.create(model="gpt-4o-mini", store=False, input=[user("first")])
        first = await collect(conn)
        prev = first[-1]["response"]["id"]
        await conn.response.create(model="gpt-4o-mini", store=False, previous_response_id=prev, input=[user("second")])
        second = await collect(conn)
        await conn.response.create(
            model="gpt-4o-mini", store=False, previous_response_id=second[-1]["response"]["id"], input=[user("third")]
        )
        third = await collect(conn)
    for events in (first, second, third):
        assert_stream_well_formed(events)
        for event in events:
            assert_event_conforms(event, websocket=True)
            assert "stream_id" not in event
    assert second[-1]["response"]["previous_response_id"] == prev
    assert third[-1]["response"]["output"][0]["content"][0]["text"] == "You said: third"
    assert first[-1]["response"]["usage"]["input_tokens_details"]["cached_tokens"] == 0
    assert second[-1]["response"]["usage"]["input_tokens_details"]["cached_tokens"] > 0
    turns = list(server.log)
    assert [r.turn_on_connection for r in turns] == [1, 2, 3]
    assert {r.connection_id for r in turns} == {1}
    assert [r.outcome.kind for r in turns] == ["completed"] * 3


async def test_store_false_chain_from_other_connection_is_not_found(server: FakeServer) -> None:
    """A store:false id is connection-local: another socket gets the exact previous_response_not_found frame."""
    client = client_for(server)
    async with client.responses.connect() as conn:
        await conn.response.create(model="gpt-4o-mini", store=False, input=[user("hi")])
        prev = (await collect(conn))[-1]["response"]["id"]
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
        frames = await raw_turn(ws, model="gpt-4o-mini", store=False, previous_response_id=prev, input=[user("again")])
    assert frames == [
        {
            "type": "error",
            "status": 400,
            "error": {
                "type": "invalid_request_error",
                "code": "previous_response_not_found",
                "message": f"Previous response with id '{prev}' not found.",
                "param": "previous_response_id",
            },
        }
    ]
    assert_event_conforms(frames[0], websocket=True)
    assert server.log[-1].outcome.code == "previous_response_not_found"


async def test_store_true_chain_works_from_any_connection(server: FakeServer) -> None:
    """A store:true response hydrates on a new connection, so the chain continues."""
    client = client_for(server)
    async with client.responses.connect() as conn:
        await conn.response.create(model="gpt-4o-mini", store=True, input=[user("remember me")])
        prev = (await collect(conn))[-1]["response"]["id"]
    async with client.responses.connect() as conn:
        await conn.response.create(model="gpt-4o-mini", store=True, previous_response_id=prev, input=[user("still there?")])
        events = await collect(conn)
    assert events[-1]["type"] == "response.completed"
    assert events[-1]["response"]["previous_response_id"] == prev


async def test_only_the_most_recent_store_false_response_is_cached(server: FakeServer) -> None:
    """Chaining to an older store:false response on the same socket fails: the cache holds one response."""
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
        first = (await raw_turn(ws, model="m", store=False, input=[user("a")]))[-1]["response"]["id"]
        await raw_turn(ws, model="m", store=False, previous_response_id=first, input=[user("b")])
        frames = await raw_turn(ws, model="m", store=False, previous_response_id=first, input=[user("c")])
    assert frames[-1]["error"]["code"] == "previous_response_not_found"


async def test_failed_turn_evicts_the_referenced_id(server: FakeServer) -> None:
    """After a chained turn fails with a 400, the id it referenced is gone from the connection cache."""
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
        prev = (await raw_turn(ws, model="m", store=False, input=[user("a")]))[-1]["response"]["id"]
        bad = await raw_turn(ws, model="m", store=False, previous_response_id=prev, temperature=5, input=[user("b")])
        assert bad[-1]["error"]["code"] == "decimal_above_max_value"
        again = await raw_turn(ws, model="m", store=False, previous_response_id=prev, input=[user("b")])
    assert again[-1]["error"]["code"] == "previous_response_not_found"


async def test_warm_up_then_chain(server: FakeServer) -> None:
    """generate:false completes with empty output and 0 output tokens, and its id can be chained on."""
    client = client_for(server)
    async with client.responses.connect() as conn:
        warm_up = {
            "type": "response.create",
            "model": "gpt-4o-mini",
            "store": False,
            "generate": False,
            "input": [user("context")],
        }
        await conn.send(warm_up)  # type: ignore[arg-type]
        warm = await collect(conn)
        final = warm[-1]["response"]
        assert [e["type"] for e in warm] == ["response.created", "response.in_progress", "response.completed"]
        assert final["output"] == [] and final["usage"]["output_tokens"] == 0
        await conn.response.create(model="gpt-4o-mini", store=False, previous_response_id=final["id"], input=[])
        chained = await collect(conn)
    assert chained[-1]["type"] == "response.completed"
    assert chained[-1]["response"]["output"][0]["content"][0]["text"] == "You said: context"


async def test_connection_limit_on_manual_clock() -> None:
    """After 60 minutes on the server clock, response.create gets the documented limit frame; the socket stays open."""
    clock = ManualClock()
    async with (
        FakeServer(clock=clock) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws,
    ):
        ok = await raw_turn(ws, model="m", input=[user("a")])
        assert ok[-1]["type"] == "response.completed"
        clock.advance(3600)
        frames = await raw_turn(ws, model="m", input=[user("b")])
        assert frames == [
            {
                "type": "error",
                "status": 400,
                "error": {
                    "type": "invalid_request_error",
                    "code": "websocket_connection_limit_reached",
                    "message": "Responses websocket connection limit reached (60 minutes). "
                    "Create a new websocket connection to continue.",
                },
            }
        ]
        assert_event_conforms(frames[0], websocket=True)
        assert not ws.closed
    async with (
        FakeServer(clock=clock) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws,
    ):
        assert (await raw_turn(ws, model="m", input=[user("fresh socket")]))[-1]["type"] == "response.completed"


async def test_limit_close_code_switch() -> None:
    """With limit_close_code set, the server closes the socket after the limit frame."""
    clock = ManualClock()
    async with FakeServer(clock=clock, limit_close_code=1000) as server, aiohttp.ClientSession() as session:
        async with session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
            clock.advance(4000)
            frames = await raw_turn(ws, model="m", input=[user("b")])
            assert frames[0]["error"]["code"] == "websocket_connection_limit_reached"
            closing = await asyncio.wait_for(ws.receive(), timeout=5)
            assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 1000
    assert server.log.connections[0].closed_by == "server"


async def test_queued_second_create_runs_after_the_first() -> None:
    """Two creates sent back to back on the default lane run one after the other, never interleaved."""
    async with (
        FakeServer(event_delay=0.002) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws,
    ):
        await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": "one two three four"}))
        await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": "five six"}))
        first = await raw_until_terminal(ws)
        second = await raw_until_terminal(ws)
    assert len({e.get("response", {}).get("id") for e in first if "response" in e}) == 1
    assert first[-1]["response"]["output"][0]["content"][0]["text"] == "You said: one two three four"
    assert second[0]["type"] == "response.created" and second[0]["sequence_number"] == 0
    assert second[-1]["response"]["output"][0]["content"][0]["text"] == "You said: five six"
    assert server.log[1].received_at <= server.log[0].finished_at  # type: ignore[operator]


async def test_stream_id_lanes_run_side_by_side_and_echo_stream_id() -> None:
    """Requests on two stream_id lanes interleave, and every event echoes its lane's stream_id."""
    async with (
        FakeServer(event_delay=0.002) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws,
    ):
        for lane in ("a", "b"):
            await ws.send_str(json.dumps({"type": "response.create", "model": "m", "stream_id": lane, "input": "w " * 10}))
        events: list[dict[str, Any]] = []
        done = 0
        while done < 2:
            event = json.loads((await asyncio.wait_for(ws.receive(), 10)).data)
            events.append(event)
            done += event["type"] == "response.completed"
    lanes = [e["stream_id"] for e in events]
    assert set(lanes) == {"a", "b"}
    assert lanes != sorted(lanes), "lanes should interleave"
    for event in events:
        assert_event_conforms(event, websocket=True)
    assert {r.lane for r in server.log} == {"a", "b"}


async def test_cancel_is_rejected_like_an_unknown_event_by_default() -> None:
    """By default response.cancel gets an invalid_request_error (param 'type') and the response runs on."""
    async with (
        FakeServer(event_delay=0.01) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws,
    ):
        await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": "a b c d e f g h"}))
        await asyncio.wait_for(ws.receive(), 5)
        await ws.send_str(json.dumps({"type": "response.cancel"}))
        events = []
        while True:
            event = json.loads((await asyncio.wait_for(ws.receive(), 10)).data)
            events.append(event)
            if event["type"] == "response.completed":
                break
    errors = [e for e in events if e["type"] == "error"]
    assert errors == [
        {
            "type": "error",
            "status": 400,
            "error": {
                "type": "invalid_request_error",
                "code": "invalid_value",
                "message": "Invalid value: 'response.cancel'. Supported values are: 'response.create'.",
                "param": "type",
            },
        }
    ]
    assert server.log[0].outcome.kind == "completed"
    assert [f.type for f in server.log.frames] == ["response.create", "response.cancel"]


async def test_cancel_honour_mode_ends_with_incomplete() -> None:
    """With cancel_mode='honour', response.cancel ends the in-flight response with response.incomplete."""
    async with FakeServer(event_delay=0.01, cancel_mode="honour") as server:
        client = client_for(server)
        async with client.responses.connect() as conn:
            await conn.response.create(model="m", input="one two three four five six seven eight nine ten")
            seen = []
            async for event in conn:
                seen.append(event.to_dict())
                if event.type == "response.output_text.delta":
                    await conn.send({"type": "response.cancel"})  # type: ignore[arg-type, typeddict-item]
                if event.type in TERMINAL:
                    break
            await conn.response.create(model="m", previous_response_id=seen[-1]["response"]["id"], input="next")
            after = await collect(conn)
    assert seen[-1]["type"] == "response.incomplete"
    assert seen[-1]["response"]["incomplete_details"] == {"reason": "cancelled"}
    assert seen[-1]["response"]["output"][0]["status"] == "incomplete"
    assert_stream_well_formed(seen)
    for event in seen:
        assert_event_conforms(event, websocket=True)
    assert server.log[0].outcome.kind == "cancelled"
    assert after[-1]["type"] == "response.completed"


@pytest.mark.parametrize(
    ("send", "code", "param"),
    [
        ("not json", None, None),
        ('["a list"]', None, None),
        ('{"model": "m"}', "missing_required_parameter", "type"),
        ('{"type": "session.update"}', "invalid_value", "type"),
        ('{"type": "response.create", "input": "no model"}', "missing_required_parameter", "model"),
        ('{"type": "response.create", "model": "m", "bogus": 1}', "unknown_parameter", "bogus"),
        ('{"type": "response.create", "model": "m", "background": true}', "unsupported_parameter", "background"),
        ('{"type": "response.create", "model": "m", "stream_id": ""}', "invalid_stream_id", "stream_id"),
    ],
)
async def test_bad_frames_get_real_errors_and_the_socket_stays_usable(
    server: FakeServer, send: str, code: str | None, param: str | None
) -> None:
    """Malformed or invalid client frames get one error frame each; the next create still works."""
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
        await ws.send_str(send)
        frame = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
        assert frame["type"] == "error" and frame["status"] == 400
        assert frame["error"]["type"] == "invalid_request_error"
        assert frame["error"]["code"] == code and frame["error"]["param"] == param
        assert frame["error"]["message"]
        assert_event_conforms(frame, websocket=True)
        ok = await raw_turn(ws, model="m", input="still here")
    assert ok[-1]["type"] == "response.completed"


async def test_binary_frame_gets_an_error(server: FakeServer) -> None:
    """A binary frame is answered with an error frame, and the connection stays usable."""
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
        await ws.send_bytes(b"\x00\x01")
        frame = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
        assert frame["error"]["message"].startswith("Binary WebSocket messages are not supported")
        assert (await raw_turn(ws, model="m", input="x"))[-1]["type"] == "response.completed"
    assert server.log.frames[0].problem == "binary frame"


async def test_handshake_without_token_gets_401(server: FakeServer) -> None:
    """The upgrade without a bearer token is refused with the real 401 JSON body, not a 101."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as info:
            await session.ws_connect(server.ws_url)
        assert info.value.status == 401
        async with session.get(
            server.ws_url,
            headers={
                "Upgrade": "websocket",
                "Connection": "Upgrade",
                "Sec-WebSocket-Version": "13",
                "Sec-WebSocket-Key": "x3JJHMbDL1EzLkh9GBhXDw==",
            },
        ) as resp:
            body = await resp.json()
    assert resp.status == 401
    assert body["error"]["message"].startswith("You didn't provide an API key.")
    assert body["error"]["type"] == "invalid_request_error" and body["error"]["code"] is None


async def test_auth_can_be_turned_off() -> None:
    """require_auth=False accepts a handshake with no Authorization header."""
    async with (
        FakeServer(require_auth=False) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url + "?model=gpt-4o") as ws,
    ):
        assert (await raw_turn(ws, model="m", input="x"))[-1]["type"] == "response.completed"
    assert server.log.connections[0].query == "model=gpt-4o"


async def test_open_and_close_without_a_frame_is_fine(server: FakeServer) -> None:
    """A socket that opens and closes without sending anything is logged as closed by the client."""
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"})
        await ws.close()
    for _ in range(100):
        if server.log.connections and server.log.connections[0].closed_by:
            break
        await asyncio.sleep(0.01)
    assert server.log.connections[0].closed_by == "client"
    assert len(server.log) == 0


async def test_stream_true_is_accepted_and_ignored(server: FakeServer) -> None:
    """Clients that send stream:true over WebSocket (as the SDK example does) get a normal stream."""
    async with aiohttp.ClientSession() as session, session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws:
        events = await raw_turn(ws, model="m", stream=True, input="x")
    assert events[-1]["type"] == "response.completed"


async def test_server_bug_reaches_client_as_error_and_1011() -> None:
    """An exception inside a source becomes a server_error frame and close 1011, never silence."""

    class Broken:
        def plan(self, turn: Any) -> Any:
            raise RuntimeError("boom")

    async with (
        FakeServer(source=Broken()) as server,
        aiohttp.ClientSession() as session,
        session.ws_connect(server.ws_url, headers={"Authorization": "Bearer k"}) as ws,
    ):
        await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": "x"}))
        frame = json.loads((await asyncio.wait_for(ws.receive(), 5)).data)
        closing = await asyncio.wait_for(ws.receive(), 5)
    assert frame["error"]["type"] == "server_error" and frame["status"] == 500
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert ws.close_code == 1011
    assert server.log[0].outcome.code == "server_error"
