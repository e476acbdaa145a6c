"""Any path answered inline by a scenario rule (respond_with_json), matched by method, path and JSON body."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from fake_server import FakeServer
from openai_replay.scenarios import load_scenario

AUTH = {"Authorization": "Bearer test"}
SCENARIO = {
    "name": "inline",
    "rules": [
        {
            "match": {"method": "GET", "path": "/v1/files/*"},
            "do": [{"action": "respond", "json": {"id": "file-1", "object": "file"}}],
        },
        {
            "match": {"method": "POST", "path": "/hooks/notify", "body_contains": {"event": {"kind": "done"}}},
            "do": [{"action": "respond", "status": 202, "json": {"accepted": True}}],
        },
        {
            "match": {"path": "/v1/responses", "body": {"model": "m", "input": "exact"}},
            "do": [{"action": "respond", "json": {"scripted": 1}}],
        },
        {"match": {"path": "/plain"}, "do": [{"action": "respond", "status": 418, "text": "short and stout"}]},
    ],
}


@pytest.fixture
async def inline() -> AsyncIterator[FakeServer]:
    async with FakeServer(source=load_scenario(SCENARIO)) as server:
        yield server


async def call(server: FakeServer, method: str, path: str, **kw: Any) -> tuple[int, str, str]:
    root = str(server.url).removesuffix("/v1")
    async with aiohttp.ClientSession() as http, http.request(method, root + path, **kw) as answer:
        return answer.status, answer.content_type, await answer.text()


async def test_a_rule_answers_an_unrouted_path_with_json(inline: FakeServer) -> None:
    """GET /v1/files/anything answers the rule's JSON; the request is logged with its endpoint and rule."""
    status, kind, text = await call(inline, "GET", "/v1/files/abc", headers=AUTH)
    assert (status, kind, text) == (200, "application/json", '{"id":"file-1","object":"file"}')
    record = inline.log[0]
    assert record.endpoint == "GET /v1/files/abc" and record.answered_by and "rules[0]" in record.answered_by


async def test_a_json_subset_selects_and_anything_else_is_the_real_404(inline: FakeServer) -> None:
    """body_contains matches a nested subset on a non-/v1 path (no auth there); other bodies get the 404."""
    status, _, text = await call(inline, "POST", "/hooks/notify", json={"event": {"kind": "done", "at": 3}, "x": 1})
    assert (status, text) == (202, '{"accepted":true}')
    status, _, text = await call(inline, "POST", "/hooks/notify", json={"event": {"kind": "started"}})
    assert status == 404 and "Invalid URL (POST /hooks/notify)" in text and "openai-replay simulates" in text


async def test_an_exact_body_answers_a_routed_path_and_other_bodies_reach_the_model(inline: FakeServer) -> None:
    """On /v1/responses, body equality selects the scripted answer; a different body is simulated as usual."""
    status, _, text = await call(inline, "POST", "/v1/responses", json={"model": "m", "input": "exact"}, headers=AUTH)
    assert (status, text) == (200, '{"scripted":1}')
    status, _, text = await call(inline, "POST", "/v1/responses", json={"model": "m", "input": "other"}, headers=AUTH)
    assert status == 200 and "You said: other" in text


async def test_text_bodies_and_auth_on_v1_paths(inline: FakeServer) -> None:
    """A text answer keeps its status and type; a /v1 path without a key is the real 401 before any rule."""
    assert await call(inline, "GET", "/plain") == (418, "text/plain", "short and stout")
    status, _, text = await call(inline, "GET", "/v1/files/abc")
    assert status == 401 and "API key" in text, text


def test_respond_and_the_new_selectors_load_check_and_round_trip() -> None:
    """The scenario file form validates, bad respond values are one-line problems, and to_json gives it back."""
    scenario = load_scenario(SCENARIO)
    assert load_scenario(scenario.to_json()).to_json() == scenario.to_json()
    bad = {"rules": [{"do": [{"action": "respond", "status": 99}]}]}
    with pytest.raises(ValueError, match="status"):
        load_scenario(bad)
    with pytest.raises(ValueError, match="path"):
        load_scenario({"rules": [{"match": {"path": "no-slash"}, "do": [{"action": "respond"}]}]})


async def test_the_fluent_respond_answers_a_path_selected_with_on() -> None:
    """scenario().on(path=..., method=...).respond(...) is the same rule in Python."""
    from openai_replay.scenarios import scenario

    built = scenario("health").on(method="GET", path="/status").respond({"ok": True}).build()
    async with FakeServer(source=built) as server:
        assert await call(server, "GET", "/status") == (200, "application/json", '{"ok":true}')
        status, _, _ = await call(server, "POST", "/status")
        assert status == 404
