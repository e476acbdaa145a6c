"""LiveKit JS (@livekit/agents-plugin-openai 1.9.0) `openai.realtime.RealtimeModel` on Node: today's observed Realtime column."""

from __future__ import annotations

from realtimeconfkit import RealtimePins, pinned_realtime_tests

from openai_replay.conformance.adapters.livekit_js import missing_requirement
from openai_replay.conformance.adapters.realtime_livekit_js import DRIVERS

#: (status, reason) per Realtime check, as observed with LiveKit JS's defaults (see docs/realtime.md).
PINS: RealtimePins = {
    "text_turn": ("pass", "the transcript and the spoken reply"),
    "audio_turn": ("pass", "heard, transcribed, answered in speech (default semantic_vad)"),
    "tool_call": ("pass", "called, answered once, final reply"),
    "interruption": ("pass", "reply cut (turn_detected), streams closed, the new turn answered"),
    "close_mid_response": ("fail", "the first message after the reconnect was lost"),
    "session_limit": ("fail", "the first message after the reconnect was lost"),
    "active_response_error": ("pass", "the rejected generateReply rejected at once; the first reply completed"),
    "failed_response": ("pass", "surfaced a recoverable error; next turn answered"),
}

test_realtime_cell_matches_todays_observed_result, test_every_realtime_check_is_pinned = pinned_realtime_tests(PINS, DRIVERS)


def test_node_and_the_client_are_installed() -> None:
    """The column runs for real: Node and the npm packages are there (CI installs them with npm ci), never skipped."""
    assert missing_requirement() is None, missing_requirement()
