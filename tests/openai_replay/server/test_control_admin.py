"""The control API's admin routes over real HTTP: health, shutdown, one rule at a time, find, near misses."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiohttp
import openai
import pytest
from exchanges import sdk

from fake_server import FakeServer


async def call(http: aiohttp.ClientSession, url: str, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with http.request(method, f"{url}/__replay/{path}", **kw) as answer:
        body = await answer.json() if answer.content_type == "application/json" else await answer.text()
        return answer.status, body


def root(server: FakeServer) -> str:
    return str(server.url).removesuffix("/v1")


async def test_health_answers_ok_with_the_session(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """GET /__replay/health is 200 with the session's name and request count."""
    status, body = await call(http, root(server), "GET", "health", headers={"X-Replay-Session": "a"})
    assert status == 200 and body == {"status": "ok", "session": "a", "requests": 0}


async def test_shutdown_of_an_in_process_server_says_who_stops_it(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """An in-process server is stopped by its test process: shutdown answers 409 saying so, and it keeps serving."""
    status, body = await call(http, root(server), "POST", "shutdown")
    assert status == 409 and "openai-replay serve" in body["error"]["message"]
    assert (await sdk(server).responses.create(model="m", input="hi")).output_text == "You said: hi"


async def test_rules_are_added_and_removed_one_at_a_time(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """POST /__replay/rules adds a rule in front of the simulated model; DELETE removes it; ids are per session."""
    rule = {"match": {"text_contains": "fail me"}, "do": [{"action": "error", "code": "server_error"}]}
    status, body = await call(http, root(server), "POST", "rules", json=rule)
    assert status == 200 and body["id"].startswith("rule_")
    client = sdk(server).with_options(max_retries=0)
    with pytest.raises(openai.InternalServerError):
        await client.responses.create(model="m", input="fail me")
    assert (await client.responses.create(model="m", input="fine")).output_text == "You said: fine"
    other = await call(http, root(server), "DELETE", f"rules/{body['id']}", headers={"X-Replay-Session": "other"})
    assert other[0] == 404 and other[1]["error"]["code"] == "unknown_rule"
    assert (await call(http, root(server), "DELETE", f"rules/{body['id']}"))[0] == 200
    assert (await client.responses.create(model="m", input="fail me")).output_text == "You said: fail me"


async def test_a_bad_rule_is_a_400_with_the_scenario_problem(server: FakeServer, http: aiohttp.ClientSession) -> None:
    """A rule with an unknown action is refused with the loader's one-line problem."""
    status, body = await call(http, root(server), "POST", "rules", json={"do": [{"action": "explode"}]})
    assert status == 400 and body["error"]["code"] == "invalid_rule" and "explode" in body["error"]["message"]


async def test_find_filters_requests_and_near_misses_name_the_failed_selectors(
    server: FakeServer, http: aiohttp.ClientSession
) -> None:
    """find keeps the requests matching every filter; near-misses list the selectors that kept a rule from answering."""
    rule = {"match": {"turn": 1, "text_contains": "magic"}, "do": [{"action": "error", "code": "server_error"}]}
    await call(http, root(server), "POST", "rules", json=rule)
    client = sdk(server).with_options(max_retries=0)
    await client.responses.create(model="m", input="hello there")
    await client.responses.create(model="m", input="magic word")
    status, body = await call(http, root(server), "GET", "requests/find?text=magic&transport=http")
    assert status == 200 and [r["turn"] for r in body["requests"]] == [2]
    status, body = await call(http, root(server), "GET", "requests/find?colour=red")
    assert status == 400 and "unknown filter(s) colour" in body["error"]["message"]
    status, body = await call(http, root(server), "GET", "requests/find?status=429")  # not logged: refused, not empty
    assert status == 400 and "unknown filter(s) status" in body["error"]["message"]
    status, body = await call(http, root(server), "GET", "requests/find?outcome=completed&endpoint=POST%20/v1/responses")
    assert status == 200 and [r["turn"] for r in body["requests"]] == [1, 2]
    status, body = await call(http, root(server), "GET", "requests/2/near-misses")
    assert status == 200 and body["near_misses"][0]["failed_selectors"] == ["turn"]
    status, body = await call(http, root(server), "GET", "requests/1/near-misses")
    assert body["near_misses"][0]["failed_selectors"] == ["text_contains"]
    assert (await call(http, root(server), "GET", "requests/9/near-misses"))[0] == 404


@pytest.mark.slow
async def test_serve_writes_a_ready_file_and_stops_on_shutdown(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    """`serve --port 0 --ready-file F` writes F with the port once listening; POST /__replay/shutdown ends it cleanly."""
    ready = tmp_path / "ready.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openai_replay.cli", "serve", "--port", "0", "--ready-file", str(ready),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(200):
            if ready.exists():
                break
            await asyncio.sleep(0.05)
        doc = json.loads(ready.read_text())
        assert doc["url"] == f"http://127.0.0.1:{doc['port']}/v1" and doc["pid"] == proc.pid
        assert (await call(http, f"http://127.0.0.1:{doc['port']}", "GET", "health"))[0] == 200
        assert (await call(http, f"http://127.0.0.1:{doc['port']}", "POST", "shutdown"))[0] == 200
        out, _ = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
    assert proc.returncode == 0 and b"stopped" in out and not ready.exists()


async def test_a_cassette_loads_at_runtime_and_bad_ones_are_one_line_400s(
    server: FakeServer, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """PUT /__replay/cassette answers from a recorded file from then on; a missing file or option is a 400."""
    from openai_replay.server.recorder import RecordingProxy

    out = tmp_path / "c.json"
    async with FakeServer() as upstream, RecordingProxy(upstream=upstream.url, out=out) as proxy:
        await sdk(proxy).responses.create(model="m", input="recorded")  # type: ignore[arg-type]
    status, body = await call(http, root(server), "PUT", "cassette", json={"path": str(out)})
    assert status == 200 and body["interactions"] == 1
    assert (await sdk(server).responses.create(model="m", input="recorded")).output_text == "You said: recorded"
    status, body = await call(http, root(server), "PUT", "cassette", json={"path": str(tmp_path / "nope.json")})
    assert status == 400 and "does not exist" in body["error"]["message"]
    status, body = await call(http, root(server), "PUT", "cassette", json={"path": str(out), "sped": 1})
    assert status == 400 and "unknown option(s) sped" in body["error"]["message"]


async def test_a_recording_starts_and_stops_at_runtime_and_its_cassette_replays(
    server: FakeServer, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    """POST /__replay/recordings gives a proxy URL; DELETE saves the cassette, which PUT /__replay/cassette replays."""
    out = tmp_path / "live.json"
    async with FakeServer() as upstream:
        status, started = await call(http, root(server), "POST", "recordings", json={"out": str(out), "upstream": upstream.url})
        assert status == 200 and started["url"].startswith("http://127.0.0.1:")
        again = await call(http, root(server), "POST", "recordings", json={"out": str(out), "upstream": upstream.url})
        assert again[0] == 409
        client = openai.AsyncOpenAI(base_url=started["url"], api_key="sk-test", max_retries=0)
        assert (await client.responses.create(model="m", input="live")).output_text == "You said: live"
        assert (await call(http, root(server), "GET", "recordings"))[1]["recordings"][0]["id"] == started["id"]
        status, stopped = await call(http, root(server), "DELETE", f"recordings/{started['id']}")
        assert status == 200 and stopped["requests"] == 1 and stopped["failures"] == [] and out.is_file()
    assert (await call(http, root(server), "PUT", "cassette", json={"path": str(out)}))[0] == 200
    assert (await sdk(server).responses.create(model="m", input="live")).output_text == "You said: live"
    assert (await call(http, root(server), "DELETE", f"recordings/{started['id']}"))[0] == 404
    status, body = await call(http, root(server), "POST", "recordings", json={"out": str(out), "upstream": "ftp://x"})
    assert status == 400 and "http(s) URL" in body["error"]["message"]


async def test_rules_added_one_at_a_time_are_capped_like_a_scenario_file(
    server: FakeServer, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past the scenario cap (MAX_RULES, here lowered to 2) another rule is a one-line 400, not more memory."""
    from openai_replay.server import control_admin

    monkeypatch.setattr(control_admin, "MAX_RULES", 2)
    rule = {"match": {"text_contains": "x"}, "do": [{"action": "error", "code": "server_error"}], "times": 1}
    assert [(await call(http, root(server), "POST", "rules", json=rule))[0] for _ in range(2)] == [200, 200]
    status, body = await call(http, root(server), "POST", "rules", json=rule)
    assert status == 400 and "more than the" in body["error"]["message"]
