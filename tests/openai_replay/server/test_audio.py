"""The audio endpoints over real sockets with the openai SDK: every speech format, streamed and not,
every transcription response_format, streamed and not, and our speech heard back as its text."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pytest
from audiokit import assert_speech_event, assert_transcript_event, assert_transcription_body, sse_events, to_pcm
from scenariokit import client_for

from fake_server import FakeServer
from openai_replay.audio import codecs, voice

TEXT = "Hello there, it's 4 o'clock: café?"


async def speak(server: FakeServer, text: str = TEXT, **options: Any) -> bytes:
    options.setdefault("model", "tts-1")
    options.setdefault("voice", "alloy")
    answer = await client_for(server).audio.speech.create(input=text, **options)
    return answer.content


@pytest.mark.parametrize("response_format", codecs.SPEECH_FORMATS)
async def test_speech_in_every_format_decodes_to_its_text(server: FakeServer, response_format: str) -> None:
    """audio.speech.create answers each format with its Content-Type; a standard decoder reads it; the text is heard."""
    client = client_for(server)
    answer = await client.audio.speech.create(model="tts-1", voice="alloy", input=TEXT, response_format=response_format)  # type: ignore[arg-type]
    assert answer.response.headers["content-type"] == codecs.CONTENT_TYPES[response_format]
    decoded = to_pcm(answer.content, response_format)
    assert voice.recognize(decoded.pcm, decoded.sample_rate) == TEXT
    assert abs(decoded.duration - voice.duration_ms(TEXT) / 1000) < 0.1


async def test_default_format_is_mp3(server: FakeServer) -> None:
    """No response_format: mp3, as the real API's default."""
    data = await speak(server)
    assert data[:3] == b"ID3" or data[0] == 0xFF
    assert codecs.decode(data).sample_rate == 24000


@pytest.mark.parametrize("response_format", ["pcm", "mp3", "opus"])
async def test_streamed_speech_comes_in_several_chunks(server: FakeServer, response_format: str) -> None:
    """with_streaming_response gets the audio in several chunks (one per word), the same bytes as unstreamed."""
    client = client_for(server)
    text = "one two three four five six seven eight"
    async with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts",
        voice="coral",
        input=text,
        response_format=response_format,  # type: ignore[arg-type]
        instructions="Speak cheerfully.",
    ) as answer:
        chunks = [chunk async for chunk in answer.iter_bytes()]
    whole = b"".join(chunks)
    assert len(chunks) >= 2
    assert whole == await speak(server, text, model="gpt-4o-mini-tts", voice="coral", response_format=response_format)
    decoded = to_pcm(whole, response_format)
    assert voice.recognize(decoded.pcm, decoded.sample_rate) == text


async def test_speech_sse_events_conform(server: FakeServer) -> None:
    """stream_format sse: speech.audio.delta events whose audio joins into the PCM, then speech.audio.done with usage."""
    client = client_for(server)
    async with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="ash", input="short and sweet", response_format="pcm", stream_format="sse"
    ) as answer:
        assert answer.headers["content-type"].startswith("text/event-stream")
        events = sse_events(await answer.read())
    for event in events:
        assert_speech_event(event)
    assert [e["type"] for e in events] == ["speech.audio.delta"] * 3 + ["speech.audio.done"]
    import base64

    pcm = b"".join(base64.b64decode(e["audio"]) for e in events[:-1])
    assert voice.recognize(pcm, 24000) == "short and sweet"
    usage = events[-1]["usage"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] > 0


@pytest.mark.parametrize("model", ["tts-1", "tts-1-hd"])
async def test_sse_is_ignored_by_the_models_without_it(server: FakeServer, model: str) -> None:
    """tts-1 and tts-1-hd answer stream_format sse with raw audio (HTTP 200), as the real API was seen to."""
    client = client_for(server)
    async with client.audio.speech.with_streaming_response.create(
        model=model, voice="alloy", input="no events here", response_format="pcm", stream_format="sse"
    ) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"] == codecs.CONTENT_TYPES["pcm"]
        pcm = await answer.read()
    assert voice.recognize(pcm, 24000) == "no events here"


