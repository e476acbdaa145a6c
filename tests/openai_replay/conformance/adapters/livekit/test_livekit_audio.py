"""LiveKit (livekit-plugins-openai 1.8.9) `openai.TTS` and `openai.STT` at their defaults: today's observed
result for every audio check; non-passing cells are explained in docs/conformance.md (Audio columns)."""

from __future__ import annotations

from audioconfkit import Pins, pinned_audio_tests

from openai_replay.conformance.audio.livekit import LiveKitSTT, LiveKitTTS

PINS: Pins = {
    LiveKitTTS: {
        "plain": ("pass", "one request, the exact text heard back"),
        "streaming": ("pass", "played as it arrived"),
        "http_429_retry_after": ("fail", "retried after"),
        "http_500": ("pass", "recovered"),
        "cut_stream": ("fail", "duplicated speech"),
        "stall_past_timeout": ("pass", "timed out and retried"),
    },
    LiveKitSTT: {
        "plain": ("pass", "one request, the exact text transcribed"),
        "streaming": ("n/a", "the default openai.STT"),
        "http_429_retry_after": ("fail", "retried after"),
        "http_500": ("pass", "recovered"),
        "cut_stream": ("pass", "recovered"),
        "stall_past_timeout": ("pass", "timed out and retried"),
    },
}

test_audio_cell_matches_todays_observed_result, test_every_audio_check_is_pinned_for_every_column = pinned_audio_tests(PINS)
