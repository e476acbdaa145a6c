"""The openai SDK (openai 3.57.0) `client.realtime.connect()`: today's observed Realtime column."""

from __future__ import annotations

from realtimeconfkit import RealtimePins, pinned_realtime_tests

from openai_replay.conformance.adapters.realtime_openai import DRIVERS

#: (status, reason) per Realtime check, as observed with the SDK's defaults (see docs/realtime.md).
PINS: RealtimePins = {
    "text_turn": ("pass", "the transcript and the spoken reply"),
    "audio_turn": ("pass", "server VAD turn (speech_started, committed), answered in speech"),
    "tool_call": ("pass", "called, answered once, final reply"),
    "interruption": ("pass", "reply cancelled (turn_detected) as a typed event, the new turn answered"),
    # the SDK raises ConnectionClosedError (1011) / ConnectionClosedOK (1001) to its caller; reconnection is opt-in
    "close_mid_response": ("fail", "surfaced the close; no reconnect by default"),
    "session_limit": ("fail", "surfaced the close; no reconnect by default"),
    "active_response_error": ("pass", "the refusal arrives as a typed error naming the event; the first reply completed"),
    "failed_response": ("pass", "response.done status failed reaches the caller; next turn answered"),
}

test_realtime_cell_matches_todays_observed_result, test_every_realtime_check_is_pinned = pinned_realtime_tests(PINS, DRIVERS)
