"""Scenarios on the audio endpoints: api selectors, scripted transcripts and speech, and every fault."""

from __future__ import annotations

import asyncio

import numpy as np
import openai
import pytest
from audiokit import sse_events
from scenariokit import client_for

from fake_server import FakeServer
from openai_replay.audio import codecs, voice
from openai_replay.scenarios import load_scenario, scenario

try:  # the SDK's HTTP client: httpx2 in openai 3.x, httpx before
    from httpx2 import TransportError as transport_error
except ImportError:  # pragma: no cover
    from httpx import TransportError as transport_error  # type: ignore[no-redef]

CUT = (openai.APIConnectionError, transport_error)  # what a body cut short raises through the SDK's HTTP client
OURS = codecs.wav_header(len(voice.synthesize("the real words"))) + voice.synthesize("the real words")
TONE = (6000 * np.sin(np.arange(24000) * 0.07)).astype("<i2").tobytes()
OTHER = codecs.wav_header(len(TONE)) + TONE


async def test_scripted_transcript_for_other_audio() -> None:
    """on(api='transcription').reply(...) is the transcript, streamed or not; other APIs keep the default."""
    rules = scenario().on(api="transcription").reply("scripted words here").build()
    async with FakeServer(source=rules) as server:
        client = client_for(server)
        answer = await client.audio.transcriptions.create(model="whisper-1", file=("o.wav", OTHER))
        assert answer.text == "scripted words here"
        stream = await client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("o.wav", OTHER), stream=True)
        deltas = [e.delta async for e in stream if e.type == "transcript.text.delta"]
        assert deltas == ["scripted", " words", " here"]
        speech = await client.audio.speech.create(model="tts-1", voice="alloy", input="untouched", response_format="pcm")
        assert voice.recognize(speech.content, 24000) == "untouched"
    assert [r.answered_by is not None for r in server.log] == [True, True, False]


async def test_scripted_speech_from_json_scenario() -> None:
    """A JSON rule with api 'speech' and a text action makes the reply speak the scripted text instead."""
    doc = {"rules": [{"match": {"api": "speech", "turn": 1}, "do": [{"action": "text", "text": "scripted speech"}]}]}
    async with FakeServer(source=load_scenario(doc)) as server:
        client = client_for(server)
        first = await client.audio.speech.create(model="tts-1", voice="alloy", input="asked", response_format="wav")
        second = await client.audio.speech.create(model="tts-1", voice="alloy", input="asked", response_format="wav")
    assert voice.recognize(codecs.decode(first.content).pcm, 24000) == "scripted speech"
    assert voice.recognize(codecs.decode(second.content).pcm, 24000) == "asked"
    assert server.log.requests[0].audio["text"] == "scripted speech"  # type: ignore[index]


async def test_unscripted_audio_hears_our_speech_and_the_default() -> None:
    """Without a script, our speech is heard as its words and other audio says its length."""
    async with FakeServer() as server:
        client = client_for(server)
        assert (await client.audio.transcriptions.create(model="whisper-1", file=("a.wav", OURS))).text == "the real words"
        other = await client.audio.transcriptions.create(model="whisper-1", file=("o.wav", OTHER))
        assert other.text == "[unrecognized audio, 1.0 seconds]"


@pytest.mark.parametrize("api", ["speech", "transcription"])
async def test_rate_limit_with_retry_after(api: str) -> None:
    """A scripted 429 carries retry-after; the SDK raises RateLimitError and the log keeps the hint."""
    rules = scenario().on(api=api).http_status(429, retry_after=2).build()
    async with FakeServer(source=rules) as server:
        client = client_for(server)
        with pytest.raises(openai.RateLimitError) as caught:
            if api == "speech":
                await client.audio.speech.create(model="tts-1", voice="alloy", input="x")
            else:
                await client.audio.transcriptions.create(model="whisper-1", file=("a.wav", OURS))
    assert caught.value.response.headers["retry-after"] == "2"
    (record,) = server.log
    assert (record.api, record.outcome.kind, record.retry_after) == (api, "error", 2.0)


async def test_server_error_then_retry_succeeds() -> None:
    """A 500 on the first transcription; the SDK's retry (attempt 2 of the same audio) gets the text."""
    rules = scenario().on(api="transcription", attempt=1).http_status(500).build()
    async with FakeServer(source=rules) as server:
        answer = await client_for(server, max_retries=1).audio.transcriptions.create(model="whisper-1", file=("a.wav", OURS))
    assert answer.text == "the real words"
    assert [(r.attempt, r.outcome.kind) for r in server.log] == [(1, "error"), (2, "completed")]
    retry = server.log.assert_retried(server.log.requests[0].outcome.code or "", max_attempts=2)
    assert retry.api == "transcription" and retry.audio is not None and retry.audio["text"] == "the real words"


async def test_stall_past_the_client_timeout() -> None:
    """A stall on speech leaves the client to time out; the server serves the next request."""
    rules = scenario().on(api="speech", turn=1).stall_forever().build()
    async with FakeServer(source=rules) as server:
        client = client_for(server).with_options(timeout=0.5)
        with pytest.raises(openai.APITimeoutError):
            await client.audio.speech.create(model="tts-1", voice="alloy", input="x")
        answer = await client.audio.speech.create(model="tts-1", voice="alloy", input="after", response_format="pcm")
    assert voice.recognize(answer.content, 24000) == "after"


