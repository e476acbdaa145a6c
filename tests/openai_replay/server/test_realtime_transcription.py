"""Realtime transcription sessions (/v1/realtime?intent=transcription) through the openai SDK: speech in, transcripts out."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

from realtimekit import spoken
from sdkkit import async_sdk
from testkit import spec

from fake_server import FakeServer
from openai_replay.realtime.fidelity import check_event


async def _events_until(conn: Any, last: str) -> list[Any]:
    events = []
    async with asyncio.timeout(10):
        async for event in conn:
            events.append(event)
            if event.type == last:
                return events
    raise AssertionError(f"the socket closed before {last}")


async def test_a_transcription_session_transcribes_our_speech_and_makes_no_response() -> None:
    """A transcription session: VAD ends the utterance, the transcript is the spoken text, every event validates."""
    async with FakeServer() as server:
        client = async_sdk(base_url=server.url, api_key="test")
        async with client.realtime.connect(model="gpt-realtime", extra_query={"intent": "transcription"}) as conn:
            created = await conn.recv()
            assert created.type == "session.created" and created.session.type == "transcription"
            session = {"type": "transcription", "audio": {"input": {"transcription": {"model": "gpt-4o-mini-transcribe"}}}}
            await conn.session.update(session=session)
            updated = await conn.recv()
            assert updated.type == "session.updated"
            assert updated.session.audio.input.transcription.model == "gpt-4o-mini-transcribe"
            pcm = spoken("book a table for two", 800)
            for i in range(0, len(pcm), 4800):
                await conn.input_audio_buffer.append(audio=base64.b64encode(pcm[i : i + 4800]).decode())
            events = await _events_until(conn, "conversation.item.input_audio_transcription.completed")
            assert events[-1].transcript == "book a table for two"
            kinds = [e.type for e in events]
            heard = ["input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped", "input_audio_buffer.committed"]
            assert kinds[:3] == heard
            await conn.response.create()
            refused = await conn.recv()
            assert refused.type == "error" and "transcription sessions" in refused.error.message
            for event in [created, updated, *events, refused]:
                assert check_event(spec(), event.to_dict()) == [], event.type
        assert len(server.log) == 0  # no response was made, so the request log is empty


async def test_a_conversation_update_on_a_transcription_session_is_refused() -> None:
    """session.type "realtime" or a conversation field on a transcription session is refused; the session survives."""
    async with FakeServer() as server:
        client = async_sdk(base_url=server.url, api_key="test")
        async with client.realtime.connect(model="gpt-realtime", extra_query={"intent": "transcription"}) as conn:
            await conn.recv()
            await conn.session.update(session={"type": "realtime"})
            wrong_type = await conn.recv()
            await conn.send({"type": "session.update", "session": {"type": "transcription", "instructions": "x"}})
            unknown = await conn.recv()
            await conn.session.update(session={"type": "transcription", "include": ["item.input_audio_transcription.logprobs"]})
            ok = await conn.recv()
    assert wrong_type.type == "error" and wrong_type.error.param == "session.type"
    assert unknown.type == "error" and unknown.error.code == "unknown_parameter" and unknown.error.param == "session.instructions"
    assert ok.type == "session.updated" and ok.session.include == ["item.input_audio_transcription.logprobs"]


async def test_the_beta_transcription_handshake_is_refused_as_the_real_api_refuses_it() -> None:
    """VideoSDK's STT opens ?intent=transcription with OpenAI-Beta: realtime=v1: one beta_api_shape_disabled error, close 4000."""
    import aiohttp

    async with FakeServer() as server, aiohttp.ClientSession() as http:
        url = server.ws_url.rsplit("/v1/", 1)[0] + "/v1/realtime?intent=transcription"
        headers = {"Authorization": "Bearer test", "OpenAI-Beta": "realtime=v1"}
        async with http.ws_connect(url, headers=headers) as ws:
            first = await ws.receive_json()
            await ws.receive()
            assert first["error"]["code"] == "beta_api_shape_disabled" and ws.close_code == 4000
