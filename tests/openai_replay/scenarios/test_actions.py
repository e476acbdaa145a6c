"""Each scenario action over real sockets: what the client observed, and what the request log shows."""

from __future__ import annotations

import json
import random

import aiohttp
import openai
import pytest
import websockets
from scenariokit import RawSocket, client_for, http_stream, sdk_turn, texts, user
from testkit import assert_event_conforms, assert_stream_well_formed

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.scenarios import scenario
from openai_replay.wire import compact


async def test_text_is_streamed_in_chunks_of_the_given_size() -> None:
    """A scripted reply streams as deltas of `chunk` characters, spec-conformant, and completes."""
    s = scenario().on().reply("Hello there, world!", chunk=5).build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input=[user("hi")])
    assert failure is None
    assert [e["delta"] for e in events if e["type"] == "response.output_text.delta"] == ["Hello", " ther", "e, wo", "rld!"]
    assert events[-1]["response"]["output"][0]["content"][0]["text"] == "Hello there, world!"
    assert_stream_well_formed(events)
    for event in events:
        assert_event_conforms(event, websocket=True)
    record = server.log[0]
    assert str(record.outcome) == "completed" and record.answered_by == "rule 1 (every request)"
    assert record.event_types == [e["type"] for e in events]


async def test_function_call_streams_argument_deltas_over_http() -> None:
    """A scripted function call streams its JSON arguments as deltas over SSE and ends completed."""
    s = scenario().on().call("get_weather", {"city": "Paris", "unit": "c"}, call_id="call_abc").build()
    async with FakeServer(source=s) as server:
        events, failure = await http_stream(client_for(server), input="weather?")
    assert failure is None
    deltas = [e["delta"] for e in events if e["type"] == "response.function_call_arguments.delta"]
    assert len(deltas) > 1 and "".join(deltas) == '{"city":"Paris","unit":"c"}'
    call = events[-1]["response"]["output"][0]
    assert (call["type"], call["name"], call["call_id"], call["arguments"]) == (
        "function_call",
        "get_weather",
        "call_abc",
        '{"city":"Paris","unit":"c"}',
    )
    assert_stream_well_formed(events)
    for event in events:
        assert_event_conforms(event)
    assert str(server.log[0].outcome) == "completed"


async def test_reasoning_item_comes_before_the_message() -> None:
    """A reasoning item with a streamed summary, then text: two output items in order, SDK-parsable."""
    s = scenario().on().reasoning("Thinking about it.").reply("Done.").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="think")
    assert failure is None
    output = events[-1]["response"]["output"]
    assert [item["type"] for item in output] == ["reasoning", "message"]
    assert output[0]["summary"] == [{"type": "summary_text", "text": "Thinking about it."}]
    assert "response.reasoning_summary_text.delta" in [e["type"] for e in events]
    assert_stream_well_formed(events)
    for event in events:
        assert_event_conforms(event, websocket=True)
    assert server.log[0].event_types[2] == "response.output_item.added"


@pytest.mark.parametrize(
    ("code", "status", "type_"),
    [
        ("previous_response_not_found", 400, "invalid_request_error"),
        ("websocket_connection_limit_reached", 400, "invalid_request_error"),
        ("rate_limit_exceeded", 429, "requests"),
        ("server_error", 500, "server_error"),
        ("my_custom_code", 400, "invalid_request_error"),
    ],
)
async def test_error_frame_has_the_real_shape_for_any_code(code: str, status: int, type_: str) -> None:
    """A request-level error is one WS error frame (status, nested error) replacing the stream."""
    s = scenario().on().error(code).build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x", previous_response_id=None)
    assert failure is None and len(events) == 1
    frame = events[0]
    assert frame["type"] == "error" and frame["status"] == status
    assert frame["error"]["code"] == code and frame["error"]["type"] == type_
    assert_event_conforms(frame, websocket=True)
    if code == "websocket_connection_limit_reached":
        assert "param" not in frame["error"]  # the documented frame has no param
    record = server.log[0]
    assert (record.outcome.kind, record.outcome.code, record.event_types) == ("error", code, [])


async def test_error_with_custom_status_message_and_param() -> None:
    """Every field of a scripted error can be set: status, type, message, param."""
    s = scenario().on().error("quota_gone", status=402, type="billing_error", message="Pay up.", param="model").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, _ = await sdk_turn(conn, input="x")
    assert events == [
        {
            "type": "error",
            "status": 402,
            "error": {"type": "billing_error", "code": "quota_gone", "message": "Pay up.", "param": "model"},
        }
    ]
    assert server.log[0].outcome.code == "quota_gone"


