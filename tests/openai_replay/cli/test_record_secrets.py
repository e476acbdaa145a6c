"""Planted secrets through the real `openai-replay record` process: every secret shape, in every place
(headers both ways, WS upgrade headers and query, HTTP query, bodies, frames, SSE, error headers, the
upstream URL's userinfo), never reaches the cassette, stdout, stderr or the log."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sys
from pathlib import Path

import aiohttp
from cassettekit import user

from fake_server import FakeServer
from openai_replay.cassette import load_cassette
from openai_replay.scenarios import scenario

BIN = Path(sys.executable).parent / "openai-replay"

PROJ = "sk-proj-PLANTa.b/c-0123456789"
SVC = "sk-svcacct-PLANTsvc0123456789"
ADMIN = "sk-admin-PLANTadm0123"
SHORT = "sk-pl4nt9"
JWT = "eyJPLANThdr0.eyJPLANTbody1.PLANTsig2"
BEARER = "PLANTbearer77"
COOKIE = "PLANTcookie55"
CUSTOM_TOKEN = "PLANTcustomtoken"
QUERY_TOKEN = "PLANTquerytoken1"
AZURE_KEY = "PLANTazurekey2"
URL_PASSWORD = "PLANTurlpw3"
METADATA_KEY = "PLANTmetadata4"
UPSTREAM_COOKIE = "PLANTupcookie5"
UPSTREAM_TOKEN = "PLANTuptoken6"
SHAPES = [PROJ, SVC, ADMIN, SHORT, JWT, BEARER, COOKIE, CUSTOM_TOKEN, QUERY_TOKEN, AZURE_KEY, URL_PASSWORD]
SHAPES += [METADATA_KEY, UPSTREAM_COOKIE, UPSTREAM_TOKEN]

HEADERS = {"Authorization": f"Bearer {JWT}", "Cookie": f"sid={COOKIE}", "X-Custom-Token": CUSTOM_TOKEN}
PROMPT = f"keys {PROJ} {SVC} {ADMIN} {SHORT}, a jwt {JWT}, Bearer {BEARER}, echoing {COOKIE} {CUSTOM_TOKEN} {QUERY_TOKEN}"


def upstream() -> FakeServer:
    """The echoing model; the third request gets a 429 whose headers carry a cookie and a token."""
    leaky = (
        scenario("leaky")
        .on(turn=3)
        .error(
            "rate_limit_exceeded",
            status=429,
            headers={"set-cookie": f"up={UPSTREAM_COOKIE}; Path=/", "x-api-token": UPSTREAM_TOKEN},
        )
        .build()
    )
    return FakeServer(seed=5, source=leaky)


async def drive(ws_url: str, http_url: str) -> None:
    """A WS turn (secrets in upgrade headers, query and frames), a streamed HTTP turn, then the 429."""
    body = {"model": "m", "input": [user(PROMPT)], "metadata": {"api_key": METADATA_KEY}}
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{ws_url}?api-key={AZURE_KEY}&token={QUERY_TOKEN}", headers=HEADERS) as ws:
            await ws.send_str(json.dumps({"type": "response.create", **body}))
            for _ in range(200):
                if json.loads((await ws.receive(timeout=10)).data)["type"] == "response.completed":
                    break
        for stream in (True, False):
            url = f"{http_url}/responses?key={AZURE_KEY}&access_token={QUERY_TOKEN}"
            async with session.post(url, json={**body, "stream": stream}, headers=HEADERS) as answer:
                await answer.read()


async def test_planted_secrets_reach_neither_the_cassette_nor_the_console(tmp_path: Path) -> None:
    """Fourteen planted secrets of every shape, in every place: none in the cassette or the process's output."""
    out = tmp_path / "secrets.json"
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    env["PYTHONWARNINGS"] = "default"
    async with upstream() as server:
        leaky_url = server.url.replace("http://", f"http://user:{URL_PASSWORD}@")
        proc = await asyncio.create_subprocess_exec(
            str(BIN), "record", "--upstream", leaky_url, "--out", str(out), "--port", "0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        assert proc.stdout is not None and proc.stderr is not None
        seen = ""
        while "WebSocket: " not in seen:
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
            assert line, "record exited early"
            seen += line
        ws_url = re.search(r"WebSocket: (ws://\S+)\)", seen).group(1)  # type: ignore[union-attr]
        http_url = re.search(r"(http://127\.0\.0\.1:\d+/v1)", seen).group(1)  # type: ignore[union-attr]
        await asyncio.wait_for(drive(ws_url, http_url), 30)
        proc.send_signal(signal.SIGINT)
        rest, err = await asyncio.wait_for(proc.communicate(), 20)
    console = seen + rest.decode() + err.decode()
    text = out.read_text()
    assert proc.returncode == 0 and "saved 3 connection(s)" in console
    for secret in SHAPES:
        assert secret not in text, f"{secret} leaked into the cassette"
        assert secret not in console, f"{secret} leaked to the console"
    assert "PLANT" not in text and "PLANT" not in console
    cassette = load_cassette(out)
    assert [c.transport for c in cassette.connections] == ["ws", "http", "http"]
    assert cassette.connections[2].status == 429  # type: ignore[union-attr]
