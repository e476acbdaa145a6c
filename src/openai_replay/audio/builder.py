"""The engine's builders for audio turns: what a source's content becomes on the audio endpoints.

Sources (the simulated model, a scenario) drive a builder the same way for every API: ``created``,
``in_progress``, ``message(text, chunk)``, ``completed``. For speech, ``message`` speaks the text
(our voice code, in the requested format) and yields ``speech.audio.delta`` events, one per text chunk
(words by default, the ``chunk-size`` setting otherwise); for a transcription it yields
``transcript.text.delta`` events. The opening events are markers (``audio.opened``) that no client
sees. So a scripted reply becomes the speech or the transcript, and positioned faults count deltas.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from openai_replay.audio import bodies, codecs, memo, voice
from openai_replay.audio.validation import SpeechRequest, TranscriptionRequest
from openai_replay.ids import IdFactory
from openai_replay.responses.events import ResponseBuilder, chunk_text

OPENED = "audio.opened"


class AudioBuilder(ResponseBuilder):
    """What both audio builders share: the default text, the marker events, errors as ``error`` events."""

    def __init__(self, payload: dict[str, Any], *, default_text: str, ids: IdFactory, now: float) -> None:
        super().__init__(payload, response_id="", group="", created_at=now, ids=ids, obfuscate=False)
        #: What the simulated model says when no scenario scripts the text.
        self.default_text = default_text
        #: The text the turn ended up speaking or transcribing (None until a message is built).
        self.text: str | None = None

    def created(self) -> dict[str, Any]:
        return {"type": OPENED}

    def in_progress(self) -> dict[str, Any]:
        return {"type": OPENED}

    def function_call(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return iter(())  # nothing to call on an audio endpoint: the turn speaks or transcribes text

    def reasoning(self, *args: Any, **kwargs: Any) -> Iterator[dict[str, Any]]:
        return iter(())

    def failed(self, code: str, message: str) -> dict[str, Any]:
        return {"type": "error", "error": {"message": message, "type": "server_error", "param": None, "code": code}}

    def incomplete(self, reason: str) -> dict[str, Any]:
        return self.completed()


class SpeechBuilder(AudioBuilder):
    def __init__(self, request: SpeechRequest, payload: dict[str, Any], *, ids: IdFactory, now: float) -> None:
        super().__init__(payload, default_text=request.input, ids=ids, now=now)
        self.request = request
        self.audio_bytes = 0
        self.seconds = 0.0
        #: The audio of the newest delta, so a raw stream cut inside it can send its first bytes.
        self.last_chunk = b""
        #: The speech of the turn's message, once spoken.
        self.spoken: Spoken | None = None

    def message(self, text: str, chunk_size: int | None = None, *, phase: str | None = None) -> Iterator[dict[str, Any]]:
        self.text = text
        speed, response_format = self.request.speed, self.request.response_format
        pieces = max(1, len(chunk_text(text, chunk_size)))
        key = (text, float(speed), response_format, pieces)
        self.spoken = memo.spoken.get(key, lambda: _speak(text, speed, response_format, pieces), _spoken_size)
        self.seconds = self.spoken.seconds
        for audio in self.spoken.chunks:
            chunk = self.last_chunk = self.spoken.raw[audio]
            self.audio_bytes += len(chunk)
            yield {"type": "speech.audio.delta", "audio": audio}

    def chunk(self, audio: str) -> bytes:
        """The bytes of a delta's base64 ``audio`` (looked up when the turn spoke it, else decoded)."""
        found = self.spoken.raw.get(audio) if self.spoken is not None else None
        return found if found is not None else base64.b64decode(audio)

    def completed(self) -> dict[str, Any]:
        return {"type": "speech.audio.done", "usage": bodies.speech_usage(self.text or "", self.seconds)}


@dataclass(frozen=True)
class Spoken:
    """A text spoken in one format and cut into a turn's deltas: each delta's base64, and its bytes."""

    seconds: float
    chunks: tuple[str, ...]
    raw: Mapping[str, bytes]  # base64 -> bytes (equal base64 is equal bytes, so repeats share an entry)
    text_chars: int


def _speak(text: str, speed: float, response_format: str, pieces: int) -> Spoken:
    """Synthesise, encode and cut into ``pieces`` deltas (each base64-encoded once, not per request)."""
    pcm = voice.synthesize(text, sample_rate=codecs.SAMPLE_RATE, speed=speed)
    audio = codecs.encode(pcm, response_format)
    size = max(1, -(-len(audio) // pieces))
    cut = [audio[at : at + size] for at in range(0, len(audio), size)]
    chunks = tuple(base64.b64encode(chunk).decode("ascii") for chunk in cut)
    return Spoken(len(pcm) / 2 / codecs.SAMPLE_RATE, chunks, dict(zip(chunks, cut, strict=True)), len(text))


def _spoken_size(spoken: Spoken) -> int:
    """What an entry holds: the audio, its base64, and the key's text."""
    return sum(len(chunk) for chunk in spoken.raw.values()) + sum(map(len, spoken.chunks)) + 4 * spoken.text_chars


class TranscriptBuilder(AudioBuilder):
    def __init__(self, request: TranscriptionRequest, seconds: float, *, default_text: str, ids: IdFactory, now: float) -> None:
        super().__init__(dict(request.fields), default_text=default_text, ids=ids, now=now)
        self.request = request
        self.seconds = seconds

    def message(self, text: str, chunk_size: int | None = None, *, phase: str | None = None) -> Iterator[dict[str, Any]]:
        self.text = text
        for delta in chunk_text(text, chunk_size):
            event: dict[str, Any] = {"type": "transcript.text.delta", "delta": delta}
            if self.request.logprobs:
                event["logprobs"] = bodies.logprobs(delta)
            yield event

    def completed(self) -> dict[str, Any]:
        text = self.text if self.text is not None else ""
        done: dict[str, Any] = {"type": "transcript.text.done", "text": text}
        if self.request.logprobs:
            done["logprobs"] = bodies.logprobs(text)
        done["usage"] = bodies.token_usage(text, self.seconds, self.request.prompt)
        return done
