"""One small interface over a framework's speech class: speak a text (TTS) or hear audio (STT).

``speak`` yields the 16-bit mono PCM the framework hands its pipeline, frame by frame; ``hear`` returns
the framework's final transcript. `run_bounded` wraps either with a timeout, so a framework that hangs
fails its cell and never the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from abc import ABC
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import ClassVar, Literal

Ending = Literal["done", "error", "hung"]


@dataclass
class Outcome:
    """What one call looked like from the framework's caller's side."""

    pcm: bytes = b""  # TTS: the audio delivered (16-bit mono at the adapter's sample rate)
    chunk_times: list[float] = field(default_factory=list)  # TTS: when each frame arrived (s after the call)
    text: str | None = None  # STT: the final transcript
    errors: list[str] = field(default_factory=list)
    ended: Ending = "done"
    elapsed: float = 0.0


class AudioAdapter(ABC):
    """Drives one framework's speech class against the fake (its ``base_url``)."""

    #: Column name, e.g. ``livekit-tts``.
    column: ClassVar[str]
    kind: ClassVar[Literal["tts", "stt"]]
    #: The distributions whose versions matter for the column.
    packages: ClassVar[tuple[str, ...]]
    #: TTS: the sample rate of the PCM ``speak`` yields.
    sample_rate: ClassVar[int] = 24000
    #: STT: None when the default settings stream the transcript (``stream: true``); else why not.
    no_stream: ClassVar[str | None] = None
    #: The framework's own timeout for a stalled response, as it ships (for the stall cell's note).
    default_timeout: ClassVar[str] = "unknown"
    #: How the column drives the framework: its entry point, its defaults that matter, what stands in for the room.
    driven: ClassVar[str] = ""
    #: A setting the whole column changes from the framework's defaults, and why (every cell says it).
    setting_note: ClassVar[str | None] = None

    api_key = "sk-conformance-fake-key"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Create the framework's object (in the task that then runs the call)."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release it."""

    def speak(self, text: str) -> AsyncIterator[bytes]:
        """TTS: synthesise ``text`` through the framework; yield its PCM frames."""
        raise NotImplementedError(f"{self.column} is not a TTS column")

    async def hear(self, pcm: bytes, sample_rate: int) -> str:
        """STT: transcribe 16-bit mono PCM through the framework; its final transcript."""
        raise NotImplementedError(f"{self.column} is not an STT column")

    @contextlib.contextmanager
    def short_timeout(self, seconds: float) -> Iterator[str]:
        """Shorten the framework's response timeout to ``seconds`` for the stall cell; yields a note
        saying what was changed (and why), which the cell's reason carries."""
        raise NotImplementedError


class Timeline:
    """Seconds since the call began."""

    def __init__(self) -> None:
        self.started = time.monotonic()

    def now(self) -> float:
        return round(time.monotonic() - self.started, 3)


async def run_bounded(adapter: AudioAdapter, *, text: str, pcm: bytes, sample_rate: int, timeout: float) -> Outcome:
    """One speak (TTS) or hear (STT) call, never longer than ``timeout``."""
    out = Outcome()
    clock = Timeline()

    async def call() -> None:
        if adapter.kind == "tts":
            async for chunk in adapter.speak(text):
                out.pcm += chunk
                out.chunk_times.append(clock.now())
        else:
            out.text = await adapter.hear(pcm, sample_rate)

    try:
        await asyncio.wait_for(call(), timeout=timeout)
    except asyncio.TimeoutError:
        out.ended = "hung"
    except Exception as exc:  # the framework raised: that is what it surfaced
        out.errors.append(describe(exc))
        out.ended = "error"
    out.elapsed = clock.now()
    return out


def describe(exc: BaseException) -> str:
    """An exception as one line: its type and message, plus its cause when that says more."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) and str(cause) not in text:
        text += f" (from {type(cause).__name__}: {cause})"
    return " ".join(text.split())[:200]
