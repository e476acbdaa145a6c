"""VideoSDK (videosdk-plugins-openai 1.0.30) `OpenAIRealtime`: today's observed Realtime column."""

from __future__ import annotations

from realtimeconfkit import RealtimePins, pinned_realtime_tests

from openai_replay.conformance.adapters.realtime_videosdk import DRIVERS

#: (status, reason) per Realtime check, as observed with VideoSDK's defaults (see docs/conformance.md).
PINS: RealtimePins = {
    "text_turn": ("pass", "the transcript and the spoken reply"),
    "audio_turn": ("pass", "heard (resampled from 48 kHz stereo), transcribed, answered in speech"),
    "tool_call": ("pass", "ran the tool, answered once, final reply"),
    "interruption": ("pass", "playback interrupted, reply cut, the new turn answered"),
    # emits "WebSocket closed: code=1011" and stays closed: later turns go nowhere
    "close_mid_response": ("fail", "did not reconnect"),
    # emits the 1001 close with its reason and stays closed
    "session_limit": ("fail", "did not reconnect"),
    "active_response_error": (
        "pass",
        "sent the second response.create; surfaced the refusal as an error; the first reply completed",
    ),
    # response.done status failed is read for its transcript and usage only
    "failed_response": ("fail", "lost the turn silently (no error, no reply); next turn answered"),
}

test_realtime_cell_matches_todays_observed_result, test_every_realtime_check_is_pinned = pinned_realtime_tests(PINS, DRIVERS)
