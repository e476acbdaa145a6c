"""Events synthesized from a recorded JSON answer are spec-complete and parse with the SDK."""

from __future__ import annotations

import pytest
from testkit import assert_event_conforms, assert_stream_well_formed

from openai_replay.cassette.synth import events_from_response


def response(output: list[dict[str, object]], status: str = "completed") -> dict[str, object]:
    usage = {
        "input_tokens": 5,
        "input_tokens_details": {"cache_write_tokens": 0, "cached_tokens": 0},
        "output_tokens": 3,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": 8,
    }
    return {
        "id": "resp_1",
        "object": "response",
        "created_at": 1,
        "status": status,
        "billing": {"payer": "developer"},
        "completed_at": 2,
        "error": None,
        "incomplete_details": None,
        "instructions": None,
        "model": "gpt-4o-mini-2024-07-18",
        "output": output,
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "temperature": 1.0,
        "tools": [],
        "top_p": 1.0,
        "usage": usage,
        "metadata": {},
    }


MESSAGE = {
    "id": "msg_1",
    "type": "message",
    "status": "completed",
    "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": "Hi there"}],
    "role": "assistant",
}
CALL = {
    "id": "fc_1",
    "type": "function_call",
    "status": "completed",
    "arguments": '{"city":"Paris"}',
    "call_id": "call_1",
    "name": "f",
}
REASONING = {"id": "rs_1", "type": "reasoning", "summary": [{"type": "summary_text", "text": "thinking"}]}


@pytest.mark.slow
def test_message_call_and_reasoning_events_are_well_formed() -> None:
    """created, in_progress, each item's events, then completed with the recorded response (no billing)."""
    events = events_from_response(response([REASONING, MESSAGE, CALL]))
    assert_stream_well_formed(events)
    for event in events:
        assert_event_conforms(event, websocket=True)
    assert events[0]["response"]["output"] == [] and events[0]["response"]["usage"] is None
    assert events[-1]["response"] == {k: v for k, v in response([REASONING, MESSAGE, CALL]).items() if k != "billing"}
    deltas = [e["delta"] for e in events if e["type"].endswith(".delta")]
    assert deltas == ["thinking", "Hi there", '{"city":"Paris"}']


def test_status_picks_the_terminal_event() -> None:
    """An incomplete recorded response ends with response.incomplete."""
    assert events_from_response(response([MESSAGE], status="incomplete"))[-1]["type"] == "response.incomplete"
