"""The control API's token: with one set, a control request without it gets a 401 and changes nothing."""

from __future__ import annotations

import aiohttp
import pytest
from sdkkit import sync_sdk

from fake_server import FakeServer
from openai_replay.control_client import ControlError, ReplayControl
from openai_replay.exposure import CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER


async def test_control_requests_without_the_token_get_a_401_and_change_nothing() -> None:
    """No token or a wrong one: 401 in OpenAI's error shape, and the scenario is not loaded; the right one works."""
    async with FakeServer(control_token="t0ken-1") as server, aiohttp.ClientSession() as http:
        for headers in ({}, {CONTROL_TOKEN_HEADER: "wrong"}, {"Authorization": "Bearer t0ken-1"}):
            async with http.put(f"{server.control_url}/scenario", json={"builtin": "failed"}, headers=headers) as answer:
                body = await answer.json()
            assert answer.status == 401 and body["error"]["code"] == "invalid_control_token"
            assert CONTROL_TOKEN_HEADER in body["error"]["message"]
        assert type(server.state.source).__name__ == "SimulatedModel"  # nothing was loaded
        async with http.put(
            f"{server.control_url}/scenario", json={"builtin": "failed"}, headers={CONTROL_TOKEN_HEADER: "t0ken-1"}
        ) as answer:
            assert answer.status == 200
        async with http.get(f"{server.control_url}/nope") as answer:
            assert answer.status == 401  # even an unknown control path says nothing without the token
        async with http.post(
            f"{server.url}/responses", json={"model": "m", "input": "hi"}, headers={"Authorization": "Bearer k"}
        ) as answer:
            assert answer.status == 200  # the API itself needs no control token


def test_the_control_client_sends_the_token_from_its_argument_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """ReplayControl(token=...) and $OPENAI_REPLAY_CONTROL_TOKEN reach the server; without either, a clear error."""
    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    with FakeServer(control_token="t0ken-2") as server:
        sync_sdk(base_url=server.url, api_key="k", max_retries=0).responses.create(model="gpt-4o-mini", input="hi")
        with pytest.raises(ControlError, match=f"answered 401.*{CONTROL_TOKEN_ENV}"):
            ReplayControl(server.url).timeline()
        assert "#1 http" in ReplayControl(server.url, token="t0ken-2").timeline()
        monkeypatch.setenv(CONTROL_TOKEN_ENV, "t0ken-2")
        assert ReplayControl(server.url).verify()["ok"]


def test_a_non_loopback_fake_server_refuses_an_open_control_api() -> None:
    """FakeServer(host="0.0.0.0") without a control token is refused before it binds; with one, or control off, it is built."""
    with pytest.raises(ValueError, match="control_token"):
        FakeServer(host="0.0.0.0")
    assert FakeServer(host="0.0.0.0", control_token="t").control_token == "t"
    assert FakeServer(host="0.0.0.0", control=False).control is False
