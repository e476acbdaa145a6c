"""VideoSDK OpenAILLM, streaming=True (Responses) and streaming=False (Chat Completions), videosdk-plugins-openai
1.0.30: today's observed result for every check."""

from __future__ import annotations

from conformancekit import Pins, chat_pins, pinned_cell_tests

#: (status, head of the reason) per check, as observed; non-passing cells are explained in
#: src/openai_replay/conformance/explanations.py and docs/conformance.md.
PINS: Pins = {
    "videosdk-ws": {
        "plain_turn": ("pass", "one request, the whole answer"),
        "chained_turn": ("pass", "chained on turn"),
        "tool_round_trip": ("pass", "chained the output on the call's response"),
        "previous_response_not_found": ("pass", "recovered"),
        "connection_limit": ("pass", "recovered"),
        "close_mid_stream": ("fail", "lost the turn silently"),
        "close_before_created": ("fail", "lost the turn silently"),
        "response_failed": ("fail", "hung"),
        "response_incomplete": ("fail", "hung"),
        "cancel_then_new_turn": ("fail", "sent response.cancel x"),
        "warmup": ("fail", "warm-up completed, but turn"),
        "stall_past_timeout": ("pass", "waited out the"),
        "never_ending_stream": ("fail", "hung"),
        "barge_in_chain": ("fail", "did not recover"),
        "no_resend": ("pass", ""),
        "connection_age_limit": ("pass", "recovered"),
        "http_429_retry_after": ("n/a", "http only; this client is ws"),
        "http_500": ("n/a", "http only; this client is ws"),
        "legacy_usage": ("pass", "recovered"),
        "tcp_reset_mid_stream": ("n/a", "http only; this client is ws"),
        "every_turn_after_close": ("fail", "lost the turn silently"),
        "finish_then_no_done": ("n/a", "Chat Completions only; this client speaks the Responses API"),
        "answer_after_timeout": ("fail", "did not recover"),
    },
    "videosdk-chat": chat_pins(
        {
            "plain_turn": ("pass", "one request, the whole answer"),
            "tool_round_trip": ("pass", "round trip with the full context"),
            "close_mid_stream": ("fail", "lost the turn silently"),
            "close_before_created": ("pass", "surfaced the error"),
            "response_failed": ("pass", "surfaced the error"),
            "response_incomplete": ("fail", "passed on the partial text"),
            "cancel_then_new_turn": ("pass", "sent no response.cancel; next turn"),
            "stall_past_timeout": ("pass", "surfaced the error"),
            "never_ending_stream": ("pass", "surfaced the error"),
            "http_429_retry_after": ("fail", "did not recover"),
            "http_500": ("pass", "surfaced the error"),
            "tcp_reset_mid_stream": ("pass", "surfaced the error"),
            "every_turn_after_close": ("fail", "lost the turn silently"),
            "finish_then_no_done": ("pass", "surfaced the error"),
            "answer_after_timeout": ("pass", "turn"),
        }
    ),
}


test_cell_matches_todays_observed_result, test_every_check_is_pinned_for_every_client = pinned_cell_tests(PINS)
