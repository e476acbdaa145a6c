"""Planted secrets through the real `openai-replay record` process: every secret shape, in every place
(headers both ways, WS upgrade headers and query, HTTP query, bodies, frames, SSE, error headers, the
upstream URL's userinfo), never reaches the cassette, stdout, stderr or the log."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import aiohttp
import secretkit
from cassettekit import user
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector

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


# -- every shape of the common detectors, in every place, through the real proxy -------------------

NOISE = bytes(range(256)) * 4  # binary bytes that are no UTF-8


def every_place() -> dict[str, list[str]]:
    """Where the probe below plants what: place -> the secrets planted there."""
    vendor = [*secretkit.TOKENS.values(), secretkit.BASIC_AUTH_PASSWORD]
    named = list(secretkit.NAMED.values())
    return {
        "WS query": list(secretkit.QUERY.values()),
        "WS headers (Authorization, Cookie, allow-listed User-Agent)": [
            secretkit.TOKENS["jwt"], secretkit.QUERY["sessionid"], secretkit.TOKENS["github_classic"],
        ],
        "WS text frame: prose input": vendor,
        "WS text frame: tool call arguments (JSON in JSON)": named,
        "WS text frame: tool output (JSON in JSON in JSON)": named,
        "WS text frame: metadata (api_key= after a newline, a name)": [secretkit.NAMED["api_key"], secretkit.AWS_SECRET],
        "WS binary frame: UTF-8": vendor,
        "WS binary frame: not UTF-8": vendor,
        "HTTP query (twice)": [*secretkit.QUERY.values()] * 2,
        "HTTP headers (Authorization, x-api-key, allow-listed User-Agent) (twice)": [
            secretkit.TOKENS["jwt"], secretkit.TOKENS["stripe_live"], secretkit.TOKENS["google_api_key"],
        ] * 2,
        "HTTP body: prose, JSON-escaped slashes (twice)": vendor * 2,
        "HTTP body: nested tool arguments, escaped slashes (twice)": named * 2,
        "multipart parts (a field, a text file, a binary file)": [secretkit.QUERY["api_key"], *vendor, *vendor],
        "upstream error: x-request-id, set-cookie, a URL and a key in its message": [
            secretkit.TOKENS["aws_sts_key_id"], secretkit.TOKENS["gitlab"], secretkit.BASIC_AUTH_PASSWORD,
            secretkit.TOKENS["sendgrid"],
        ],
    }  # fmt: skip


PLANTED = sum(len(secrets) for secrets in every_place().values())


def tool_items() -> list[dict[str, Any]]:
    """A function call whose arguments hold the named secrets, and its output holding them once more nested."""
    arguments = json.dumps(secretkit.named_object())
    output = json.dumps({"result": json.dumps(secretkit.named_object())})
    return [
        {"type": "function_call", "call_id": "call_1", "name": "deploy", "arguments": arguments},
        {"type": "function_call_output", "call_id": "call_1", "output": output},
    ]


def leaky_upstream() -> FakeServer:
    """The echoing model; the third request gets a 429 whose headers and message carry secrets."""
    message = f"could not fetch {secretkit.BASIC_AUTH_URL} with {secretkit.TOKENS['sendgrid']}"
    headers = {"x-request-id": secretkit.TOKENS["aws_sts_key_id"], "set-cookie": f"g={secretkit.TOKENS['gitlab']}; Path=/"}
    leaky = scenario("leaky-all").on(turn=3).error("rate_limit_exceeded", status=429, message=message, headers=headers).build()
    return FakeServer(seed=7, source=leaky)


async def plant_everywhere(ws_url: str, http_url: str) -> None:
    """Every place of `every_place`, through the proxy: a WS turn and binary frames, two HTTP turns, a multipart upload."""
    metadata = {"note": f"config:\napi_key={secretkit.NAMED['api_key']}", "aws_secret_access_key": secretkit.AWS_SECRET}
    body = {"model": "m", "input": [user(secretkit.tokens_text()), *tool_items()], "metadata": metadata}
    headers = {
        "Authorization": f"Bearer {secretkit.TOKENS['jwt']}",
        "Cookie": f"sessionid={secretkit.QUERY['sessionid']}",
        "User-Agent": f"agent/1.0 ({secretkit.TOKENS['github_classic']})",
    }
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{ws_url}?{secretkit.query_string()}", headers=headers) as ws:
            await ws.send_str(json.dumps({"type": "response.create", **body}))
            for _ in range(500):
                if json.loads((await ws.receive(timeout=10)).data)["type"] in ("response.completed", "response.failed"):
                    break
            await ws.send_bytes(secretkit.tokens_text().encode())
            await ws.send_bytes(NOISE + secretkit.tokens_text().encode() + NOISE)
        http_headers = {
            "Authorization": headers["Authorization"],
            "x-api-key": secretkit.TOKENS["stripe_live"],
            "User-Agent": f"sdk/2 {secretkit.TOKENS['google_api_key']}",
        }
        url = f"{http_url}/responses?{secretkit.query_string()}"
        for stream in (True, False):
            raw = json.dumps({**body, "stream": stream}).replace("/", "\\/")  # JSON may escape every slash
            async with session.post(url, data=raw, headers={**http_headers, "Content-Type": "application/json"}) as answer:
                await answer.read()
        form = aiohttp.FormData()
        form.add_field("purpose", "assistants")
        form.add_field("api_key", secretkit.QUERY["api_key"])
        form.add_field("file", secretkit.tokens_text().encode(), filename="notes.txt", content_type="text/plain")
        form.add_field("blob", NOISE + secretkit.tokens_text().encode() + NOISE, filename="blob.bin")
        async with session.post(f"{http_url}/files", data=form, headers={"Authorization": headers["Authorization"]}) as answer:
            await answer.read()


def audited(text: str) -> list[str]:
    """What detect-secrets' own detectors (those for token shapes, not its entropy guesses) still find in ``text``."""
    found = []
    for detector in (AWSKeyDetector, GitHubTokenDetector, GitLabTokenDetector, SlackDetector, StripeDetector,
                     PrivateKeyDetector, JwtTokenDetector, BasicAuthDetector, OpenAIDetector, SendGridDetector):  # fmt: skip
        found += [f"{detector.__name__}: {hit}" for hit in detector().analyze_string(text)]
    return found


