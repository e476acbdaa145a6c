"""Sessions never vanish silently: an evicted session with state fails loudly, verify cannot say ok for
it, an open WebSocket keeps its session, and the named sessions share one global log and store budget."""

from __future__ import annotations

import aiohttp
import openai
import pytest
from exchanges import sdk, turn, user
from sdkkit import sync_sdk

from fake_server import FakeServer
from openai_replay.control_client import ControlError, ReplayControl
from openai_replay.server.sessions import LOG_BUDGET, MAX_SESSIONS, STORE_BUDGET

HEADER = "X-Replay-Session"


async def touch_other_sessions(server: FakeServer, http: aiohttp.ClientSession, count: int = MAX_SESSIONS) -> None:
    """``count`` other names each make one request (so each has state)."""
    for number in range(count):
        async with http.get(f"{server.control_url}/timeline", headers={HEADER: f"other-{number}"}) as answer:
            assert answer.status == 200


def test_an_evicted_session_with_a_scenario_fails_loudly_instead_of_answering_200() -> None:
    """rate_limit loaded, 256 other names touched: the next request is a 410 saying it was evicted and why; verify is no pass."""
    with FakeServer(seed=1) as server:
        control = ReplayControl(server.url, session="suite-a")
        control.load_builtin("rate_limit")
        for number in range(MAX_SESSIONS):
            ReplayControl(server.url, session=f"other-{number}").timeline()
        client = sync_sdk(base_url=server.url, api_key="k", default_headers={HEADER: "suite-a"}, max_retries=0)
        with pytest.raises(openai.APIStatusError) as evicted:
            client.responses.create(model="gpt-4o-mini", input=[user("hi")])
        assert evicted.value.status_code == 410
        message = evicted.value.body["message"]  # type: ignore[index]
        assert "session 'suite-a' was evicted" in message and f"at most {MAX_SESSIONS} named sessions" in message
        assert "POST /__replay/reset" in message
        with pytest.raises(ControlError, match=r"410.*evicted"):
            control.verify()
        with pytest.raises(ControlError, match="410"):
            control.timeline()
        control.reset()  # the way back the message names: a fresh session
        assert control.verify()["ok"] and control.timeline() == ""


async def test_the_websocket_handshake_of_an_evicted_session_is_refused_with_the_reason() -> None:
    """A WebSocket client that names an evicted session (query parameter) gets a 410 on the handshake."""
    async with FakeServer(seed=1) as server, aiohttp.ClientSession() as http:
        await sdk(server, default_headers={HEADER: "ws-suite"}).responses.create(model="gpt-4o-mini", input=[user("hi")])
        await touch_other_sessions(server, http)
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(f"{server.ws_url}?replay_session=ws-suite", headers={"Authorization": "Bearer k"})
        assert refused.value.status == 410


async def test_a_session_with_an_open_websocket_is_not_evicted() -> None:
    """While its WebSocket is open, a session outlives 256 newer names: its log and chain are intact."""
    async with FakeServer(seed=1) as server, aiohttp.ClientSession() as http:
        client = sdk(server)
        async with client.responses.connect(extra_query={"replay_session": "busy"}) as conn:
            first = await turn(conn, input=[user("one")])
            await touch_other_sessions(server, http)
            second = await turn(conn, input=[user("two")], previous_response_id=first.response.id)
            assert second.type == "response.completed"
        assert "busy" in server.sessions.named()
        assert len(server.sessions.get("busy").state.log.requests) == 2


async def test_an_untouched_session_is_dropped_quietly_and_made_afresh() -> None:
    """A session that never held state is evicted without a trace: its name simply starts a new one."""
    async with FakeServer(seed=1) as server, aiohttp.ClientSession() as http:
        server.sessions.get("empty")
        await touch_other_sessions(server, http)
        async with http.get(f"{server.control_url}/verify", headers={HEADER: "empty"}) as answer:
            assert answer.status == 200 and (await answer.json())["ok"]


def test_named_sessions_share_one_global_log_and_store_budget() -> None:
    """Each named session's limits shrink to its share as sessions are added; the total stays within the budgets."""
    sessions = FakeServer().sessions
    first = sessions.get("s0")
    assert first.state.log.limit == LOG_BUDGET and first.state.store.limit == STORE_BUDGET
    for number in range(1, MAX_SESSIONS):
        sessions.get(f"s{number}")
    share = LOG_BUDGET // MAX_SESSIONS
    assert all(sessions.get(name).state.log.limit == share for name in sessions.named())
    assert sum(s.share or 0 for s in sessions.all()[1:]) <= min(LOG_BUDGET, STORE_BUDGET)
    first.use(first.base_source)  # loading a scenario keeps the share (not the config's unlimited log)
    assert first.state.log.limit == share
