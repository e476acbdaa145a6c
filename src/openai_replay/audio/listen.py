"""What the fake hears in an upload: our own speech's text, silence, or a default that says the length."""

from __future__ import annotations

from dataclasses import dataclass

from openai_replay.audio import codecs, memo, voice
from openai_replay.audio.multipart import Part
from openai_replay.audio.validation import TOO_SHORT, UNREADABLE, too_long, upload_problem
from openai_replay.errors import ApiError

MIN_SECONDS = 0.1
MAX_SECONDS = 1500  # the gpt-4o transcribe models' limit, applied to every model
SILENT_RMS = 30.0  # 16-bit units: quieter than this throughout is silence (about -60 dBFS)


@dataclass(frozen=True)
class Heard:
    """The upload's length, and its text: the voice code's, "" for silence, or the default."""

    text: str
    seconds: float
    recognized: bool


def default_text(seconds: float) -> str:
    """What any audio but ours transcribes to, unless a scenario scripts it."""
    return f"[unrecognized audio, {seconds:.1f} seconds]"


def hear(upload: Part) -> Heard | ApiError:
    """Decode ``upload`` and listen to it; the real 400 for a file type, a file or a length the API refuses."""
    problem = upload_problem(upload)
    if problem is not None:
        return problem
    if not upload.data:
        return TOO_SHORT
    # What an upload says is a function of its bytes: the latest answers are kept by their digest
    # (`memo.uploads`, bounded), so a test sending the same file again skips decoding and listening.
    return memo.uploads.get(memo.digest(upload.data), lambda: _listen(upload.data), _size)  # type: ignore[no-any-return]


def _size(heard: Heard | ApiError) -> int | None:
    return 64 + len(heard.text) if isinstance(heard, Heard) else None  # errors are cheap to find again


def _listen(data: bytes) -> Heard | ApiError:
    try:
        decoded = codecs.decode(data, MAX_SECONDS)
    except codecs.UnreadableAudio:
        return UNREADABLE
    except codecs.TooLong:
        return too_long(MAX_SECONDS)
    if decoded.duration < MIN_SECONDS:
        return TOO_SHORT
    text = voice.recognize(decoded.pcm, decoded.sample_rate)
    if text is not None:
        return Heard(text, decoded.duration, True)
    if _silent(decoded.pcm):
        return Heard("", decoded.duration, False)
    return Heard(default_text(decoded.duration), decoded.duration, False)


def _silent(pcm: bytes) -> bool:
    import numpy as np

    samples = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float64)
    return bool(samples.size == 0 or np.sqrt(np.mean(samples * samples)) < SILENT_RMS)
