"""The example scenario file drives a multi-fault conversation end to end (openai SDK, WS and HTTP)."""

from __future__ import annotations

from multifault import EXAMPLE, EXPECTED, drive

from fake_server import FakeServer
from openai_replay.clock import ManualClock
from openai_replay.scenarios import load_scenario


async def test_multi_fault_conversation_from_the_example_file() -> None:
    """Six faults in one conversation: the client sees each one, the log records each, every rule fires once."""
    s = load_scenario(EXAMPLE)
    async with FakeServer(source=s, clock=ManualClock()) as server:
        seen = await drive(server.url)
        timeline = server.log.timeline()
    assert seen == EXPECTED
    assert s.verify() == []
    assert [c.handshake_status for c in server.log.connections] == [429, None, None]
    assert server.log.connections[1].close_code == 1011
    assert server.log.connections[2].pushed == ["error (websocket_connection_limit_reached)"]
    assert (server.log.connections[2].closed_by, server.log.connections[2].close_code) == ("server", 1000)
    assert [(r.transport, r.connection_id, r.attempt, str(r.outcome), r.answered_by) for r in server.log] == [
        ("ws", 2, 1, "completed", "$.rules[0] 'greeting'"),
        ("ws", 2, 1, "completed", "$.rules[1] 'tool call'"),
        ("ws", 2, 1, "closed_by_server [close 1011]", "$.rules[2] 'answer dies mid-stream'"),
        ("ws", 3, 2, "error (previous_response_not_found)", None),  # real protocol semantics, not a rule
        ("ws", 3, 3, "completed", "$.rules[3] 'answer after the full-context resend'"),
        ("http", None, 1, "error (rate_limit_exceeded)", "$.rules[4] 'rate limited over HTTP'"),
        ("http", None, 2, "completed", "$.rules[5] 'HTTP retry succeeds'"),
    ]
    assert "handshake refused with HTTP 429" in timeline
