"""ReplayControl: the stdlib client for a server elsewhere; assertions run server-side and fail loudly."""

from __future__ import annotations

import pytest
from sdkkit import sync_sdk

from fake_server import FakeServer
from openai_replay.control_client import ControlError, ReplayControl


def user(text: str) -> dict[str, object]:
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}


def test_log_assertions_run_over_the_api_with_the_same_signatures() -> None:
    """control.log.assert_chained(2) passes; assert_full_context(2) raises AssertionError with the timeline."""
    with FakeServer(seed=1) as server:
        control = ReplayControl(server.url, session="suite")
        client = sync_sdk(base_url=server.url, api_key="k", max_retries=0, default_headers={"X-Replay-Session": "suite"})
        first = client.responses.create(model="gpt-4o-mini", input=[user("hi")])
        client.responses.create(model="gpt-4o-mini", input=[user("again")], previous_response_id=first.id)
        assert control.log.assert_chained(2)["passed"] is True
        with pytest.raises(AssertionError, match=r"(?s)previous_response_id.*>> .*#2 http"):
            control.log.assert_full_context(2)
        assert len(control.log) == 2 and control.requests(since=1)["requests"][0]["turn"] == 2
        assert "#1 http  -> POST /v1/responses" in control.log.timeline()
        with pytest.raises(AttributeError):
            control.log.assert_nothing_like_this()


def test_scenarios_verify_and_reset_through_the_client() -> None:
    """load_builtin faults the next request; verify then passes; reset empties the log."""
    with FakeServer(seed=1) as server:
        control = ReplayControl(server.url)
        control.load_builtin("failed", code="server_error")
        assert control.verify()["ok"] is False
        reply = sync_sdk(base_url=server.url, api_key="k", max_retries=0).responses.create(model="gpt-4o-mini", input="hi")
        assert reply.status == "failed" and control.verify()["ok"] is True
        control.reset()
        assert control.requests()["requests"] == []


def test_refusals_and_unreachable_servers_say_what_to_do() -> None:
    """A bad scenario raises ControlError with the server's line; a server without control names --no-control."""
    with FakeServer() as server:
        with pytest.raises(ControlError, match="no built-in scenario named 'nope'"):
            ReplayControl(server.url).load_builtin("nope")
    with FakeServer(control=False) as server:
        with pytest.raises(ControlError, match="--no-control"):
            ReplayControl(server.url).timeline()
        port = server.port
    with pytest.raises(ControlError, match="cannot reach"):
        ReplayControl(f"http://127.0.0.1:{port}", timeout=2).timeline()
    with pytest.raises(ValueError, match="http://host:port"):
        ReplayControl("127.0.0.1:8765")
