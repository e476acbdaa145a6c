"""What the fake hears: our speech's text, silence as '', other audio as the default that says its length."""

from __future__ import annotations

import numpy as np
import pytest

from openai_replay.audio import codecs, listen, voice
from openai_replay.audio.multipart import Part
from openai_replay.audio.validation import TOO_SHORT, UNREADABLE


def wav(pcm: bytes, rate: int = 24000) -> Part:
    return Part("file", codecs.wav_header(len(pcm), rate) + pcm, "a.wav")


def test_hears_our_speech() -> None:
    """Our speech is recognized, with its length."""
    heard = listen.hear(wav(voice.synthesize("listen")))
    assert isinstance(heard, listen.Heard) and heard.text == "listen" and heard.recognized
    assert heard.seconds == voice.duration_ms("listen") / 1000


def test_silence_and_other_audio() -> None:
    """Near-silence is '' and a tone is the default naming its length."""
    quiet = (np.random.default_rng(1).normal(0, 5, 24000)).astype("<i2").tobytes()
    assert listen.hear(wav(quiet)) == listen.Heard("", 1.0, False)
    tone = (5000 * np.sin(np.arange(36000) * 0.1)).astype("<i2").tobytes()
    assert listen.hear(wav(tone)) == listen.Heard("[unrecognized audio, 1.5 seconds]", 1.5, False)


def test_refusals() -> None:
    """Empty, too short and unreadable uploads are the real 400s."""
    assert listen.hear(Part("file", b"", "a.wav")) is TOO_SHORT
    assert listen.hear(wav(bytes(2000))) is TOO_SHORT
    assert listen.hear(Part("file", b"not audio" * 20, "a.mp3")) is UNREADABLE


def test_audio_over_1500_seconds_is_refused() -> None:
    """A WAV longer than 1,500 s is the 'too long' 400; compressed audio stops decoding at the limit."""
    from openai_replay.audio.validation import too_long

    long_pcm = bytes(2 * 8000 * 1501)
    assert listen.hear(wav(long_pcm, 8000)) == too_long(1500)
    flac = codecs.encode(bytes(2 * 24000 * 3), "flac")
    with pytest.raises(codecs.TooLong):
        codecs.decode(flac, max_seconds=1)
