"""VideoSDK (videosdk-plugins-openai 1.0.30) `OpenAITTS` at its defaults and `OpenAISTT` on its HTTP path
(``enable_streaming=False``: the default streams over a Realtime transcription session the fake does not
serve): today's observed result for every audio check; non-passing cells are explained in
docs/conformance.md (Audio columns)."""

from __future__ import annotations

from audioconfkit import Pins, pinned_audio_tests

from openai_replay.conformance.audio.videosdk import VideoSDKSTT, VideoSDKTTS

PINS: Pins = {
    VideoSDKTTS: {
        "plain": ("pass", "one request, the exact text heard back"),
        "streaming": ("pass", "played as it arrived"),
        "http_429_retry_after": ("fail", "did not recover"),
        "http_500": ("fail", "did not recover"),
        "cut_stream": ("pass", "surfaced the error"),
        "stall_past_timeout": ("pass", "surfaced the error"),
    },
    VideoSDKSTT: {
        "plain": ("pass", "one request, the exact text transcribed [enable_streaming=False"),
        "streaming": ("n/a", "its HTTP path uploads one WAV per utterance and never asks for stream"),
        "http_429_retry_after": ("fail", "did not recover"),
        "http_500": ("fail", "did not recover"),
        "cut_stream": ("pass", "surfaced the error"),
        "stall_past_timeout": ("pass", "surfaced the error"),
    },
}

test_audio_cell_matches_todays_observed_result, test_every_audio_check_is_pinned_for_every_column = pinned_audio_tests(PINS)
