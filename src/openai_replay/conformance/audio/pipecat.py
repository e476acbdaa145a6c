"""Pipecat's `OpenAITTSService` and `OpenAISTTService`, at their defaults, driven through their own
``run_tts`` / ``run_stt`` (what the pipeline calls per sentence and per user turn).

TTS: ``gpt-4o-mini-tts``, voice ``alloy``, ``response_format: "pcm"`` read with
``with_streaming_response`` and pushed as `TTSAudioRawFrame` chunks. STT: a segmented service, one WAV
upload per user turn (``gpt-transcribe``, ``language: en``), no ``stream``. Both build a plain
``AsyncOpenAI`` client, so the openai SDK's own retries (2, honouring ``retry-after``) and its default
600 s timeout apply; errors come out as `ErrorFrame`s, which the adapter reports as the call's error.
"""

from __future__ import annotations

import contextlib
import io
import wave
from collections.abc import AsyncIterator, Iterator
from typing import Any

from openai_replay.conformance.audio.adapter import AudioAdapter


class ErrorFrameSeen(Exception):
    """The service yielded an ErrorFrame (Pipecat's way of reporting a failed call)."""


class _Pipecat(AudioAdapter):
    packages = ("pipecat-ai", "openai")
    default_timeout = "the openai SDK's default 600 s"
    _http_client: Any = None

    @contextlib.contextmanager
    def short_timeout(self, seconds: float) -> Iterator[str]:
        import openai

        self._http_client = openai.DefaultAsyncHttpxClient(timeout=seconds)
        yield f"its timeout is the openai SDK's 600 s; the cell passes http_client=DefaultAsyncHttpxClient(timeout={seconds:g})"

    def _frames(self, frame: Any) -> bytes | None:
        from pipecat.frames.frames import ErrorFrame

        if isinstance(frame, ErrorFrame):
            raise ErrorFrameSeen(f"ErrorFrame: {frame.error}")
        return None


class PipecatTTS(_Pipecat):
    column = "pipecat-tts"
    driven = (
        "OpenAITTSService.run_tts(text), what the pipeline calls per sentence: gpt-4o-mini-tts, voice alloy, "
        "pcm read with with_streaming_response, TTSAudioRawFrame chunks"
    )
    kind = "tts"

    async def open(self) -> None:
        from pipecat.services.openai.tts import OpenAITTSService

        self.service = OpenAITTSService(api_key=self.api_key, base_url=self.base_url, http_client=self._http_client)
        self.service._sample_rate = self.sample_rate  # what start() takes from the pipeline's StartFrame

    async def speak(self, text: str) -> AsyncIterator[bytes]:  # type: ignore[override]
        from pipecat.frames.frames import TTSAudioRawFrame

        async for frame in self.service.run_tts(text, "ctx-1"):
            if isinstance(frame, TTSAudioRawFrame):
                assert frame.sample_rate == self.sample_rate and frame.num_channels == 1, (frame.sample_rate, frame.num_channels)
                yield frame.audio
            else:
                self._frames(frame)


class PipecatSTT(_Pipecat):
    column = "pipecat-stt"
    driven = "OpenAISTTService.run_stt(wav), what the segmented service calls per user turn: one WAV upload, no stream"
    kind = "stt"
    no_stream = (
        "the default OpenAISTTService is a segmented service: one WAV upload per user turn, never stream: true "
        "(OpenAIRealtimeSTTService is the streaming one, over the Realtime WebSocket)"
    )

    async def open(self) -> None:
        from pipecat.services.openai.stt import OpenAISTTService

        self.service = OpenAISTTService(api_key=self.api_key, base_url=self.base_url, http_client=self._http_client)

    async def hear(self, pcm: bytes, sample_rate: int) -> str:
        from pipecat.frames.frames import TranscriptionFrame

        buffer = io.BytesIO()  # the segmented service hands run_stt a WAV of the user's turn
        with wave.open(buffer, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(sample_rate)
            w.writeframes(pcm)
        texts = []
        async for frame in self.service.run_stt(buffer.getvalue()):
            if isinstance(frame, TranscriptionFrame):
                texts.append(frame.text)
            else:
                self._frames(frame)
        return " ".join(texts)
