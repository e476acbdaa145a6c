"""Transcription bodies: every response_format, timed words and segments, usage, all valid against the spec."""

from __future__ import annotations

import itertools

import pytest
from testkit import spec

from openai_replay.audio import bodies
from openai_replay.audio.fidelity import check_transcription

TEXT = "First sentence here. And a second one!"


def test_srt_and_vtt_cue_per_sentence() -> None:
    """srt numbers its cues with comma milliseconds; vtt starts with WEBVTT and uses dots."""
    assert bodies.srt(TEXT, 2.0) == (
        "1\n00:00:00,000 --> 00:00:01,105\nFirst sentence here.\n\n2\n00:00:01,105 --> 00:00:02,000\nAnd a second one!\n\n"
    )
    assert bodies.vtt(TEXT, 3725.5).endswith("00:34:18.829 --> 01:02:05.500\nAnd a second one!\n\n")
    assert bodies.srt("", 1.0) == "1\n00:00:00,000 --> 00:00:01,000\n\n\n"


def test_words_cover_the_audio_in_order() -> None:
    """Words are in order, within the duration, the last one ending at its end."""
    words = bodies.words(TEXT, 4.0)
    assert [w["word"] for w in words] == TEXT.split()
    assert all(a["end"] <= b["start"] for a, b in itertools.pairwise(words))
    assert words[-1]["end"] == 4.0


@pytest.mark.parametrize("model", ["whisper-1", "gpt-4o-transcribe"])
@pytest.mark.parametrize("response_format", ["json", "verbose_json"])
def test_json_bodies_conform(model: str, response_format: str) -> None:
    """json and verbose_json bodies validate against the spec, for transcriptions and translations."""
    for translate in (False, True):
        body, content_type = bodies.transcription_body(
            TEXT, 2.5, model=model, response_format=response_format, translate=translate, granularities=("word", "segment")
        )
        assert content_type == "application/json" and isinstance(body, dict)
        assert check_transcription(spec(), body, response_format, translate=translate) == []


def test_usage_shapes() -> None:
    """whisper-1 bills whole seconds rounded up; the gpt-4o models bill tokens that add up."""
    assert bodies.duration_usage(3.2) == {"type": "duration", "seconds": 4}
    usage = bodies.token_usage(TEXT, 3.7, prompt="context")
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert usage["input_token_details"] == {"text_tokens": 2, "audio_tokens": 37}


def test_text_formats_end_with_a_newline() -> None:
    """response_format text is the text and a newline, as text/plain."""
    assert bodies.transcription_body("hi", 1.0, model="whisper-1", response_format="text") == (
        "hi\n",
        "text/plain; charset=utf-8",
    )