async def test_http_status_carries_retry_headers() -> None:
    """Over HTTP a request-level error is a status with the real body and retry-after(-ms)/x-should-retry."""
    s = scenario().on().http_status(503, retry_after=2, retry_after_ms=2000, should_retry=False).build()
    async with FakeServer(source=s) as server:
        with pytest.raises(openai.InternalServerError) as raised:
            await client_for(server, max_retries=2).responses.create(model="gpt-4o-mini", input="x")
    error = raised.value
    assert error.status_code == 503 and error.code == "server_is_overloaded"
    assert error.response.headers["retry-after"] == "2"
    assert error.response.headers["retry-after-ms"] == "2000"
    assert error.response.headers["x-should-retry"] == "false"
    assert len(server.log) == 1  # x-should-retry: false stopped the SDK's retries
    assert server.log[0].outcome.code == "server_is_overloaded"


async def test_mid_stream_error_event_over_sse_raises_in_the_sdk() -> None:
    """An error after k events is an SSE `error` event (nested shape) that the SDK raises as APIError."""
    s = scenario().on().error("server_error", after=3).build()
    async with FakeServer(source=s) as server:
        events, failure = await http_stream(client_for(server), input="x")
    assert [e["type"] for e in events] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert isinstance(failure, openai.APIError) and failure.code == "server_error"
    assert server.log[0].event_types == [e["type"] for e in events]
    assert (server.log[0].outcome.kind, server.log[0].outcome.code) == ("error", "server_error")


async def test_response_failed_with_error_event_first() -> None:
    """`fail` ends with response.failed {code, message}; error_event sends the real error event first."""
    s = scenario().on().fail("insufficient_quota", "No quota left.", error_event=True).build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        await conn.response.create(model="gpt-4o-mini", input="x", store=False)
        first, _ = await _read(conn)
        second, _ = await _read(conn)
    events = first + second
    assert [e["type"] for e in events] == ["response.created", "response.in_progress", "error", "response.failed"]
    assert events[2]["error"]["code"] == "insufficient_quota" and events[2]["sequence_number"] == 2
    assert events[3]["response"]["error"] == {"code": "insufficient_quota", "message": "No quota left."}
    assert [e["sequence_number"] for e in events] == [0, 1, 2, 3]
    assert server.log[0].event_types == [e["type"] for e in events]


async def _read(conn: object) -> tuple[list[dict[str, object]], object]:
    from scenariokit import sdk_events

    return await sdk_events(conn)


async def test_incomplete_keeps_the_cut_message_with_status_incomplete() -> None:
    """`incomplete` after text: non-streaming JSON has status incomplete, the reason and the partial item."""
    s = scenario().on().reply("Partial answer that runs out").incomplete("max_output_tokens").build()
    async with FakeServer(source=s) as server:
        response = await client_for(server).responses.create(model="gpt-4o-mini", input="x")
    assert response.status == "incomplete"
    assert response.incomplete_details is not None and response.incomplete_details.reason == "max_output_tokens"
    assert response.output[0].status == "incomplete"
    assert response.output_text == "Partial answer that runs out"
    record = server.log[0]
    assert record.outcome.kind == "incomplete"
    assert "response.output_text.done" not in record.event_types


async def test_close_after_k_events_with_a_chosen_code() -> None:
    """`close(code, after=k)`: the client gets exactly k events, then a close frame with that code."""
    s = scenario().on().close(4001, "scripted", after=4).build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="hello there")
    assert len(events) == 4
    assert isinstance(failure, websockets.ConnectionClosedError)
    assert failure.rcvd is not None and (failure.rcvd.code, failure.rcvd.reason) == (4001, "scripted")
    conn_record, record = server.log.connections[0], server.log[0]
    assert (conn_record.closed_by, conn_record.close_code) == ("server", 4001)
    assert (record.outcome.kind, record.outcome.close_code, len(record.event_types)) == ("closed_by_server", 4001, 4)


async def test_close_before_created_sends_no_event() -> None:
    """`close(after=0)`: the first frame the client sees is the close frame."""
    s = scenario().on().close(1011, after=0).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
    assert [f.type for f in frames] == [aiohttp.WSMsgType.CLOSE]
    assert frames[0].data == 1011
    assert server.log[0].event_types == [] and server.log[0].outcome.close_code == 1011


