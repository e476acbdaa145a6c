"""The openai SDK (openai 3.57.0): today's observed result for every check of the battery
(Responses over WebSocket and HTTP, and Chat Completions)."""

from __future__ import annotations

from conformancekit import Pins, chat_pins, pinned_cell_tests

#: (status, head of the reason) per check, as observed; non-passing cells are explained in
#: src/openai_replay/conformance/explanations.py and docs/conformance.md.
PINS: Pins = {
    "openai-ws": {
        "plain_turn": ("pass", "one request, the whole answer"),
        "chained_turn": ("pass", "chained on turn"),
        "tool_round_trip": ("pass", "chained the output on the call's response"),
        "previous_response_not_found": ("fail", "did not recover"),
        "connection_limit": ("fail", "did not recover"),
        "close_mid_stream": ("pass", "surfaced the error"),
        "close_before_created": ("pass", "surfaced the error"),
        "response_failed": ("pass", "surfaced the error"),
        "response_incomplete": ("pass", "passed on the partial text"),
        "cancel_then_new_turn": ("pass", "sent no response.cancel; next turn"),
        "warmup": ("n/a", "the client has no warm-up"),
        "stall_past_timeout": ("pass", "waited out the"),
        "never_ending_stream": ("fail", "hung"),
        "barge_in_chain": ("pass", "did not chain on the abandoned response in any later turn"),
        "no_resend": ("pass", ""),
        "connection_age_limit": ("fail", "did not recover"),
        "http_429_retry_after": ("n/a", "http only; this client is ws"),
        "http_500": ("n/a", "http only; this client is ws"),
        "legacy_usage": ("pass", "recovered"),
        "tcp_reset_mid_stream": ("n/a", "http only; this client is ws"),
        "every_turn_after_close": ("pass", "all"),
        "finish_then_no_done": ("n/a", "Chat Completions only; this client speaks the Responses API"),
        "answer_after_timeout": ("pass", "turn"),
    },
    "openai-http": {
        "plain_turn": ("pass", "one request, the whole answer"),
        "chained_turn": ("n/a", "HTTP with store"),
        "tool_round_trip": ("pass", "round trip with the full context"),
        "previous_response_not_found": ("n/a", "the client never sent a chained request, so it never met the error"),
        "connection_limit": ("n/a", "ws only; this client is http"),
        "close_mid_stream": ("fail", "lost the turn silently"),
        "close_before_created": ("pass", "recovered"),
        "response_failed": ("pass", "surfaced the error"),
        "response_incomplete": ("pass", "passed on the partial text"),
        "cancel_then_new_turn": ("pass", "sent no response.cancel; next turn"),
        "warmup": ("n/a", "ws only; this client is http"),
        "stall_past_timeout": ("pass", "waited out the"),
        "never_ending_stream": ("fail", "hung"),
        "barge_in_chain": ("pass", "did not chain on the abandoned response in any later turn"),
        "no_resend": ("n/a", "never chained"),
        "connection_age_limit": ("n/a", "ws only; this client is http"),
        "http_429_retry_after": ("pass", "honoured retry-after"),
        "http_500": ("pass", "recovered"),
        "legacy_usage": ("pass", "recovered"),
        "tcp_reset_mid_stream": ("pass", "surfaced the error"),
        "every_turn_after_close": ("fail", "lost the turn silently"),
        "finish_then_no_done": ("n/a", "Chat Completions only; this client speaks the Responses API"),
        "answer_after_timeout": ("pass", "turn"),
    },
    "openai-chat": chat_pins(
        {
            "plain_turn": ("pass", "one request, the whole answer"),
            "tool_round_trip": ("pass", "round trip with the full context"),
            "close_mid_stream": ("fail", "lost the turn silently"),
            "close_before_created": ("pass", "recovered"),
            "response_failed": ("pass", "surfaced the error"),
            "response_incomplete": ("pass", "passed on the partial text"),
            "cancel_then_new_turn": ("pass", "sent no response.cancel; next turn"),
            "stall_past_timeout": ("pass", "waited out the"),
            "never_ending_stream": ("fail", "hung"),
            "http_429_retry_after": ("pass", "honoured retry-after"),
            "http_500": ("pass", "recovered"),
            "tcp_reset_mid_stream": ("pass", "surfaced the error"),
            "every_turn_after_close": ("fail", "lost the turn silently"),
            "finish_then_no_done": ("fail", "hung after finish_reason, waiting for data"),
            "answer_after_timeout": ("pass", "turn"),
        }
    ),
}


test_cell_matches_todays_observed_result, test_every_check_is_pinned_for_every_client = pinned_cell_tests(PINS)
