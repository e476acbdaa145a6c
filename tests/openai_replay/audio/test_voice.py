"""The voice code: our speech decodes to its text after what frameworks do to audio, and nothing else does."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soxr
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.audio import voice

TEXTS = ["Hello world", "héllo 世界 🎉 12,3!", "", "Tab\tand\nnewline", "a" * 40]


def as_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples), -32768, 32767).astype("<i2").tobytes()


def mangle(pcm: bytes, rate: int, *, gain: float = 1.0, stereo: bool = False) -> bytes:
    """Resample 24 kHz PCM to `rate`, optionally through stereo and back, with a gain and padding."""
    samples = soxr.resample(np.frombuffer(pcm, "<i2").astype(np.float32), 24000, rate)
    if stereo:
        samples = np.stack([samples * 0.8, samples * 0.6], axis=1).mean(axis=1)
    return as_pcm(np.concatenate([np.zeros(777), samples * gain, np.zeros(321)]))


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("speed", [0.25, 1.0, 4.0])
def test_synthesize_lasts_duration_ms(text: str, speed: float) -> None:
    """The PCM is exactly duration_ms long at the asked rate, for any speed."""
    for rate in (24000, 16000, 44100):
        pcm = voice.synthesize(text, sample_rate=rate, speed=speed)
        assert len(pcm) // 2 == voice.duration_ms(text, speed=speed) * rate // 1000


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("speed", [0.25, 1.0, 4.0])
def test_round_trip_survives_resampling_mixing_and_gain(text: str, speed: float) -> None:
    """Our speech decodes to its exact text at 8, 16, 44.1 and 48 kHz, mixed from stereo, at +-6 dB."""
    pcm = voice.synthesize(text, speed=speed)
    assert voice.recognize(pcm, 24000) == text
    for rate, gain, stereo in ((16000, 0.5, False), (48000, 1.9, True), (8000, 1.0, False), (44100, 0.3, True)):
        assert voice.recognize(mangle(pcm, rate, gain=gain, stereo=stereo), rate) == text, (rate, gain, stereo)


@settings(max_examples=30, deadline=None)
@given(text=st.text(max_size=40), speed=st.floats(min_value=0.25, max_value=4.0))
def test_any_text_round_trips(text: str, speed: float) -> None:
    """Any Unicode text at any allowed speed comes back exactly from 16 kHz audio."""
    assert voice.recognize(mangle(voice.synthesize(text, speed=speed), 16000), 16000) == text


def test_duration_is_about_a_speakers_rate() -> None:
    """A 150-word text lasts about a minute at speed 1, half that at speed 2."""
    words = " ".join(["speech"] * 150)
    assert 50_000 < voice.duration_ms(words) < 70_000
    assert abs(voice.duration_ms(words, speed=2.0) * 2 - voice.duration_ms(words)) < 1000


def test_other_audio_is_not_recognized() -> None:
    """Silence, noise, a plain tone, a cut frame and odd byte counts give None, not a guess."""
    rng = np.random.default_rng(7)
    assert voice.recognize(b"", 24000) is None
    assert voice.recognize(b"\x01", 24000) is None
    assert voice.recognize(bytes(48000), 24000) is None
    assert voice.recognize(as_pcm(rng.normal(0, 4000, 48000)), 24000) is None
    assert voice.recognize(as_pcm(8000 * np.sin(np.arange(48000) * 0.2)), 24000) is None
    pcm = voice.synthesize("cut short")
    assert voice.recognize(pcm[: len(pcm) // 2], 24000) is None
    assert voice.recognize(pcm, 4000) is None


def test_flipped_bits_fail_the_checksum() -> None:
    """A frame whose symbols were changed fails its CRC instead of returning wrong text."""
    pcm = bytearray(voice.synthesize("checksum"))
    middle = len(pcm) // 2 // 2 * 2
    pcm[middle : middle + 2000] = bytes(2000)
    assert voice.recognize(bytes(pcm), 24000) is None


def test_two_frames_join_with_a_space() -> None:
    """Two utterances in one buffer come back in order, joined by a space."""
    both = voice.synthesize("one") + bytes(4800) + voice.synthesize("two", speed=1.5)
    assert voice.recognize(both, 24000) == "one two"


def test_bad_arguments_are_clear() -> None:
    """A too-low sample rate and an over-long text are ValueErrors that say the limit."""
    with pytest.raises(ValueError, match="8000"):
        voice.synthesize("x", sample_rate=4000)
    with pytest.raises(ValueError, match="65535"):
        voice.duration_ms("x" * 70000)


def test_import_does_not_load_numpy() -> None:
    """Importing the voice module leaves numpy unloaded until audio is made or read."""
    code = "import sys, openai_replay.audio.voice; print('numpy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
