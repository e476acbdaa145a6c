"""/v1/realtime over real sockets: the openai SDK's realtime.connect() holds a whole conversation."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import aiohttp
import pytest
from realtimekit import spoken
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.audio import voice
from openai_replay.clock import ManualClock

TOOL = {
    "type": "function",
    "name": "get_weather",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


async def _until(conn: Any, last: str) -> list[Any]:
    """Events up to and including the first of type ``last`` (bounded in time)."""
    events = []
    async with asyncio.timeout(10):
        async for event in conn:
            events.append(event)
            if event.type == last:
                return events
    raise AssertionError(f"the socket closed before {last}")


async def _say(conn: Any, text: str, *, silence_ms: int = 600, chunk_ms: int = 100) -> None:
    pcm = spoken(text, silence_ms)
    for i in range(0, len(pcm), 48 * chunk_ms):
        await conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + 48 * chunk_ms]).decode())


async def _open(conn: Any) -> None:
    assert (await conn.recv()).type == "session.created"
    session = {
        "type": "realtime",
        "output_modalities": ["text"],
        "tools": [TOOL],
        "audio": {"input": {"transcription": {"model": "whisper-1"}}},
    }
    await conn.session.update(session=session)
    assert (await conn.recv()).type == "session.updated"


async def test_the_sdk_holds_a_text_conversation_with_a_tool_call() -> None:
    """A text turn, then a tool call answered with its output, through client.realtime.connect()."""
    async with FakeServer() as server:
        client = async_sdk(base_url=server.url, api_key="test")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await _open(conn)

            await conn.conversation.item.create(
                item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hello"}]}
            )
            await conn.response.create()
            done = (await _until(conn, "response.done"))[-1]
            assert done.response.output[0].content[0].text == "You said: hello"

            await conn.conversation.item.create(
                item={
                    "type": "message",
                    "role": "user",
                    "content": [{"type": "input_text", "text": 'call get_weather {"city": "Oslo"}'}],
                }
            )
            await conn.response.create()
            events = await _until(conn, "response.done")
            call = next(e for e in events if e.type == "response.function_call_arguments.done")
            await conn.conversation.item.create(item={"type": "function_call_output", "call_id": call.call_id, "output": "snow"})
            await conn.response.create()
            done = (await _until(conn, "response.done"))[-1]
            assert done.response.output[0].content[0].text == "get_weather returned: snow"
    assert "get_weather returned: snow" in server.log.timeline()


@pytest.mark.slow
async def test_the_sdk_holds_a_spoken_conversation_with_an_interruption() -> None:
    """A spoken turn under server VAD (transcribed, answered in speech), then speech that interrupts a paced reply."""
    async with FakeServer(realtime_pace=10.0) as server:  # paced (10x real time), so speech can land mid-reply
        client = async_sdk(base_url=server.url, api_key="test")
        async with client.realtime.connect(model="gpt-realtime") as conn:
            await _open(conn)
            await conn.session.update(session={"type": "realtime", "output_modalities": ["audio"]})
            await _say(conn, "what time is it")
            events = await _until(conn, "response.output_audio.delta")
            kinds = [e.type for e in events]
            assert (
                kinds.index("input_audio_buffer.speech_started")
                < kinds.index("input_audio_buffer.speech_stopped")
                < kinds.index("response.created")
            )
            transcript = next(e for e in events if e.type == "conversation.item.input_audio_transcription.completed")
            assert transcript.transcript == "what time is it"
            heard = base64.b64decode(events[-1].delta)
            await _say(conn, "stop", silence_ms=400)  # the reply is paced: this speech lands while it plays
            events = await _until(conn, "response.done")
            assert events[-1].response.status == "cancelled"
            assert events[-1].response.status_details.reason == "turn_detected"
            assert "input_audio_buffer.speech_started" in [e.type for e in events]
            heard += b"".join(base64.b64decode(e.delta) for e in events if e.type == "response.output_audio.delta")
            assert len(heard) < len(voice.synthesize("You said: what time is it"))
            events = await _until(conn, "response.done")  # the new turn ("stop") is answered
            assert events[-1].response.status == "completed"
            assert events[-1].response.output[0].content[0].transcript == "You said: stop"
    timeline = server.log.timeline()
    assert "/v1/realtime" in timeline and "cancelled" in timeline


async def _raw(
    server: FakeServer, headers: dict[str, str] | None = None
) -> tuple[aiohttp.ClientSession, aiohttp.ClientWebSocketResponse]:
    http = aiohttp.ClientSession()
    ws = await http.ws_connect(
        f"{server.ws_url.rsplit('/v1/', 1)[0]}/v1/realtime?model=gpt-realtime",
        headers={"Authorization": "Bearer t", **(headers or {})},
    )
    return http, ws


async def test_the_beta_handshake_is_refused_like_the_real_api() -> None:
    """OpenAI-Beta: realtime=v1 gets the beta_api_shape_disabled error event, then close code 4000."""
    async with FakeServer() as server:
        http, ws = await _raw(server, {"OpenAI-Beta": "realtime=v1"})
        async with http:
            first = json.loads((await ws.receive()).data)
            assert first["type"] == "error" and first["error"]["code"] == "beta_api_shape_disabled"
            await ws.receive()
            assert ws.close_code == 4000


async def test_a_missing_key_is_refused_at_the_handshake() -> None:
    """No bearer token: the real 401 instead of the upgrade."""
    async with FakeServer() as server, aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await http.ws_connect(f"{server.ws_url.rsplit('/v1/', 1)[0]}/v1/realtime?model=gpt-realtime")
        assert caught.value.status == 401


async def test_the_session_limit_closes_with_the_real_code_and_reason() -> None:
    """On the virtual clock, 60 minutes later the socket closes with 1001 and the GA reason."""
    clock = ManualClock()
    async with FakeServer(clock=clock) as server:
        http, ws = await _raw(server)
        async with http:
            assert json.loads((await ws.receive()).data)["type"] == "session.created"
            clock.advance(3600)
            message = await asyncio.wait_for(ws.receive(), 5)
            assert message.type == aiohttp.WSMsgType.CLOSE
            assert (message.data, message.extra) == (1001, "Your session hit the maximum duration of 60 minutes.")


async def _turn_frames(ws: aiohttp.ClientWebSocketResponse, text: str = "hi") -> None:
    item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
    await ws.send_str(json.dumps({"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}}))
    await ws.send_str(json.dumps({"type": "conversation.item.create", "item": item}))
    await ws.send_str(json.dumps({"type": "response.create"}))


async def _read_until_close(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    kinds = []
    async with asyncio.timeout(5):
        while True:
            message = await ws.receive()
            if message.type != aiohttp.WSMsgType.TEXT:
                return kinds
            kinds.append(json.loads(message.data)["type"])


@pytest.mark.parametrize("code", [1000, 1001, 1011, 4000])
async def test_a_scripted_close_mid_response(code: int) -> None:
    """close(code, after=N) cuts the response mid-stream with that code; the log says the server closed."""
    from openai_replay.scenarios import scenario

    async with FakeServer(
        source=scenario().on(api="realtime").reply("one two three four").close(code, after=4).build()
    ) as server:
        http, ws = await _raw(server)
        async with http:
            await _turn_frames(ws)
            kinds = await _read_until_close(ws)
            assert "response.created" in kinds and "response.done" not in kinds
            assert ws.close_code == code
    [request] = [r for r in server.log.requests if r.api == "realtime"]
    assert request.outcome.kind == "closed_by_server" and request.outcome.close_code == code


@pytest.mark.parametrize("status", [401, 429, 500])
async def test_a_scripted_handshake_refusal(status: int) -> None:
    """reject_handshake answers the upgrade with the HTTP status and OpenAI's error body."""
    from openai_replay.scenarios import scenario

    async with FakeServer(source=scenario().reject_handshake(status).build()) as server, aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await http.ws_connect(
                f"{server.ws_url.rsplit('/v1/', 1)[0]}/v1/realtime?model=gpt-realtime", headers={"Authorization": "Bearer t"}
            )
        assert caught.value.status == status


