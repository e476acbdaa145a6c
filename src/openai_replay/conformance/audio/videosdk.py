"""VideoSDK's `OpenAITTS` (videosdk-plugins-openai), at its defaults, driven through ``synthesize``.

Defaults: ``gpt-4o-mini-tts``, voice ``ash``, ``response_format: "pcm"``, no ``language`` (it is sent,
as ``extra_body``, only when one is given), read with ``with_streaming_response`` and cut into 20 ms
frames that it hands to the room's audio track; the adapter stands in for that track and collects them.
The plugin's openai client has ``max_retries=0`` and no retry loop of its own, and a 5 s read timeout.

`OpenAISTT` transcribes by default (``enable_streaming=True``) over a Realtime transcription session
that it opens with the beta handshake (``OpenAI-Beta: realtime=v1``), which the real API refuses and so
does the fake (it serves GA transcription sessions, docs/realtime.md); its column runs the plugin's
HTTP path (``enable_streaming=False``): its own silence detector cuts the room's 48 kHz stereo audio
into utterances, resampled to 24 kHz mono and uploaded as WAV, one ``/v1/audio/transcriptions`` call each.
Every cell of that column says so.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

from openai_replay.conformance.audio.adapter import AudioAdapter


class ErrorEvent(Exception):
    """The plugin emitted an ``error`` event (how its STT reports a failed upload: it does not raise)."""


class _Track:
    """The room's audio track, as far as the plugin uses it: ``add_new_bytes`` per 20 ms frame."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()

    async def add_new_bytes(self, frame: bytes) -> None:
        await self.frames.put(frame)


class VideoSDKTTS(AudioAdapter):
    column = "videosdk-tts"
    driven = (
        "OpenAITTS.synthesize(text), its 20 ms frames collected from a stand-in for the room's audio track: "
        "gpt-4o-mini-tts, voice ash, pcm; no language configured, so none is sent (the API's "
        "CreateSpeechRequest has no language field)"
    )
    kind = "tts"
    packages = ("videosdk-plugins-openai", "videosdk-agents", "openai")
    default_timeout = "5 s read timeout (its own httpx client)"

    async def open(self) -> None:
        from videosdk.plugins.openai import OpenAITTS

        self.tts = OpenAITTS(api_key=self.api_key, base_url=self.base_url)
        self.track = _Track()
        self.tts.audio_track = self.track
        self.tts.loop = asyncio.get_running_loop()

    async def speak(self, text: str) -> AsyncIterator[bytes]:  # type: ignore[override]
        task = asyncio.create_task(self.tts.synthesize(text))
        try:
            while True:
                getter = asyncio.ensure_future(self.track.frames.get())
                await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    yield getter.result()
                    continue
                getter.cancel()
                for _ in range(10):  # the plugin hands frames over in tasks of their own: let them land
                    await asyncio.sleep(0)
                while not self.track.frames.empty():
                    yield self.track.frames.get_nowait()
                task.result()  # raises what synthesize raised
                return
        finally:
            task.cancel()

    @contextlib.contextmanager
    def short_timeout(self, seconds: float) -> Iterator[str]:
        yield ""  # its own 5 s read timeout fires well within the cell: the default is kept

    async def close(self) -> None:
        await self.tts.aclose()


class VideoSDKSTT(AudioAdapter):
    column = "videosdk-stt"
    driven = (
        "OpenAISTT.process_audio() fed the room's 48 kHz stereo audio in 20 ms frames, then 1 s of silence: "
        "its own silence detector (0.8 s) cuts the utterance, resampled to 24 kHz mono and uploaded as WAV"
    )
    kind = "stt"
    packages = ("videosdk-plugins-openai", "videosdk-agents", "openai")
    default_timeout = "5 s read timeout (its own httpx client)"
    setting_note = (
        "enable_streaming=False: the default streams over a Realtime transcription session opened with the beta "
        "handshake (OpenAI-Beta: realtime=v1), which the real API refuses, and so does the fake"
    )
    no_stream = "its HTTP path uploads one WAV per utterance and never asks for stream: true"

    async def open(self) -> None:
        from videosdk.plugins.openai import OpenAISTT

        self.stt = OpenAISTT(api_key=self.api_key, base_url=self.base_url, enable_streaming=False)
        self.texts: list[str] = []
        self.errors: list[str] = []

        async def on_transcript(response: object) -> None:
            self.texts.append(str(response.data.text))  # type: ignore[attr-defined]

        self.stt.on_stt_transcript(on_transcript)
        self.stt.on("error", lambda message: self.errors.append(str(message)))

    async def hear(self, pcm: bytes, sample_rate: int) -> str:
        import numpy as np

        # The room's format: 48 kHz stereo (the plugin's default input), 20 ms frames, then 1 s of silence
        # so its silence detector (0.8 s) ends the utterance.
        mono = np.frombuffer(pcm, dtype=np.int16)
        up = np.repeat(mono, 48000 // sample_rate) if 48000 % sample_rate == 0 else mono
        stereo = np.repeat(up, 2).tobytes() + bytes(48000 * 2 * 2)
        frame = 48000 // 50 * 2 * 2
        for start in range(0, len(stereo), frame):
            await self.stt.process_audio(stereo[start : start + frame])
        if self.errors:
            raise ErrorEvent(self.errors[0])
        return " ".join(self.texts)

    @contextlib.contextmanager
    def short_timeout(self, seconds: float) -> Iterator[str]:
        yield ""  # its own 5 s read timeout fires well within the cell: the default is kept

    async def close(self) -> None:
        await self.stt.aclose()
