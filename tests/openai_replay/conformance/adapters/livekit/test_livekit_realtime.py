"""LiveKit (livekit-plugins-openai 1.8.9) `openai.realtime.RealtimeModel`: today's observed Realtime column."""

from __future__ import annotations

from realtimeconfkit import RealtimePins, pinned_realtime_tests

from openai_replay.conformance.adapters.realtime_livekit import DRIVERS

#: (status, reason) per Realtime check, as observed with LiveKit's defaults (see docs/conformance.md).
#: session_limit runs first: in one pytest process after text_turn (not after any other cell, not alone,
#: not in a script running both) LiveKit's next user message reaches the new socket before its restored
#: history, and the cell fails; the cause is not found yet (see CHANGELOG, "Known issues").
PINS: RealtimePins = {
    "session_limit": ("pass", "reconnected, conversation restored, next turn answered"),
    "text_turn": ("pass", "the transcript and the spoken reply"),
    "audio_turn": ("pass", "heard, transcribed, answered in speech (default semantic_vad)"),
    "tool_call": ("pass", "called, answered once, final reply"),
    "interruption": ("pass", "reply cut (turn_detected), streams closed, the new turn answered"),
    "close_mid_response": ("pass", "reconnected, conversation restored, next turn answered"),
    "active_response_error": ("pass", "the rejected generate_reply raised at once; the first reply completed"),
    "failed_response": ("pass", "surfaced a recoverable error; next turn answered"),
}

test_realtime_cell_matches_todays_observed_result, test_every_realtime_check_is_pinned = pinned_realtime_tests(PINS, DRIVERS)
