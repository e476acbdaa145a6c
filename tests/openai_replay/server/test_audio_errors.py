"""Bad audio requests get a clear 400 in OpenAI's error shape, and the server keeps serving."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import numpy as np
import openai
import pytest
from scenariokit import client_for

from fake_server import FakeServer
from openai_replay.audio import codecs, voice

AUTH = {"Authorization": "Bearer k"}


async def post(server: FakeServer, path: str, headers: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    headers = {**AUTH, **(headers or {})}
    async with aiohttp.ClientSession() as session, session.post(f"{server.url}{path}", headers=headers, **kwargs) as answer:
        body = await answer.read()
        return answer.status, json.loads(body) if body.startswith(b"{") else {"raw": body.decode(errors="replace")}


def form(file: bytes | None = b"", *, filename: str = "a.wav", **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        data.add_field(name, value)
    if file is not None:
        data.add_field("file", file, filename=filename, content_type="application/octet-stream")
    return data


GOOD_WAV = codecs.wav_header(len(voice.synthesize("ok"))) + voice.synthesize("ok")


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"model": "tts-1", "input": "x"}, "voice", "missing_required_parameter"),
        ({"model": "tts-1", "voice": "alloy"}, "input", "missing_required_parameter"),
        ({"model": "tts-1", "input": "x", "voice": "robot"}, "voice", "invalid_value"),
        ({"model": "tts-1", "input": "x", "voice": "alloy", "response_format": "ogg"}, "response_format", "invalid_value"),
        ({"model": "tts-1", "input": "x", "voice": "alloy", "speed": 5}, "speed", "decimal_above_max_value"),
        ({"model": "tts-1", "input": "x", "voice": "alloy", "speed": "fast"}, "speed", "invalid_type"),
        ({"model": "tts-1", "input": 7, "voice": "alloy"}, "input", "invalid_type"),
        ({"model": "tts-1", "input": "x" * 4097, "voice": "alloy"}, "input", "string_above_max_length"),
        ({"model": "tts-1", "input": "x", "voice": "alloy", "volume": 11}, "volume", "unknown_parameter"),
    ],
)
async def test_speech_validation(server: FakeServer, body: dict[str, Any], param: str, code: str) -> None:
    """Each bad speech request is a 400 naming its param and code."""
    status, answer = await post(server, "/audio/speech", json=body)
    assert status == 400
    assert answer["error"]["param"] == param and answer["error"]["code"] == code


async def test_speech_not_json_and_not_an_object(server: FakeServer) -> None:
    """A body that is not JSON, or not an object, is a clear 400."""
    status, answer = await post(server, "/audio/speech", data=b"{nope", headers={"Content-Type": "application/json"})
    assert status == 400 and "could not parse the JSON body" in answer["error"]["message"]
    status, answer = await post(server, "/audio/speech", json=[1, 2])
    assert status == 400 and answer["error"]["code"] == "invalid_type"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (form(GOOD_WAV), "Missing required parameter: 'model'"),
        (form(None, model="whisper-1"), "Missing required parameter: 'file'"),
        (form(b"RIFF garbage that is not audio at all", model="whisper-1"), "corrupted or unsupported"),
        (form(GOOD_WAV, filename="notes.txt", model="whisper-1"), "Invalid file format"),
        (form(b"", model="whisper-1"), "too short"),
        (form(codecs.wav_header(960) + bytes(960), model="whisper-1"), "too short"),
        (
            form(GOOD_WAV, model="gpt-4o-transcribe", response_format="srt"),
            "response_format 'srt' is not compatible with model 'gpt-4o-transcribe'. Use 'json' or 'text' instead.",
        ),
        (form(GOOD_WAV, model="whisper-1", response_format="xml"), "Invalid value: 'xml'"),
        (form(GOOD_WAV, model="whisper-1", temperature="hot"), "Invalid type for 'temperature'"),
        (form(GOOD_WAV, model="whisper-1", stream="maybe"), "Invalid type for 'stream'"),
        (form(GOOD_WAV, model="whisper-1", colour="blue"), "Unknown parameter: 'colour'"),
    ],
)
async def test_transcription_validation(server: FakeServer, data: aiohttp.FormData, message: str) -> None:
    """Each bad upload is a 400 whose message says what is wrong; the next good request is served."""
    status, answer = await post(server, "/audio/transcriptions", data=data)
    assert status == 400 and message in answer["error"]["message"], answer
    assert set(answer["error"]) == {"message", "type", "param", "code"}
    assert (await client_for(server).audio.transcriptions.create(model="whisper-1", file=("a.wav", GOOD_WAV))).text == "ok"


async def test_not_multipart(server: FakeServer) -> None:
    """A JSON (or empty, or broken multipart) body is a 400 that says multipart/form-data is expected."""
    status, answer = await post(server, "/audio/transcriptions", json={"model": "whisper-1"})
    assert status == 400 and "expected multipart/form-data" in answer["error"]["message"]
    headers = {**AUTH, "Content-Type": "multipart/form-data; boundary=xyz"}
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{server.url}/audio/transcriptions", data=b"--xyz\r\nbroken", headers=headers) as r:
            assert r.status == 400 and "Could not parse multipart form" in (await r.json())["error"]["message"]


async def test_upload_over_25_mb(server: FakeServer) -> None:
    """A 30 MB upload is the real 413 (typed server_error) that says the 25 MB limit; the server keeps serving."""
    big = codecs.wav_header(30 * 1024 * 1024) + bytes(30 * 1024 * 1024)
    status, answer = await post(server, "/audio/transcriptions", data=form(big, model="whisper-1"))
    assert status == 413 and answer["error"]["message"].startswith("Maximum content size limit (26214400) exceeded (")
    assert (answer["error"]["type"], answer["error"]["param"], answer["error"]["code"]) == ("server_error", None, None)
    assert (await client_for(server).audio.transcriptions.create(model="whisper-1", file=("a.wav", GOOD_WAV))).text == "ok"


async def test_sdk_sees_bad_request(server: FakeServer) -> None:
    """The SDK raises BadRequestError with the real body for an unreadable upload."""
    with pytest.raises(openai.BadRequestError) as caught:
        await client_for(server).audio.transcriptions.create(model="whisper-1", file=("a.mp3", b"\x00" * 5000))
    assert caught.value.code == "invalid_value" and caught.value.param == "file"


async def test_refused_requests_are_logged(server: FakeServer) -> None:
    """A refused audio request is in the log as an error with its code."""
    await post(server, "/audio/speech", json={"model": "tts-1", "input": "x"})
    await post(server, "/audio/transcriptions", json={})
    kinds = [(r.api, r.outcome.kind, r.outcome.code) for r in server.log]
    assert kinds == [("speech", "error", "missing_required_parameter"), ("transcription", "error", "invalid_request_error")]


async def test_stereo_and_8_bit_wav_uploads(server: FakeServer) -> None:
    """Stereo 16-bit and mono 8-bit WAV uploads are mixed and read; our speech in them is heard."""
    pcm = np.frombuffer(voice.synthesize("mixed"), "<i2")
    stereo = np.stack([pcm, pcm], axis=1).reshape(-1).astype("<i2").tobytes()
    client = client_for(server)
    wav = codecs.wav_header(len(stereo), 24000, 2) + stereo
    assert (await client.audio.transcriptions.create(model="whisper-1", file=("s.wav", wav))).text == "mixed"
    eight = ((pcm.astype(np.int32) // 256) + 128).astype(np.uint8).tobytes()
    header = bytearray(codecs.wav_header(len(eight)))
    header[28:36] = (24000).to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
    answer = await client.audio.transcriptions.create(model="whisper-1", file=("e.wav", bytes(header) + eight))
    assert answer.text == "mixed"


async def test_cassette_replays_audio_byte_for_byte(tmp_path: Any) -> None:
    """Speech and a transcription recorded through the proxy replay from the cassette with the same bytes."""
    from openai_replay.cassette import CassetteReplay, load_cassette
    from openai_replay.server.recorder import RecordingProxy

    out = tmp_path / "audio.json"
    async with FakeServer() as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        client = client_for_url(proxy.url)
        spoken = await client.audio.speech.create(model="tts-1", voice="alloy", input="kept", response_format="mp3")
        heard = await client.audio.transcriptions.create(model="whisper-1", file=("a.wav", GOOD_WAV))
    async with FakeServer(source=CassetteReplay(load_cassette(out))) as server:
        client = client_for(server)
        again = await client.audio.speech.create(model="tts-1", voice="alloy", input="kept", response_format="mp3")
        assert again.content == spoken.content and again.response.headers["content-type"] == "audio/mpeg"
        assert (await client.audio.transcriptions.create(model="whisper-1", file=("a.wav", GOOD_WAV))).text == heard.text == "ok"


def client_for_url(url: str) -> openai.AsyncOpenAI:
    from sdkkit import async_sdk

    return async_sdk(base_url=url, api_key="k", max_retries=0)
