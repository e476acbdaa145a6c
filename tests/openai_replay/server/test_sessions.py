"""X-Replay-Session: parallel suites sharing one server each see only their own log, scenario and state."""

from __future__ import annotations

import aiohttp
from exchanges import sdk, turn, user

from fake_server import FakeServer
from openai_replay.server.sessions import MAX_SESSIONS, Sessions


async def test_sessions_partition_the_log_scenario_and_store() -> None:
    """A scenario loaded for session a faults only a's requests; each log holds its own; b cannot chain on a's id."""
    async with FakeServer(seed=1) as server, aiohttp.ClientSession() as http:
        await http.put(f"{server.control_url}/scenario", json={"builtin": "failed"}, headers={"X-Replay-Session": "a"})
        a = sdk(server, default_headers={"X-Replay-Session": "a"})
        b = sdk(server, default_headers={"X-Replay-Session": "b"})
        failed = await a.responses.create(model="gpt-4o-mini", input=[user("hi")])
        kept = await b.responses.create(model="gpt-4o-mini", input=[user("hi")])
        assert failed.status == "failed" and kept.status == "completed"
        async with a.responses.connect(extra_query={"replay_session": "a"}) as conn:
            missed = await turn(conn, input=[user("again")], previous_response_id=kept.id)
        assert missed.error.code == "previous_response_not_found"  # b's stored id does not exist for a
        logs = {}
        for name in ("a", "b"):
            async with http.get(f"{server.control_url}/requests", headers={"X-Replay-Session": name}) as answer:
                logs[name] = await answer.json()
        assert [r["outcome"]["kind"] for r in logs["a"]["requests"]] == ["failed", "error"]
        assert [c["query"] for c in logs["a"]["connections"]] == ["replay_session=a"]
        assert [r["outcome"]["kind"] for r in logs["b"]["requests"]] == ["completed"] and logs["b"]["connections"] == []
        assert len(server.log) == 0  # the default session saw nothing


async def test_reset_of_one_session_leaves_the_others_alone() -> None:
    """POST /__replay/reset with a session header empties that session's log only."""
    async with FakeServer(seed=1) as server, aiohttp.ClientSession() as http:
        await sdk(server).responses.create(model="gpt-4o-mini", input=[user("default")])
        await sdk(server, default_headers={"X-Replay-Session": "a"}).responses.create(model="gpt-4o-mini", input=[user("a")])
        async with http.post(f"{server.control_url}/reset", headers={"X-Replay-Session": "a"}) as answer:
            assert answer.status == 200
        assert len(server.log) == 1 and len(server.sessions.get("a").state.log) == 0


async def test_a_bad_session_name_is_a_clear_400_on_the_api_and_on_requests() -> None:
    """An unusable session name answers 400 in OpenAI's error shape, naming the header, for any route."""
    async with FakeServer() as server, aiohttp.ClientSession() as http:
        for url in (f"{server.url}/responses", f"{server.control_url}/requests"):
            method = "POST" if url.endswith("/responses") else "GET"
            async with http.request(method, url, json={}, headers={"X-Replay-Session": "x" * 200}) as answer:
                body = await answer.json()
            assert answer.status == 400 and body["error"]["param"] == "X-Replay-Session"
            assert "is not usable" in body["error"]["message"]


def test_named_sessions_are_bounded_oldest_untouched_first() -> None:
    """A server keeps at most MAX_SESSIONS named sessions: the one used least recently goes first."""
    sessions = FakeServer().sessions
    assert isinstance(sessions, Sessions)
    sessions.get("keep")
    for i in range(MAX_SESSIONS):
        sessions.get(f"s{i}")
        sessions.get("keep")
    names = sessions.named()
    assert len(names) == MAX_SESSIONS and "keep" in names and "s0" not in names