async def test_raw_speech_cut_after_two_deltas() -> None:
    """cut after the 2nd speech.audio.delta: the client reads two chunks and part of a third, then the stream breaks."""
    text = "one two three four five"
    rules = scenario().on(api="speech").cut(after=("speech.audio.delta", 2)).build()
    async with FakeServer(source=rules) as server:
        client = client_for(server)
        got = bytearray()
        with pytest.raises(CUT):
            async with client.audio.speech.with_streaming_response.create(
                model="tts-1", voice="alloy", input=text, response_format="pcm"
            ) as answer:
                async for chunk in answer.iter_bytes():
                    got += chunk
    whole = len(voice.synthesize(text))
    per_delta = -(-whole // 5)
    assert 2 * per_delta < len(got) < 3 * per_delta  # the default keep: half the cut delta's SSE text, in audio bytes
    assert voice.recognize(bytes(got), 24000) is None  # a cut frame is not heard as words
    (record,) = server.log
    assert record.outcome.kind == "dropped"


async def test_truncated_wav_header() -> None:
    """cut(after=0, keep=20) on a raw WAV answer sends exactly the first 20 bytes of its 44-byte header, then breaks."""
    rules = scenario().on(api="speech").cut(after=0, keep=20).build()
    async with FakeServer(source=rules) as server:
        got = bytearray()
        with pytest.raises(CUT):
            async with client_for(server).audio.speech.with_streaming_response.create(
                model="tts-1", voice="alloy", input="header", response_format="wav"
            ) as answer:
                async for chunk in answer.iter_bytes():
                    got += chunk
    assert bytes(got) == codecs.encode(voice.synthesize("header"), "wav")[:20]


async def test_transcript_stream_cut_after_deltas() -> None:
    """A transcript stream cut after the 2nd delta ends mid-event, with no done event."""
    rules = scenario().on(api="transcription").cut(after=("transcript.text.delta", 2)).build()
    async with FakeServer(source=rules) as server:
        import aiohttp

        data = aiohttp.FormData()
        data.add_field("model", "gpt-4o-transcribe")
        data.add_field("stream", "true")
        data.add_field("file", OURS, filename="a.wav")
        body = b""
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{server.url}/audio/transcriptions", data=data, headers={"Authorization": "Bearer k"}) as r:
                with pytest.raises(aiohttp.ClientPayloadError):
                    async for chunk in r.content.iter_any():
                        body += chunk
    text = body.decode()
    assert [e["delta"] for e in sse_events(text.rsplit("\n\n", 1)[0].encode())] == ["the", " real"]
    assert text.rsplit("\n\n", 1)[1].startswith('data: {"type":') and "done" not in text


async def test_failing_speech_sse_stream_sends_an_error_event() -> None:
    """A scripted error after the first SSE delta arrives as an error data line, then the stream ends."""
    rules = scenario().on(api="speech").error("server_error", after=("speech.audio.delta", 1)).build()
    async with FakeServer(source=rules) as server:
        async with client_for(server).audio.speech.with_streaming_response.create(
            model="gpt-4o-mini-tts", voice="alloy", input="one two three", response_format="pcm", stream_format="sse"
        ) as answer:
            events = sse_events(await answer.read())
    assert [e["type"] for e in events] == ["speech.audio.delta", "error"]
    assert events[1]["error"]["type"] == "server_error"


async def test_pacing_uses_the_servers_clock() -> None:
    """slow() spaces speech deltas on the server's clock: five deltas at 50 ms take at least 0.2 s."""
    rules = scenario().on(api="speech").slow(delay=0.05).build()
    async with FakeServer(source=rules) as server:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await client_for(server).audio.speech.create(model="tts-1", voice="alloy", input="a b c d e", response_format="pcm")
        assert loop.time() - started >= 0.2


async def test_raw_cut_keeps_n_audio_bytes() -> None:
    """On a raw stream, keep counts audio bytes: after the 1st delta, 1000 bytes of the 2nd, then the stream breaks."""
    text = "one two three"
    rules = scenario().on(api="speech").cut(after=("speech.audio.delta", 1), keep=1000).build()
    async with FakeServer(source=rules) as server:
        got = bytearray()
        with pytest.raises(CUT):
            async with client_for(server).audio.speech.with_streaming_response.create(
                model="tts-1", voice="alloy", input=text, response_format="pcm"
            ) as answer:
                async for chunk in answer.iter_bytes():
                    got += chunk
    pcm = voice.synthesize(text)
    assert bytes(got) == pcm[: -(-len(pcm) // 3) + 1000]


async def test_text_contains_matches_what_was_said() -> None:
    """text_contains matches a transcription by the words our speech carries, and a speech request by its input."""
    rules = (
        scenario()
        .on(api="transcription", text_contains="real")
        .reply("matched by content")
        .on(api="speech", text_contains="secret")
        .http_status(500)
        .build()
    )
    async with FakeServer(source=rules) as server:
        client = client_for(server)
        assert (await client.audio.transcriptions.create(model="whisper-1", file=("a.wav", OURS))).text == "matched by content"
        assert (await client.audio.transcriptions.create(model="whisper-1", file=("o.wav", OTHER))).text.startswith(
            "[unrecognized"
        )
        with pytest.raises(openai.InternalServerError):
            await client.audio.speech.create(model="tts-1", voice="alloy", input="the secret word")
        await client.audio.speech.create(model="tts-1", voice="alloy", input="an open word")
    assert [r.outcome.kind for r in server.log] == ["completed", "completed", "error", "completed"]
