"""Why each non-passing audio cell looks the way it does, naming the framework code responsible (our words).

Keyed by (check, column, status): an explanation applies only while its cell still has that status, and
a test fails on one that no committed cell needs (the cell changed: rewrite or drop it) and on a
non-passing cell with none. What the cell saw (timings, bytes, requests) is never written here: the
page shows the cell's own reason beside this text, so the numbers come from the run.

Written from the observed runs and a reading of the installed frameworks: livekit-plugins-openai /
livekit-agents 1.8.9, pipecat-ai 1.14.0, videosdk-plugins-openai / videosdk-agents 1.0.30.
"""

from __future__ import annotations

from typing import Any

_LK_429 = (
    "the plugin builds its openai client with max_retries=0, so the SDK's own retry-after handling never runs; "
    "livekit-agents' retry loop ({where}) waits APIConnectOptions._interval_for_retry(i): 0.1 s for the first "
    "retry, then retry_interval (2 s), whatever the server asked for. It recovers, but too soon."
)
_VSDK_NO_RETRY_TTS = (
    "OpenAITTS builds its openai client with max_retries=0 and has no retry loop of its own: "
    "OpenAITTS._synthesize_segment emits 'error' and re-raises the SDK's exception, so the turn has no speech."
)
_VSDK_NO_RETRY_STT = (
    "OpenAISTT builds its openai client with max_retries=0 and has no retry loop of its own: "
    "OpenAISTT._process_audio_buffer prints the error and emits an 'error' event (it does not raise), so the "
    "utterance has no transcript."
)

EXPLANATIONS: dict[tuple[str, str, str], str] = {
    ("http_429_retry_after", "livekit-tts", "fail"): _LK_429.format(where="tts.ChunkedStream._main_task"),
    ("http_429_retry_after", "livekit-stt", "fail"): _LK_429.format(where="stt.STT.recognize"),
    ("cut_stream", "livekit-tts", "fail"): (
        "the default model streams mp3 over SSE; the frames LiveKit decoded before the break were already on the "
        "event channel when tts.ChunkedStream._main_task retried. Its comment says the retry restarts under a fresh "
        "request_id, 'signaling downstream that any partial audio is stale', but the voice pipeline does not drop "
        "frames by request id, so the listener hears the first words twice. (The cut stream is paced so the frames "
        "are decoded before the break; unpaced, whether they were is a race.)"
    ),
    ("http_429_retry_after", "videosdk-tts", "fail"): _VSDK_NO_RETRY_TTS,
    ("http_500", "videosdk-tts", "fail"): _VSDK_NO_RETRY_TTS,
    ("http_429_retry_after", "videosdk-stt", "fail"): _VSDK_NO_RETRY_STT,
    ("http_500", "videosdk-stt", "fail"): _VSDK_NO_RETRY_STT,
    ("streaming", "livekit-stt", "n/a"): (
        "LiveKit's openai.STT streams only over the Realtime WebSocket (use_realtime); the cell checked that no "
        "request asked for stream: true."
    ),
    ("streaming", "pipecat-stt", "n/a"): (
        "OpenAISTTService is a SegmentedSTTService (OpenAIRealtimeSTTService is the streaming one); the cell checked "
        "that no request asked for stream: true."
    ),
    ("streaming", "videosdk-stt", "n/a"): (
        "the column runs the plugin's HTTP path (enable_streaming=False), which uploads one WAV per utterance; the "
        "cell checked that no request asked for stream: true."
    ),
}


def explain(cell: dict[str, Any]) -> str | None:
    """The explanation of a cell (with ``client`` set to its column), or None when it has none."""
    return EXPLANATIONS.get((cell["check"], cell["client"], cell["status"]))
