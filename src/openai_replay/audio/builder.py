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
from collections.abc import Iterator
from typing import Any

from openai_replay.audio import bodies, codecs, voice
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

    def message(self, text: str, chunk_size: int | None = None, *, phase: str | None = None) -> Iterator[dict[str, Any]]:
        self.text = text
        pcm = voice.synthesize(text, sample_rate=codecs.SAMPLE_RATE, speed=self.request.speed)
        self.seconds = len(pcm) / 2 / codecs.SAMPLE_RATE
        audio = codecs.encode(pcm, self.request.response_format)
        pieces = max(1, len(chunk_text(text, chunk_size)))
        size = max(1, -(-len(audio) // pieces))
        for at in range(0, len(audio), size):
            chunk = self.last_chunk = audio[at : at + size]
            self.audio_bytes += len(chunk)
            yield {"type": "speech.audio.delta", "audio": base64.b64encode(chunk).decode("ascii")}

    def completed(self) -> dict[str, Any]:
        return {"type": "speech.audio.done", "usage": bodies.speech_usage(self.text or "", self.seconds)}


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
