"""VideoSDK's `OpenAITTS` (videosdk-plugins-openai), at its defaults, driven through ``synthesize``.

Defaults: ``gpt-4o-mini-tts``, voice ``ash``, ``response_format: "pcm"``, no ``language`` (it is sent,
as ``extra_body``, only when one is given), read with ``with_streaming_response`` and cut into 20 ms
frames that it hands to the room's audio track; the adapter stands in for that track and collects them.
The plugin's openai client has ``max_retries=0`` and no retry loop of its own, and a 5 s read timeout.

`OpenAISTT` has no column here: by default (``enable_streaming=True``) it transcribes over the Realtime
WebSocket, not ``/v1/audio/transcriptions``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator

from openai_replay.conformance.audio.adapter import AudioAdapter


class _Track:
    """The room's audio track, as far as the plugin uses it: ``add_new_bytes`` per 20 ms frame."""

    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()

    async def add_new_bytes(self, frame: bytes) -> None:
        await self.frames.put(frame)


class VideoSDKTTS(AudioAdapter):
    column = "videosdk-tts"
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