async def test_a_stall_before_response_created_can_be_cancelled() -> None:
    """stall_forever before any event: the client's response.cancel ends it with response.done cancelled."""
    from openai_replay.scenarios import scenario

    async with FakeServer(source=scenario().on(api="realtime").stall_forever().build()) as server:
        http, ws = await _raw(server)
        async with http:
            await _turn_frames(ws)
            await asyncio.sleep(0.05)
            await ws.send_str(json.dumps({"type": "response.cancel"}))
            async with asyncio.timeout(5):
                while True:
                    event = json.loads((await ws.receive()).data)
                    if event["type"] == "response.done":
                        break
            assert event["response"]["status"] == "cancelled"


async def test_realtime_over_tls() -> None:
    """FakeServer(tls=True) serves wss://.../v1/realtime to the SDK trusting the throwaway CA."""
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    async with FakeServer(tls=True) as server:
        trust = server.tls.client_context()
        client = AsyncOpenAI(base_url=server.url, api_key="test", http_client=DefaultAsyncHttpxClient(verify=trust))
        async with client.realtime.connect(model="gpt-realtime", websocket_connection_options={"ssl": trust}) as conn:
            assert (await conn.recv()).type == "session.created"


async def test_realtime_assertions_over_the_control_api() -> None:
    """POST /__replay/assert/realtime_protocol reports a cancel sent with nothing active, from any language."""
    async with FakeServer() as server:
        http, ws = await _raw(server)
        async with http:
            json.loads((await ws.receive()).data)
            await ws.send_str(json.dumps({"type": "response.cancel"}))
            assert json.loads((await ws.receive()).data)["error"]["code"] == "response_cancel_not_active"
            base = server.ws_url.rsplit("/v1/", 1)[0].replace("ws://", "http://")
            async with http.post(f"{base}/__replay/assert/realtime_protocol", json={}) as answer:
                body = await answer.json()
            assert body["passed"] is False and "response.cancel with no response active" in body["failure"]
            async with http.post(f"{base}/__replay/assert/calls_answered", json={}) as answer:
                assert (await answer.json())["passed"] is True


async def test_the_plugin_fixtures_serve_realtime(openai_server: FakeServer, async_openai_client: Any) -> None:
    """The pytest plugin's server and client hold a Realtime conversation, and its log asserts on it."""
    async with async_openai_client.realtime.connect(model="gpt-realtime") as conn:
        await _open(conn)
        await conn.conversation.item.create(
            item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]}
        )
        await conn.response.create()
        assert (await _until(conn, "response.done"))[-1].response.status == "completed"
    openai_server.log.assert_realtime_protocol()


async def test_the_websocket_bounds_hold_for_realtime_sockets() -> None:
    """The idle deadline closes a silent Realtime socket (1000), and the connection cap refuses one more upgrade."""
    async with FakeServer(ws_idle_timeout=0.2, max_ws_connections=1) as server:
        http, ws = await _raw(server)
        async with http:
            assert json.loads((await ws.receive()).data)["type"] == "session.created"
            with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
                await http.ws_connect(f"{server.ws_url.rsplit('/v1/', 1)[0]}/v1/realtime", headers={"Authorization": "Bearer t"})
            assert caught.value.status == 503
            message = await asyncio.wait_for(ws.receive(), 5)
            assert message.type == aiohttp.WSMsgType.CLOSE and message.data == 1000 and "idle" in message.extra
