"""Helpers for the audio tests: speech through the SDK, decoding any format, resampling, spec checks."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import soxr
from testkit import spec

from openai_replay.audio import codecs
from openai_replay.audio.fidelity import check_speech_event, check_transcript_event, check_transcription


def to_pcm(data: bytes, response_format: str) -> codecs.Decoded:
    """Speech bytes in ``response_format`` as mono PCM, decoded with a standard decoder."""
    if response_format == "pcm":
        return codecs.Decoded(data, codecs.SAMPLE_RATE)
    return codecs.decode(data)


def resampled_wav(decoded: codecs.Decoded, rate: int, *, stereo: bool = False) -> bytes:
    """The audio resampled with soxr to ``rate`` (and made stereo), as a 16-bit WAV file."""
    samples = soxr.resample(np.frombuffer(decoded.pcm, "<i2").astype(np.float32), decoded.sample_rate, rate)
    if stereo:
        samples = np.stack([samples, samples * 0.9], axis=1).reshape(-1)
    pcm = np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()
    return codecs.wav_header(len(pcm), rate, 2 if stereo else 1) + pcm


def sse_events(body: bytes) -> list[dict[str, Any]]:
    """The JSON events of a ``data:``-only SSE body (``[DONE]`` left out)."""
    events = []
    for line in body.decode().splitlines():
        if line.startswith("data: ") and line != "data: [DONE]":
            events.append(json.loads(line[6:]))
    return events


def assert_speech_event(event: dict[str, Any]) -> None:
    assert check_speech_event(spec(), event) == [], event


def assert_transcript_event(event: dict[str, Any]) -> None:
    from openai.types.audio import TranscriptionTextDeltaEvent, TranscriptionTextDoneEvent

    assert check_transcript_event(spec(), event) == [], event
    model = TranscriptionTextDeltaEvent if event["type"] == "transcript.text.delta" else TranscriptionTextDoneEvent
    model.model_validate(event, strict=True)


def assert_transcription_body(body: dict[str, Any], response_format: str, *, translate: bool = False) -> None:
    assert check_transcription(spec(), body, response_format, translate=translate) == [], body
