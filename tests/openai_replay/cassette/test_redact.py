"""Secrets never reach a cassette: a planted secret in every place it can hide, through the real proxy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from cassettekit import user

from fake_server import FakeServer
from openai_replay.cassette import Connection, HttpExchange, Redactor, WsConnection, WsFrame, load_cassette
from openai_replay.scenarios import scenario
from openai_replay.server.recorder import RecordingProxy

KEY = "sk-proj-PLANTEDkey0123456789abcdefXYZ"  # the user's key, given to the proxy
CLIENT_KEY = "sk-PLANTEDclient0123456789abcdef"  # what the client sends in Authorization
BODY_KEY = "sk-svcacct-PLANTEDbody0123456789abcd"  # a key pasted into a prompt
QUERY_KEY = "sk-PLANTEDquery0123456789abcdefgh"
ORG = "org-PLANTEDorg1234"
PROJECT = "proj_PLANTEDproject5678"
COOKIE = "PLANTEDcookie9876"
URL_PASSWORD = "PLANTEDurlpassword42"
UPSTREAM_COOKIE = "PLANTEDupstreamcookie"
PLANTED = [KEY, CLIENT_KEY, BODY_KEY, QUERY_KEY, ORG, PROJECT, COOKIE, URL_PASSWORD, UPSTREAM_COOKIE, "PLANTED"]

CLIENT_HEADERS = {
    "Authorization": f"Bearer {CLIENT_KEY}",
    "api-key": CLIENT_KEY,
    "OpenAI-Organization": ORG,
    "OpenAI-Project": PROJECT,
    "Cookie": f"session={COOKIE}",
}


def upstream_scenario() -> Any:
    """Turn 3 answers 429 with secrets in its headers and message; everything else is the echoing model."""
    return (
        scenario("leaky")
        .on(turn=3)
        .error(
            "rate_limit_exceeded",
            status=429,
            message=f"Incorrect API key provided: {BODY_KEY}.",
            headers={"set-cookie": f"__cf_bm={UPSTREAM_COOKIE}", "openai-organization": ORG, "x-request-id": "req_1"},
        )
        .build()
    )


async def test_planted_secrets_never_reach_the_cassette(tmp_path: Path) -> None:
    """Keys, org/project ids and cookies in headers, URL, query, bodies, frames, events, errors and close
    reasons are all scrubbed; the user's hook sees the scrubbed record and can redact more."""
    out = tmp_path / "secrets.json"
    seen_by_hook: list[str] = []

    def hook(conn: Connection) -> Connection | None:
        seen_by_hook.append(json.dumps(conn.to_json()))
        if isinstance(conn, HttpExchange) and conn.request_body and "drop me" in conn.request_body:
            return None
        if isinstance(conn, WsConnection):
            conn.frames = [WsFrame(f.t, f.sender, (f.text or "").replace("Paris", "[city]"), f.binary) for f in conn.frames]
        return conn

    async with FakeServer(seed=3, source=upstream_scenario()) as upstream:
        leaky_upstream = upstream.url.replace("http://", f"http://user:{URL_PASSWORD}@")
        async with RecordingProxy(upstream=leaky_upstream, out=out, api_key=KEY, redact=hook) as proxy:
            async with aiohttp.ClientSession() as session:
                prompt = f"My key is {BODY_KEY} and my org is {ORG}, I live in Paris"
                async with session.ws_connect(proxy.ws_url + f"?api_key={QUERY_KEY}", headers=CLIENT_HEADERS) as ws:
                    await ws.send_str(json.dumps({"type": "response.create", "model": "m", "input": [user(prompt)]}))
                    while json.loads((await ws.receive(timeout=10)).data)["type"] != "response.completed":
                        pass
                    await ws.close(code=4001, message=f"closing with {CLIENT_KEY}".encode())
                for body in ({"model": "m", "input": prompt, "stream": True}, {"model": "m", "input": prompt}):
                    async with session.post(proxy.url + f"/responses?key={QUERY_KEY}", json=body, headers=CLIENT_HEADERS) as r:
                        echoed = await r.text()
                    assert r.status in (200, 429)
                async with session.post(
                    proxy.url + "/responses", json={"model": "m", "input": "drop me"}, headers=CLIENT_HEADERS
                ):
                    pass
    assert BODY_KEY in echoed or "You said" in echoed  # the client itself still saw the real traffic
    text = out.read_text()
    for secret in PLANTED:
        assert secret not in text, f"{secret} leaked into the cassette"
    assert "sk-REDACTED" in text and "REDACTED" in text
    cassette = load_cassette(out)
    assert len(cassette.connections) == 3  # the hook dropped the fourth
    ws_conn = cassette.connections[0]
    assert isinstance(ws_conn, WsConnection) and "[city]" in (ws_conn.frames[0].text or "")
    assert ws_conn.close is not None and ws_conn.close.reason == "closing with sk-REDACTED"  # a key shape, also a known value
    assert set(ws_conn.request_headers) <= {"user-agent", "accept", "content-type"}
    limited = cassette.connections[2]
    assert isinstance(limited, HttpExchange) and limited.status == 429
    assert limited.response_headers.get("x-request-id") == "req_1" and "set-cookie" not in limited.response_headers
    assert cassette.meta["upstream"].startswith("http://127.0.0.1:")
    assert len(seen_by_hook) >= 4 and not any(secret in record for record in seen_by_hook for secret in PLANTED)


def test_headers_are_kept_by_allowlist_and_credentials_never() -> None:
    """Unknown headers are dropped, allowlisted ones kept (case-insensitively), credentials dropped even if allowed."""
    redactor = Redactor(allow_headers=["X-Custom", "Authorization"])
    kept = redactor.headers(
        {"Content-Type": "application/json", "X-Custom": "1", "X-Other": "2", "Authorization": "Bearer abcdef123"},
        frozenset({"content-type"}),
    )
    assert kept == {"content-type": "application/json", "x-custom": "1"}
    assert redactor.text("token abcdef123 here") == "token REDACTED here"  # the dropped value is scrubbed anywhere


def test_sk_pattern_and_binary_frames() -> None:
    """Every sk- key form is replaced, short look-alikes are left alone, and text inside binary frames is scrubbed."""
    redactor = Redactor()
    assert redactor.text("a sk-proj-abcdefghijklmnop1234 b sk-learn") == "a sk-REDACTED b sk-learn"
    import base64

    frame = WsFrame(0.0, "client", binary=base64.b64encode(b"key sk-abcdefghijklmnopqrstu").decode())
    cleaned = redactor.connection(WsConnection(frames=[frame]))
    assert isinstance(cleaned, WsConnection)
    assert base64.b64decode(cleaned.frames[0].binary or "") == b"key sk-REDACTED"
