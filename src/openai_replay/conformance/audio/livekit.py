"""LiveKit Agents' `openai.TTS` and `openai.STT` (livekit-plugins-openai), at their defaults.

TTS: ``gpt-4o-mini-tts``, voice ``ash``, mp3 over SSE (``stream_format: "sse"`` for every model but
tts-1/tts-1-hd), decoded by LiveKit's own decoder to 24 kHz mono frames. STT: ``gpt-4o-mini-transcribe``
over HTTP (``use_realtime`` is False for it), one WAV upload per utterance, ``response_format: json``.
Both retry through livekit-agents' `APIConnectOptions` (3 retries) on an openai client with
``max_retries=0``, and both pass a hard-coded ``httpx.Timeout(30, connect=...)`` per request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from openai_replay.conformance.audio.adapter import AudioAdapter


class _ShortTimeout:
    """Stands in for the plugin module's ``httpx`` with every per-request read timeout cut to ``seconds``."""

    def __init__(self, real: Any, seconds: float) -> None:
        self._real = real
        self._seconds = seconds

    def Timeout(self, timeout: Any = None, **kwargs: Any) -> Any:
        return self._real.Timeout(min(float(timeout), self._seconds) if timeout is not None else None, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _LiveKit(AudioAdapter):
    packages = ("livekit-plugins-openai", "livekit-agents", "openai")
    default_timeout = "30 s read timeout, hard-coded per request"
    _module = ""

    @contextlib.contextmanager
    def short_timeout(self, seconds: float) -> Iterator[str]:
        import importlib

        module: Any = importlib.import_module(self._module)
        real = module.httpx
        module.httpx = _ShortTimeout(real, seconds)
        try:
            yield f"its 30 s read timeout is hard-coded (httpx.Timeout(30) in {self._module}); the cell cuts it to {seconds:g} s"
        finally:
            module.httpx = real


class LiveKitTTS(_LiveKit):
    column = "livekit-tts"
    driven = (
        "openai.TTS().synthesize(text), read as its frames: gpt-4o-mini-tts, voice ash, mp3 over SSE, decoded"
        " by LiveKit's own decoder to 24 kHz mono"
    )
    kind = "tts"
    _module = "livekit.plugins.openai.tts"

    async def open(self) -> None:
        from livekit.plugins import openai

        self.tts = openai.TTS(base_url=self.base_url, api_key=self.api_key)

    async def speak(self, text: str) -> AsyncIterator[bytes]:  # type: ignore[override]
        async with self.tts.synthesize(text) as stream:
            async for audio in stream:
                frame = audio.frame
                assert frame.sample_rate == self.sample_rate and frame.num_channels == 1, (frame.sample_rate, frame.num_channels)
                yield frame.data.tobytes()

    async def close(self) -> None:
        await self.tts.aclose()


class LiveKitSTT(_LiveKit):
    column = "livekit-stt"
    driven = (
        "openai.STT().recognize([frame]) on one 16 kHz frame: gpt-4o-mini-transcribe over HTTP, one WAV "
        "upload, response_format json"
    )
    kind = "stt"
    _module = "livekit.plugins.openai.stt"
    no_stream = (
        "the default openai.STT (gpt-4o-mini-transcribe, use_realtime=False) uploads one WAV per utterance "
        "and never asks for stream: true; its streaming mode is the Realtime WebSocket, not this endpoint"
    )

    async def open(self) -> None:
        from livekit.plugins import openai

        self.stt = openai.STT(base_url=self.base_url, api_key=self.api_key)

    async def hear(self, pcm: bytes, sample_rate: int) -> str:
        from livekit import rtc

        frame = rtc.AudioFrame(pcm, sample_rate, 1, len(pcm) // 2)
        event = await self.stt.recognize([frame])
        return str(event.alternatives[0].text)

    async def close(self) -> None:
        await self.stt.aclose()
