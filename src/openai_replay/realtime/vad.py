"""Turn detection from the audio itself, in audio time (never wall time), so runs are deterministic.

The appended audio is cut into 20 ms frames; a frame is speech when its RMS level (0..1) reaches
``threshold / 10`` (the default 0.5 means about -26 dBFS: speech from the synthesiser and tone bursts
pass, silence and low noise do not). Speech starts at the first speech frame; it stops once
``silence_duration_ms`` of consecutive quiet frames have followed. Times are milliseconds of audio
appended since the session began (``audio_start_ms``/``audio_end_ms`` of the real events).

``semantic_vad`` has no model to judge the end of a sentence here: it is this detector with the
server defaults and a silence wait set by ``eagerness`` (high 200 ms, auto/medium 500 ms, low 1000 ms),
well inside the 2/4/8 s maximum waits the API documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openai_replay.realtime import audio

FRAME_MS = 20
EAGERNESS_SILENCE_MS = {"high": 200, "medium": 500, "auto": 500, "low": 1000}


@dataclass(frozen=True)
class Settings:
    threshold: float
    prefix_padding_ms: int
    silence_duration_ms: int

    @classmethod
    def of(cls, turn_detection: dict[str, Any]) -> Settings:
        if turn_detection.get("type") == "semantic_vad":
            return cls(0.5, 300, EAGERNESS_SILENCE_MS.get(str(turn_detection.get("eagerness")), 500))
        return cls(
            float(turn_detection.get("threshold", 0.5)),
            int(turn_detection.get("prefix_padding_ms") or 0),
            int(turn_detection.get("silence_duration_ms") or 0),
        )


@dataclass(frozen=True)
class Started:
    onset_ms: int


@dataclass(frozen=True)
class Stopped:
    end_ms: int


class Detector:
    """Speech on/off over the session's audio, fed in appends of any size."""

    def __init__(self) -> None:
        self.speaking = False
        self.quiet_ms = 0
        #: Milliseconds of audio judged so far (whole frames).
        self.position_ms = 0
        self._carry = b""

    def reset(self) -> None:
        """After a clear or a manual commit: a half-heard utterance is forgotten."""
        self.speaking = False
        self.quiet_ms = 0

    def skip(self, ms: int) -> None:
        """Audio time that passed without being judged (turn detection was off)."""
        self.position_ms += ms

    def feed(self, linear: bytes, rate: int, settings: Settings) -> list[Started | Stopped]:
        frame = rate * FRAME_MS // 1000 * 2
        data = self._carry + linear
        cut = len(data) - len(data) % frame
        self._carry = data[cut:]
        level = settings.threshold / 10
        changes: list[Started | Stopped] = []
        for start in range(0, cut, frame):
            loud = audio.rms(data[start : start + frame]) >= level
            if loud and not self.speaking:
                self.speaking, self.quiet_ms = True, 0
                changes.append(Started(self.position_ms))
            elif self.speaking:
                self.quiet_ms = 0 if loud else self.quiet_ms + FRAME_MS
                if self.quiet_ms >= max(settings.silence_duration_ms, FRAME_MS):
                    self.speaking = False
                    changes.append(Stopped(self.position_ms + FRAME_MS))
            self.position_ms += FRAME_MS
        return changes
