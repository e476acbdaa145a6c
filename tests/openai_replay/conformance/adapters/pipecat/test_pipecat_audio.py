"""Pipecat (pipecat-ai 1.14.0) `OpenAITTSService` and `OpenAISTTService` at their defaults: today's observed
result for every audio check; non-passing cells are explained in docs/conformance.md (Audio columns)."""

from __future__ import annotations

from audioconfkit import Pins, pinned_audio_tests

from openai_replay.conformance.audio.pipecat import PipecatSTT, PipecatTTS

PINS: Pins = {
    PipecatTTS: {
        "plain": ("pass", "one request, the exact text heard back"),
        "streaming": ("pass", "played as it arrived"),
        "http_429_retry_after": ("pass", "honoured retry-after"),
        "http_500": ("pass", "recovered"),
        "cut_stream": ("pass", "surfaced the error"),
        "stall_past_timeout": ("pass", "timed out and retried"),
    },
    PipecatSTT: {
        "plain": ("pass", "one request, the exact text transcribed"),
        "streaming": ("n/a", "the default OpenAISTTService is a segmented service"),
        "http_429_retry_after": ("pass", "honoured retry-after"),
        "http_500": ("pass", "recovered"),
        "cut_stream": ("pass", "recovered"),
        "stall_past_timeout": ("pass", "timed out and retried"),
    },
}

test_audio_cell_matches_todays_observed_result, test_every_audio_check_is_pinned_for_every_column = pinned_audio_tests(PINS)
