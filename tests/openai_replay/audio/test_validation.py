"""Audio request validation: good requests read into dataclasses, bad ones the real 400 with param."""

from __future__ import annotations

from typing import Any

import pytest
from testkit import spec

from openai_replay.audio.fidelity import check_speech_request
from openai_replay.audio.multipart import Part
from openai_replay.audio.validation import (
    SpeechRequest,
    TranscriptionRequest,
    upload_problem,
    validate_speech,
    validate_transcription,
)
from openai_replay.errors import ApiError

GOOD: list[dict[str, Any]] = [
    {"model": "tts-1", "input": "hi", "voice": "alloy"},
    {"model": "gpt-4o-mini-tts", "input": "hi", "voice": {"id": "voice_1"}, "response_format": "pcm", "speed": 0.25},
    {"model": "gpt-4o-mini-tts", "input": "hi", "voice": "cedar", "stream_format": "sse", "instructions": "calm", "speed": 4},
]


@pytest.mark.parametrize("payload", GOOD)
def test_good_speech_requests(payload: dict[str, Any]) -> None:
    """Valid speech bodies are read, and the spec agrees they are valid."""
    assert isinstance(validate_speech(payload), SpeechRequest)
    assert check_speech_request(spec(), payload) == []


@pytest.mark.parametrize(
    ("payload", "param"),
    [
        ("text", "body"),
        ({"model": "tts-1", "input": "hi", "voice": 3}, "voice"),
        ({"model": "tts-1", "input": "hi", "voice": "alloy", "speed": 0.1}, "speed"),
        ({"model": "tts-1", "input": "hi", "voice": "alloy", "speed": True}, "speed"),
        ({"model": "tts-1", "input": "hi", "voice": "alloy", "speed": float("nan")}, "speed"),
        ({"model": "tts-1", "input": "hi", "voice": "alloy", "response_format": 1}, "response_format"),
    ],
)
def test_bad_speech_requests(payload: Any, param: str) -> None:
    """Each bad speech body is a 400 naming the param at fault."""
    problem = validate_speech(payload)
    assert isinstance(problem, ApiError) and problem.status == 400 and problem.param == param


def test_transcription_form_is_read() -> None:
    """Fields and repeated [] fields are read; stream is honoured only for gpt-4o models."""
    wav = Part("file", b"x", "a.wav", "audio/wav")
    parts = [Part("model", b"gpt-4o-transcribe"), wav, Part("stream", b"true"), Part("include[]", b"logprobs")]
    read = validate_transcription(parts)
    assert isinstance(read, TranscriptionRequest) and read.stream and read.fields["include[]"] == ["logprobs"]
    whisper = validate_transcription([Part("model", b"whisper-1"), wav, Part("stream", b"true")])
    assert isinstance(whisper, TranscriptionRequest) and not whisper.stream
    grains = [Part("timestamp_granularities[]", b"word"), Part("timestamp_granularities[]", b"segment")]
    verbose = validate_transcription([Part("model", b"whisper-1"), wav, Part("response_format", b"verbose_json"), *grains])
    assert isinstance(verbose, TranscriptionRequest) and verbose.granularities == ("word", "segment")


def test_translations_take_fewer_fields() -> None:
    """A translation form refuses transcription-only fields such as language."""
    parts = [Part("model", b"whisper-1"), Part("file", b"x", "a.wav"), Part("language", b"en")]
    problem = validate_transcription(parts, translate=True)
    assert isinstance(problem, ApiError) and problem.param == "language"


def test_a_file_sent_as_text_is_a_type_error() -> None:
    """A file field without a file name is refused as the wrong type."""
    problem = validate_transcription([Part("model", b"whisper-1"), Part("file", b"just text")])
    assert isinstance(problem, ApiError) and problem.code == "invalid_type"


@pytest.mark.parametrize(
    ("name", "ok"), [("a.WAV", True), ("x.webm", True), ("clip.m4a", True), ("a.txt", False), ("noext", False)]
)
def test_upload_types_by_extension(name: str, ok: bool) -> None:
    """The accepted extensions pass; anything else is the real 'Invalid file format' 400."""
    problem = upload_problem(Part("file", b"", name))
    assert (problem is None) == ok
    if problem is not None:  # as the real API answers it: no param, no code
        assert (problem.status, problem.param, problem.code) == (400, None, None)
        assert problem.message.startswith("Invalid file format. Supported formats: ['flac', 'm4a', 'mp3', 'mp4', 'mpeg',")
