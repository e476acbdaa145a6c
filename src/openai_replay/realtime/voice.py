"""The voice of the Realtime API: the same synthesiser and recogniser as ``/v1/audio``.

Output audio is ``openai_replay.audio.voice.synthesize`` (16-bit mono PCM at 24 kHz), whose speech the
recogniser decodes back to its text; input audio the recogniser cannot read has no transcript (a
scenario scripts one).
"""

from __future__ import annotations

from openai_replay.realtime.audio import PCM_RATE

try:
    from openai_replay.audio import voice as _voice
except ImportError:  # pragma: no cover - until the audio package is merged
    _voice = None  # type: ignore[assignment]

#: Until the shared synthesiser is present: 60 ms of silence a character (reference/realtime.md §5).
_MS_PER_CHAR = 60


def speak(text: str, speed: float = 1.0) -> bytes:
    """``text`` spoken as 16-bit mono PCM at 24 kHz."""
    if _voice is not None:
        return bytes(_voice.synthesize(text, sample_rate=PCM_RATE, speed=speed))
    return b"\x00\x00" * (PCM_RATE * _MS_PER_CHAR * max(1, len(text)) // 1000)


def recognize(pcm: bytes, sample_rate: int) -> str | None:
    """The text of speech our synthesiser made, or None for any other audio."""
    if _voice is not None:
        result: str | None = _voice.recognize(pcm, sample_rate)
        return result
    return None
