"""The voice of the Realtime API: the same synthesiser and recogniser as ``/v1/audio``.

Output audio is `openai_replay.audio.voice.synthesize` (16-bit mono PCM at 24 kHz), whose speech the
recogniser decodes back to its text; input audio the recogniser cannot read has no transcript of its
own (a scenario scripts one).
"""

from __future__ import annotations

from openai_replay.audio import voice
from openai_replay.realtime.audio import PCM_RATE


def speak(text: str, speed: float = 1.0) -> bytes:
    """``text`` spoken as 16-bit mono PCM at 24 kHz."""
    return voice.synthesize(text, sample_rate=PCM_RATE, speed=speed)


def recognize(pcm: bytes, sample_rate: int) -> str | None:
    """The text of speech our synthesiser made, or None for any other audio."""
    return voice.recognize(pcm, sample_rate)