async def test_speed_changes_the_duration(server: FakeServer) -> None:
    """speed 2 speaks the same text in about half the time, still understood."""
    slow = to_pcm(await speak(server, response_format="pcm"), "pcm")
    fast = to_pcm(await speak(server, response_format="pcm", speed=2.0), "pcm")
    assert fast.duration < slow.duration * 0.6
    assert voice.recognize(fast.pcm, 24000) == TEXT


@pytest.mark.parametrize("response_format", ["json", "text", "srt", "vtt", "verbose_json"])
async def test_whisper_every_response_format(server: FakeServer, response_format: str) -> None:
    """transcriptions.create returns each response_format with our speech's text, parsed by the SDK and valid against the spec."""
    wav = await speak(server, response_format="wav")
    client = client_for(server)
    answer: Any = await client.audio.transcriptions.create(
        model="whisper-1",
        file=("speech.wav", wav, "audio/wav"),
        response_format=response_format,  # type: ignore[arg-type]
        timestamp_granularities=["word", "segment"] if response_format == "verbose_json" else [],
    )
    if response_format == "text":
        assert answer == TEXT + "\n"
    elif response_format == "srt":
        assert answer.startswith("1\n00:00:00,000 --> 00:00:0") and TEXT in answer
    elif response_format == "vtt":
        assert answer.startswith("WEBVTT\n\n00:00:00.000 --> ") and TEXT in answer
    else:
        body = answer.model_dump(mode="json", exclude_unset=True)
        assert answer.text == TEXT
        assert_transcription_body(body, response_format)
        if response_format == "verbose_json":
            assert [w.word for w in answer.words] == TEXT.split()
            assert answer.segments and answer.segments[-1].end == pytest.approx(answer.duration, abs=0.01)
        else:
            assert body["usage"] == {"type": "duration", "seconds": 3}


@pytest.mark.parametrize("model", ["gpt-4o-transcribe", "gpt-4o-mini-transcribe"])
async def test_gpt4o_transcription_json_and_stream(server: FakeServer, model: str) -> None:
    """The gpt-4o models: json with token usage, and stream=True as transcript.text.delta events then done with usage."""
    wav = await speak(server, response_format="wav")
    client = client_for(server)
    answer = await client.audio.transcriptions.create(model=model, file=("a.wav", wav, "audio/wav"))
    assert answer.text == TEXT and answer.usage is not None and answer.usage.type == "tokens"
    assert_transcription_body(answer.model_dump(mode="json", exclude_unset=True), "json")
    stream = await client.audio.transcriptions.create(model=model, file=("a.wav", wav, "audio/wav"), stream=True)
    events = [event.model_dump(mode="json", exclude_unset=True) async for event in stream]
    for event in events:
        assert_transcript_event(event)
    assert "".join(e["delta"] for e in events[:-1]) == TEXT
    assert events[-1]["type"] == "transcript.text.done" and events[-1]["text"] == TEXT


async def test_transcript_stream_has_the_real_framing(server: FakeServer) -> None:
    """A raw stream is data: lines only, ending with data: [DONE], as the recorded real one."""
    wav = await speak(server, "Ruby is nice.", response_format="wav")
    form = aiohttp.FormData()
    form.add_field("model", "gpt-4o-transcribe")
    form.add_field("stream", "true")
    form.add_field("file", wav, filename="ruby.wav", content_type="audio/wav")
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/audio/transcriptions", data=form, headers={"Authorization": "Bearer k"}) as r:
            body = (await r.read()).decode()
            assert r.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert body.startswith('data: {"type":"transcript.text.delta","delta":"Ruby"}\n\n')
    assert body.endswith("data: [DONE]\n\n") and "event:" not in body


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")  # the SDK marks translations deprecated
@pytest.mark.parametrize("response_format", ["json", "text", "verbose_json"])
async def test_translations(server: FakeServer, response_format: str) -> None:
    """translations.create hears our speech too; json and verbose_json (task translate) validate against the spec."""
    wav = await speak(server, response_format="wav")
    answer: Any = await client_for(server).audio.translations.create(
        model="whisper-1",
        file=("a.wav", wav),
        response_format=response_format,  # type: ignore[arg-type]
    )
    if response_format == "text":
        assert answer == TEXT + "\n"
        return
    assert answer.text == TEXT
    body = answer.model_dump(mode="json", exclude_unset=True)
    assert_transcription_body(body, response_format, translate=True)
    if response_format == "verbose_json":
        assert body["task"] == "translate" and body["language"] == "english"