async def test_drop_aborts_tcp_without_a_close_frame() -> None:
    """`drop`: the socket dies with no close frame (the client sees 1006); the log says dropped."""
    s = scenario().on().drop(after=2).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
        assert raw.ws is not None
        close_code = raw.ws.close_code
    assert [f.type for f in frames[:2]] == [aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.TEXT]
    assert frames[-1].type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR, aiohttp.WSMsgType.CLOSE)
    assert frames[-1].type != aiohttp.WSMsgType.CLOSE or frames[-1].data == 1006
    assert close_code in (None, 1006)
    assert server.log[0].outcome.kind == "dropped"
    assert (server.log.connections[0].closed_by, server.log.connections[0].close_code) == ("server", 1006)


async def test_stall_waits_on_the_server_clock() -> None:
    """`stall(t)` pauses t seconds of server time: instant with a ManualClock, visible in the log."""
    clock = ManualClock()
    s = scenario().on().stall(90, after=2).build()
    async with FakeServer(source=s, clock=clock) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x")
    assert failure is None and events[-1]["type"] == "response.completed"
    record = server.log[0]
    assert record.finished_at is not None and record.finished_at - record.received_at == 90


async def test_slow_stream_paces_events_with_seeded_jitter() -> None:
    """`slow(ttfb, delay, jitter, seed)`: total server time is ttfb + per-event delay + the seeded draws."""
    s = scenario().on().reply("one two three four").slow(ttfb=1.5, delay=0.25, jitter=0.5, seed=42).build()
    async with FakeServer(source=s, clock=ManualClock()) as server, client_for(server).responses.connect() as conn:
        events, _ = await sdk_turn(conn, input="x")
    rng = random.Random(42)
    expected = 1.5 + sum(0.25 + 0.5 * rng.random() for _ in events[1:])
    record = server.log[0]
    assert record.finished_at is not None
    assert record.finished_at - record.received_at == pytest.approx(expected)


async def test_slow_stream_in_real_time() -> None:
    """With the system clock, a slow stream really takes its time on the client's side."""
    import time

    s = scenario().on().reply("a b c d e").slow(ttfb=0.2, delay=0.02).build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        started = time.monotonic()
        events, _ = await sdk_turn(conn, input="x")
        elapsed = time.monotonic() - started
    assert elapsed >= 0.2 + 0.02 * (len(events) - 1) * 0.9


async def test_malformed_text_frame_then_the_stream_goes_on() -> None:
    """`malformed`: one text frame that is not JSON, between real events; the log names the fault."""
    s = scenario().on().malformed('{"type": "response.output_text.delta", "delta": "oops', after=3).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
    assert frames[3].type == aiohttp.WSMsgType.TEXT and frames[3].data == '{"type": "response.output_text.delta", "delta": "oops'
    with pytest.raises(json.JSONDecodeError):
        json.loads(frames[3].data)
    assert texts(frames)[-1]["type"] == "response.completed"
    assert server.log[0].faults == [f"raw text {frames[3].data[:40]!r}"]


async def test_malformed_sse_event_over_http() -> None:
    """Over HTTP the malformed frame is an SSE event whose data is not JSON; the SDK fails to parse it."""
    s = scenario().on().malformed("{not json", after=2).build()
    async with FakeServer(source=s) as server:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{server.url}/responses",
                json={"model": "gpt-4o-mini", "input": "x", "stream": True},
                headers={"Authorization": "Bearer k"},
            ) as response:
                body = await response.text()
        events, failure = await http_stream(client_for(server), input="x")
    assert "\n\nevent: response.output_text.delta\ndata: {not json\n\n" in body
    assert len(events) == 2 and isinstance(failure, json.JSONDecodeError)
    assert server.log[0].faults and server.log[1].faults


async def test_binary_frame() -> None:
    """`binary`: a WS binary frame with the given bytes, which the log records."""
    s = scenario().on().binary(b"\x00\x01raw", after=1).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
    assert frames[1].type == aiohttp.WSMsgType.BINARY and frames[1].data == b"\x00\x01raw"
    assert server.log[0].faults == ["binary frame (5 bytes)"]


