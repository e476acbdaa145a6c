"""``openai-replay show``: the timeline names connections, turns, chains, faults and close codes."""

from __future__ import annotations

import json
from pathlib import Path

from cassettekit import real_cassette

from openai_replay.cassette import Cassette, Ending, WsConnection, WsFrame, load_cassette
from openai_replay.cassette.show import render
from openai_replay.cassette.vcr_import import import_vcr

EXAMPLES = Path(__file__).resolve().parents[3] / "cassettes" / "examples"


def test_chained_conversation_shows_arrows_items_and_timing() -> None:
    """Each turn shows its input, the earlier response it chains to, the outcome and time to first event."""
    text = render(load_cassette(EXAMPLES / "chained_text_ws.json"))
    lines = text.splitlines()
    assert lines[2] == "  1 connection(s), 3 turn(s), 2 chained, 0 fault(s)"
    assert lines[4].startswith("[1] ws /v1/responses  opened at +")
    assert lines[5] == "    turn 1: input 1 item  'Hello! Who are you?'"
    assert lines[6].startswith("      -> R1 resp_…") and "completed  14 events, first after " in lines[6]
    assert lines[7] == "         'You said: Hello! Who are you?'"
    assert lines[8] == "    turn 2: prev -> R1  input 1 item  'What can you do?'"
    assert lines[-1].startswith("    closed by client, code 1000 ") and lines[-1].endswith("s after it opened")


def test_tool_calls_and_tool_outputs_are_named() -> None:
    """A function call shows as ``calls name(args)`` and the tool output names its call id."""
    text = render(load_cassette(EXAMPLES / "tool_call_ws.json"))
    assert 'calls get_weather({"city":"Paris"})' in text
    assert "tool output for call_" in text and "1 tool(s)" in text


def test_faults_are_flagged() -> None:
    """Server closes, refused handshakes and error statuses are marked as faults and counted."""
    create = json.dumps({"type": "response.create", "input": "x"})
    created = json.dumps({"type": "response.created", "response": {"id": "resp_1", "object": "response"}})
    cut = WsConnection(
        frames=[WsFrame(0.0, "client", create), WsFrame(0.2, "server", created)], close=Ending(0.3, "server", 1011, "boom")
    )
    refused = WsConnection(started_at=1.0, status=429, body='{"error": {}}', note="The upstream refused the upgrade")
    text = render(Cassette(connections=[cut, refused]))
    assert "1 connection(s)" not in text and "2 fault(s)" in text
    assert "-> R1 resp_…resp_1  closed by server 1011  1 events, first after 200 ms, last after 200 ms  !! fault" in text
    assert "    closed by server, code 1011 'boom' 0.300s after it opened  !! fault" in text
    assert "    handshake refused: HTTP 429  !! fault" in text
    assert "    note: The upstream refused the upgrade" in text


def test_imported_error_and_chain_from_real_recordings() -> None:
    """Real recordings: a 400 shows its code; a four-turn chain shows R1 -> R2 -> R3 arrows."""
    error, _ = import_vcr(real_cassette("otel-python-contrib__test_responses_create_api_error[content_mode0].yaml"))
    assert "HTTP 400 model_not_found  !! fault" in render(error)
    chain, _ = import_vcr(real_cassette("pydantic-ai__test_openai_previous_response_id_seed_auto_chains_through_retries.yaml"))
    text = render(chain)
    assert [line.split(":")[1].split("  ")[0].strip() for line in text.splitlines() if line.startswith("    POST")] == [
        "input 1 item",
        "prev -> R1",
        "prev -> R2",
        "prev -> R3",
    ]
