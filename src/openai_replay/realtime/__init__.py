"""The Realtime API (``/v1/realtime``, GA): session and conversation state, responses from the one
engine, input audio with turn detection, and output audio from the shared synthesiser.

The server's route module (``openai_replay.server.realtime``) only carries frames; everything the
protocol decides lives here, free of aiohttp.
"""

from openai_replay.realtime.machine import RealtimeSession
from openai_replay.realtime.response import ResponseRun
from openai_replay.realtime.voice import recognize, speak

__all__ = ["RealtimeSession", "ResponseRun", "recognize", "speak"]
