"""Old import path, kept for code written against it: the recording proxy lives in `openai_replay.server.recorder`."""

from openai_replay.server.recorder import RecordingProxy

__all__ = ["RecordingProxy"]