@pytest.mark.parametrize("response_format", ["mp3", "opus", "flac", "aac"])
async def test_compressed_uploads_are_heard(server: FakeServer, response_format: str) -> None:
    """Our speech uploaded as mp3, ogg/opus, flac or aac-in-m4a-named file transcribes to its text."""
    data = await speak(server, response_format=response_format)
    name = {"opus": "a.ogg", "aac": "a.m4a"}.get(response_format, f"a.{response_format}")
    answer = await client_for(server).audio.transcriptions.create(model="whisper-1", file=(name, data))
    assert answer.text == TEXT


async def test_other_audio_gets_the_default_that_says_its_length(server: FakeServer) -> None:
    """Audio without our code transcribes to '[unrecognized audio, N seconds]'; silence to ''."""
    import numpy as np

    tone = (8000 * np.sin(np.arange(36000) * 0.05)).astype("<i2").tobytes()
    wav = codecs.wav_header(len(tone), 24000) + tone
    client = client_for(server)
    answer = await client.audio.transcriptions.create(model="whisper-1", file=("t.wav", wav))
    assert answer.text == "[unrecognized audio, 1.5 seconds]"
    silence = bytes(48000)
    answer = await client.audio.transcriptions.create(model="whisper-1", file=("s.wav", codecs.wav_header(48000) + silence))
    assert answer.text == ""


async def test_log_and_timeline_record_audio_requests(server: FakeServer) -> None:
    """The request log keeps each audio request's api, model, format, duration and text; the timeline shows them."""
    wav = await speak(server, "log me", response_format="wav")
    await client_for(server).audio.transcriptions.create(model="whisper-1", file=("a.wav", wav))
    speech, heard = list(server.log)
    assert (speech.api, speech.outcome.kind) == ("speech", "completed")
    seconds = voice.duration_ms("log me") / 1000
    expected = {"endpoint": "/v1/audio/speech", "model": "tts-1", "format": "wav", "seconds": seconds, "text": "log me"}
    assert speech.audio == expected
    assert heard.api == "transcription" and heard.audio is not None and heard.audio["text"] == "log me"
    assert heard.payload["file"]["filename"] == "a.wav" and heard.payload["file"]["bytes"] == len(wav)
    timeline = server.log.timeline()
    assert "POST /v1/audio/speech" in timeline and "POST /v1/audio/transcriptions" in timeline
    assert "text='log me'" in timeline


async def test_speech_request_log_payload_is_the_json(server: FakeServer) -> None:
    """The speech request's payload in the log is its JSON body, so text_contains sees the input."""
    await speak(server, "find me", response_format="pcm")
    (record,) = list(server.log)
    assert record.payload["input"] == "find me" and json.dumps(record.payload)


async def test_logprobs_on_request(server: FakeServer) -> None:
    """include=['logprobs'] with a gpt-4o model: logprobs per word in the json body, the deltas and the done event."""
    wav = await speak(server, "two words", response_format="wav")
    client = client_for(server)
    answer = await client.audio.transcriptions.create(model="gpt-4o-transcribe", file=("a.wav", wav), include=["logprobs"])
    assert answer.logprobs is not None and [p.token for p in answer.logprobs] == ["two", " words"]
    assert_transcription_body(answer.model_dump(mode="json", exclude_unset=True), "json")
    stream = await client.audio.transcriptions.create(
        model="gpt-4o-transcribe", file=("a.wav", wav), include=["logprobs"], stream=True
    )
    events = [event.model_dump(mode="json", exclude_unset=True) async for event in stream]
    for event in events:
        assert_transcript_event(event)
        assert event["logprobs"]