async def test_every_detector_shape_in_every_place_reaches_neither_the_cassette_nor_the_console(tmp_path: Path) -> None:
    """All planted secrets (every shape, every place of `every_place`) through the real `record`: 0 leaks, 0 detector findings."""
    out = tmp_path / "all.json"
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    async with leaky_upstream() as server:
        leaky_url = server.url.replace("http://", f"http://deploy:{secretkit.BASIC_AUTH_PASSWORD}@")
        proc = await asyncio.create_subprocess_exec(
            str(BIN), "record", "--upstream", leaky_url, "--out", str(out), "--port", "0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
        )  # fmt: skip
        assert proc.stdout is not None
        seen = ""
        while "WebSocket: " not in seen:
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
            assert line, "record exited early"
            seen += line
        ws_url = re.search(r"WebSocket: (ws://\S+)\)", seen).group(1)  # type: ignore[union-attr]
        http_url = re.search(r"(http://127\.0\.0\.1:\d+/v1)", seen).group(1)  # type: ignore[union-attr]
        await asyncio.wait_for(plant_everywhere(ws_url, http_url), 60)
        proc.send_signal(signal.SIGINT)
        rest, err = await asyncio.wait_for(proc.communicate(), 30)
    console, text = seen + rest.decode() + err.decode(), out.read_text()
    assert proc.returncode == 0, console
    cassette = load_cassette(out)
    assert [c.transport for c in cassette.connections] == ["ws", "http", "http", "http"]
    ws = cassette.connections[0]
    assert sum(1 for f in ws.frames if f.binary is not None and f.sender == "client") == 2  # type: ignore[union-attr]
    assert cassette.connections[2].status == 429 and "multipart/form-data" in text  # type: ignore[union-attr]
    assert PLANTED >= 150
    assert secretkit.leaks(text) == [] and secretkit.leaks(console) == []
    binary = [f.binary for f in ws.frames if f.binary is not None]  # type: ignore[union-attr]
    binary += [c.request_body_base64 for c in cassette.connections if getattr(c, "request_body_base64", None)]
    assert len(binary) >= 3  # two frames and the upload, which is not UTF-8
    for data in binary:
        assert secretkit.leaks(base64.b64decode(data).decode("latin-1")) == []
    assert audited(text) == [] and audited(console) == []


async def test_an_unreachable_upstream_with_a_password_is_reported_without_it(tmp_path: Path) -> None:
    """record's one-line failure names the upstream URL without its password or any key in the client's query."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    password, key = secretkit.BASIC_AUTH_PASSWORD, secretkit.TOKENS["github_classic"]
    upstream = f"http://deploy:{password}@127.0.0.1:{port}/v1?token={key}"
    proc = await asyncio.create_subprocess_exec(
        str(BIN), "record", "--upstream", upstream, "--out", str(tmp_path / "x.json"), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
    http_url = re.search(r"(http://127\.0\.0\.1:\d+/v1)", seen).group(1)  # type: ignore[union-attr]
    async with aiohttp.ClientSession() as session:
        query = f"?{secretkit.query_string()}"  # Azure-style clients put their key in the query
        async with session.post(f"{http_url}/responses{query}", json={"model": "m", "input": "hi"}) as answer:
            assert answer.status == 502
            reply = await answer.text()
        try:
            await session.ws_connect(http_url.replace("http", "ws") + "/responses" + query)
        except aiohttp.WSServerHandshakeError as refused:
            assert refused.status == 502
        else:
            raise AssertionError("the WebSocket upgrade to an unreachable upstream was accepted")
    proc.send_signal(signal.SIGINT)
    rest, err = await asyncio.wait_for(proc.communicate(), 30)
    console = seen + rest.decode() + err.decode()
    assert proc.returncode == 1 and "cannot reach the upstream" in console, console
    assert secretkit.leaks(console) == [] and secretkit.leaks(reply) == []
    assert "deploy:" not in console and f"127.0.0.1:{port}" in console
