"""Pipecat (pipecat-ai 1.14.0) `OpenAIRealtimeLLMService`: today's observed Realtime column."""

from __future__ import annotations

from realtimeconfkit import RealtimePins, pinned_realtime_tests

from openai_replay.conformance.adapters.realtime_pipecat import DRIVERS

#: (status, reason) per Realtime check, as observed with Pipecat's defaults (see docs/conformance.md).
PINS: RealtimePins = {
    "text_turn": ("pass", "the transcript and the spoken reply"),
    "audio_turn": ("pass", "heard under server VAD, answered in speech"),
    "tool_call": ("pass", "called, answered once, final reply"),
    "interruption": ("pass", "reply cut (turn_detected), truncated within the audio, the new turn answered"),
    # the socket closed (1011) mid-reply: no LLMFullResponseEndFrame, no ErrorFrame, the reply never ends
    "close_mid_response": ("fail", "hung on the lost reply"),
    # 1001 at 60 minutes: every later send fails with an ErrorFrame; the service never reconnects
    "session_limit": ("fail", "did not reconnect"),
    "active_response_error": ("pass", "held the second request until the first response was done (never refused)"),
    "failed_response": ("pass", "surfaced an ErrorFrame; next turn answered"),
}

test_realtime_cell_matches_todays_observed_result, test_every_realtime_check_is_pinned = pinned_realtime_tests(PINS, DRIVERS)
