"""The speech builder's deltas: the synthesised, encoded audio cut evenly, the same from its cache."""

from __future__ import annotations

import base64

import pytest

from openai_replay.audio import codecs, memo, voice
from openai_replay.audio.builder import SpeechBuilder
from openai_replay.audio.validation import SpeechRequest
from openai_replay.ids import IdFactory

TEXT = "one two three four five six seven"


def deltas(response_format: str, speed: float = 1.0, chunk_size: int | None = None) -> tuple[list[str], SpeechBuilder]:
    request = SpeechRequest(model="tts-1", input=TEXT, voice="alloy", response_format=response_format, speed=speed)
    builder = SpeechBuilder(request, {}, ids=IdFactory(1), now=0.0)
    return [event["audio"] for event in builder.message(TEXT, chunk_size)], builder


@pytest.mark.parametrize("response_format", ["pcm", "mp3", "wav"])
@pytest.mark.parametrize("chunk_size", [None, 5])
def test_deltas_are_the_encoded_speech_and_the_same_from_the_cache(response_format: str, chunk_size: int | None) -> None:
    """A miss and a hit give the same deltas; joined they are encode(synthesize(text)); chunk() gives each one's bytes."""
    memo.clear()
    first, builder = deltas(response_format, 1.3, chunk_size)
    again, cached = deltas(response_format, 1.3, chunk_size)
    assert first == again and memo.spoken.hits == 1
    pcm = voice._synthesize(TEXT, 24000, 1.3)
    expected = codecs._encode(pcm, "mp3", 24000) if response_format == "mp3" else codecs.encode(pcm, response_format)
    audio = b"".join(base64.b64decode(a) for a in first)
    assert audio == expected
    assert len(first) == (7 if chunk_size is None else -(-len(TEXT) // 5))
    assert b"".join(cached.chunk(a) for a in again) == audio and cached.audio_bytes == len(audio)
    assert cached.seconds == builder.seconds == voice.duration_ms(TEXT, speed=1.3) / 1000


def test_chunk_of_other_audio_is_decoded() -> None:
    """A delta the builder did not speak (a scenario's own event) is base64-decoded."""
    _, builder = deltas("pcm")
    assert builder.chunk(base64.b64encode(b"\x01\x02").decode()) == b"\x01\x02"
