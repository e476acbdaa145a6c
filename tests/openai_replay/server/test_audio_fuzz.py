"""Fuzzing the audio endpoints: any multipart or JSON body gets a 200 or the API's 400, and the server keeps serving."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator

import pytest
from fuzzkit import PROFILE, QUIET_RANDOM, json_values, no_tracebacks
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_server import FakeServer
from openai_replay.audio import codecs, voice

pytestmark = pytest.mark.filterwarnings(QUIET_RANDOM)

Conn = tuple[http.client.HTTPConnection, list[str]]
WAV = codecs.wav_header(len(voice.synthesize("ok"))) + voice.synthesize("ok")
BOUNDARY = "fuzzBoundary42"
FIELDS = ["model", "file", "response_format", "stream", "temperature", "language", "prompt", "timestamp_granularities[]", "x"]


@pytest.fixture(scope="module")
def conn() -> Iterator[Conn]:
    with no_tracebacks() as bad, FakeServer(seed=1, require_auth=False, header_timeout=None) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
        yield connection, bad
        connection.close()


def _post(connection: http.client.HTTPConnection, path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
    connection.request("POST", path, body=body, headers={"Content-Type": content_type})
    response = connection.getresponse()
    return response.status, response.read()


def _part(name: str, data: bytes, filename: str | None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"


def _check(conn: Conn, status: int, data: bytes) -> None:
    connection, bad = conn
    if status != 200:
        assert status == 400, (status, data[:300])
        error = json.loads(data)["error"]
        assert set(error) == {"type", "message", "param", "code"} and "\n" not in error["message"], error
    form = _part("model", b"whisper-1", None) + _part("file", WAV, "ok.wav") + f"--{BOUNDARY}--\r\n".encode()
    status, data = _post(connection, "/v1/audio/transcriptions", form, f"multipart/form-data; boundary={BOUNDARY}")
    assert status == 200 and json.loads(data)["text"] == "ok"
    assert not bad, "server logged a traceback:\n" + "\n".join(bad)


audio_bytes = st.sampled_from([WAV, WAV[:50], WAV[:44], b"", b"RIFF", b"ID3\x03", b"OggS" + bytes(60), b"fLaC"]) | st.binary(
    max_size=200
)
form_parts = st.lists(
    st.tuples(
        st.sampled_from(FIELDS) | st.text(max_size=6),
        st.binary(max_size=30)
        | st.sampled_from([b"whisper-1", b"gpt-4o-transcribe", b"true", b"verbose_json", b"srt", b"0.5"])
        | audio_bytes,
        st.none() | st.sampled_from(["a.wav", "a.mp3", "a.txt", "", "a.ogg", "x"]),
    ),
    max_size=6,
)


@settings(PROFILE)
@given(parts=form_parts, closing=st.booleans())
def test_random_forms(conn: Conn, parts: list[tuple[str, bytes, str | None]], closing: bool) -> None:
    """Any form (fields of any value, files of any bytes and name) gets a 200 or a clear 400, then a normal request."""
    clean = [(name.replace('"', "").replace("\r", "").replace("\n", ""), data, filename) for name, data, filename in parts]
    body = b"".join(_part(n, d, f) for n, d, f in clean if f"--{BOUNDARY}".encode() not in d)
    body += f"--{BOUNDARY}--\r\n".encode() if closing else b""
    status, data = _post(conn[0], "/v1/audio/transcriptions", body, f"multipart/form-data; boundary={BOUNDARY}")
    _check(conn, status, data)


@settings(PROFILE)
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(["multipart/form-data; boundary=b", "application/json", "multipart/form-data", "audio/wav"]),
)
def test_random_bytes_to_transcriptions(conn: Conn, body: bytes, content_type: str) -> None:
    """Random bytes under any Content-Type: a clear 400, then a normal request."""
    status, data = _post(conn[0], "/v1/audio/translations", body, content_type)
    _check(conn, status, data)


@settings(PROFILE)
@given(
    payload=st.fixed_dictionaries(
        {
            "model": st.just("tts-1") | json_values,
            "input": st.text(max_size=30) | json_values,
            "voice": st.just("alloy") | json_values,
        },
        optional={
            "response_format": st.sampled_from(codecs.SPEECH_FORMATS) | json_values,
            "speed": json_values,
            "stream_format": json_values,
        },
    )
)
def test_random_speech_payloads(conn: Conn, payload: dict[str, object]) -> None:
    """A speech body with any value in any field: audio or the API's 400, then a normal request."""
    status, data = _post(conn[0], "/v1/audio/speech", json.dumps(payload).encode(), "application/json")
    _check(conn, status, data)