async def test_unknown_event_type_reaches_the_sdk_numbered() -> None:
    """`unknown_event`: an event of a new type with the next sequence number; numbering stays contiguous."""
    s = scenario().on().reply("hi").unknown_event("response.brand_new", after=2, detail="x").build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x")
    assert failure is None
    assert events[2] == {"type": "response.brand_new", "detail": "x", "sequence_number": 2}
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    assert "response.brand_new" in server.log[0].event_types


async def test_duplicated_event_is_byte_identical() -> None:
    """`duplicate`: the last event is sent again, same bytes, same sequence number."""
    s = scenario().on().reply("one two").duplicate(after=("response.output_text.delta", 1)).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
    data = [f.data for f in frames]
    index = next(i for i, d in enumerate(data) if '"response.output_text.delta"' in d)
    assert data[index] == data[index + 1]
    assert server.log[0].event_types.count("response.output_text.delta") == 3


async def test_sse_stream_cut_mid_event() -> None:
    """`cut`: half of the next SSE event, then the connection dies; the client sees a broken body."""
    s = scenario().on().cut(after=2).build()
    async with FakeServer(source=s) as server:
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{server.url}/responses",
                json={"model": "gpt-4o-mini", "input": "x", "stream": True},
                headers={"Authorization": "Bearer k"},
            ) as response:
                received = b""
                with pytest.raises(aiohttp.ClientPayloadError):
                    async for chunk in response.content.iter_any():
                        received += chunk
        events, failure = await http_stream(client_for(server), input="x")
    tail = received.decode().split("\n\n")[-1]
    assert tail.startswith("event: response.output_item.added\ndata: {") and not tail.endswith("}")
    assert len(events) == 2 and isinstance(failure, openai.APIConnectionError)
    assert server.log[0].outcome.kind == "dropped" and server.log[0].faults[0].startswith("raw text 'event: ")


async def test_ws_cut_sends_a_truncated_frame_then_drops() -> None:
    """Over WS `cut` is a truncated JSON text frame followed by an abrupt drop."""
    s = scenario().on().cut(after=1, keep=10).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
    assert frames[1].type == aiohttp.WSMsgType.TEXT and frames[1].data == compact({"type": "response.in_progress"})[:10]
    assert server.log[0].outcome.kind == "dropped"


async def test_two_deltas_then_close_1011_composes() -> None:
    """Actions compose: reasoning, text, a duplicate and a stall, then close 1011 after the 2nd delta."""
    s = (
        scenario()
        .on()
        .reasoning()
        .reply("alpha beta gamma delta")
        .duplicate(after=1)
        .stall(3, after=("response.output_text.delta", 1))
        .close(1011, after=("response.output_text.delta", 2))
        .build()
    )
    async with FakeServer(source=s, clock=ManualClock()) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="x")
    types = [e["type"] for e in events]
    assert types.count("response.created") == 2  # duplicated
    assert types.count("response.output_text.delta") == 2 and types[-1] == "response.output_text.delta"
    assert isinstance(failure, websockets.ConnectionClosedError) and failure.rcvd is not None and failure.rcvd.code == 1011
    record = server.log[0]
    assert record.finished_at is not None and record.finished_at - record.received_at == 3
    assert record.outcome.close_code == 1011 and s.verify() == []


async def test_error_then_close_the_connection() -> None:
    """An ending may be followed by a close: the limit error frame, then close 1000."""
    s = scenario().on().error("websocket_connection_limit_reached").close(1000).build()
    async with FakeServer(source=s) as server, RawSocket(server) as raw:
        await raw.send()
        frames = await raw.frames()
        frames += await raw.frames()
    assert texts(frames)[0]["error"]["code"] == "websocket_connection_limit_reached"
    assert frames[-1].type == aiohttp.WSMsgType.CLOSE and frames[-1].data == 1000
    assert (server.log[0].outcome.code, server.log[0].outcome.close_code) == ("websocket_connection_limit_reached", 1000)


async def test_content_less_rule_applies_faults_to_the_simulated_reply() -> None:
    """A rule with only faults keeps the simulated model's answer and breaks it where told."""
    s = scenario().on().close(1001, after=("response.output_text.delta", 1)).build()
    async with FakeServer(source=s) as server, client_for(server).responses.connect() as conn:
        events, failure = await sdk_turn(conn, input="echo me please")
    assert events[-1] == {**events[-1], "type": "response.output_text.delta", "delta": "You"}
    assert failure is None  # 1001 "going away" is a clean close: the SDK's iteration just ends, no terminal event
    assert server.log[0].outcome.close_code == 1001
