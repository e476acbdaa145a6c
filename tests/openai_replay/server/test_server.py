"""FakeServer lifecycles (async, thread-backed, TLS) and the command-line entry points."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import aiohttp
import pytest
from openai import AsyncOpenAI, DefaultAsyncHttpxClient
from sdkkit import async_sdk, sync_sdk
from testkit import user

from fake_server import FakeServer

BIN = Path(sys.executable).parent


async def test_url_points_the_sdk_at_both_transports(server: FakeServer) -> None:
    """server.url serves as base_url for HTTP and, via the SDK's scheme switch, for responses.connect()."""
    assert server.url == f"http://127.0.0.1:{server.port}/v1"
    assert server.ws_url == f"ws://127.0.0.1:{server.port}/v1/responses"
    client = async_sdk(base_url=server.url, api_key="k")
    async with client.responses.connect() as conn:
        await conn.response.create(model="m", input=[user("over ws")])
        async for event in conn:
            if event.type == "response.completed":
                break
    await client.responses.create(model="m", input="over http")
    assert [r.transport for r in server.log] == ["ws", "http"]


def test_thread_backed_server_for_sync_code() -> None:
    """`with FakeServer()` runs the server in a thread so a sync OpenAI client can use it."""
    with FakeServer() as server:
        assert "openai-replay-server" in [t.name for t in threading.enumerate()]
        client = sync_sdk(base_url=server.url, api_key="k", max_retries=0)
        reply = client.responses.create(model="m", input="sync hello")
        with client.responses.connect() as conn:
            conn.response.create(model="m", input=[user("sync ws")])
            for event in conn:
                if event.type == "response.completed":
                    ws_text = event.response.output_text
                    break
    assert reply.output_text == "You said: sync hello"
    assert ws_text == "You said: sync ws"
    assert len(server.log) == 2


def test_port_is_an_error_before_start() -> None:
    """Reading the address of a server that was never started says how to start it."""
    with pytest.raises(RuntimeError, match="not started"):
        _ = FakeServer().url


async def test_reset_forgets_requests_and_stored_responses(server: FakeServer) -> None:
    """reset() clears the log and the response store but keeps the server running."""
    client = async_sdk(base_url=server.url, api_key="k", max_retries=0)
    kept = await client.responses.create(model="m", input="x")
    server.reset()
    assert len(server.log) == 0
    with pytest.raises(Exception, match="not found"):
        await client.responses.retrieve(kept.id)


async def test_tls_round_trip_over_https_and_wss() -> None:
    """tls=True serves https and wss with a throwaway CA that the client can be told to trust."""
    async with FakeServer(tls=True) as server:
        assert server.url.startswith("https://") and server.ws_url.startswith("wss://")
        assert server.tls is not None
        ctx = server.tls.client_context()
        client = AsyncOpenAI(base_url=server.url, api_key="k", max_retries=0, http_client=DefaultAsyncHttpxClient(verify=ctx))
        reply = await client.responses.create(model="m", input="secure")
        async with client.responses.connect(websocket_connection_options={"ssl": ctx}) as conn:
            await conn.response.create(model="m", input=[user("secure ws")])
            async for event in conn:
                if event.type == "response.completed":
                    break
        async with aiohttp.ClientSession() as plain:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await plain.get(server.url + "/responses/x")  # the default trust store rejects the throwaway CA
        assert server.tls.ca_path.read_bytes() == server.tls.ca_pem
    assert reply.output_text == "You said: secure"


async def test_the_throwaway_ca_file_is_removed_when_the_server_stops() -> None:
    """The CA file exists while the server runs and is gone after stop, also after a restart (no /tmp litter)."""
    server = FakeServer(tls=True)
    assert server.tls is not None
    for _ in range(2):
        async with server:
            ctx = ssl.create_default_context(cafile=str(server.tls.ca_path))  # what a file-configured client does
            async with aiohttp.ClientSession() as session, session.get(server.url + "/responses/x", ssl=ctx) as answer:
                assert answer.status in (401, 404)
        assert not server.tls.ca_path.exists()
    with FakeServer(tls=True) as threaded:
        assert threaded.tls is not None and threaded.tls.ca_path.is_file()
    assert not threaded.tls.ca_path.exists()


async def _start(*argv: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), timeout=30)).decode()
    assert "listening on http://127.0.0.1:" in line, line
    return proc, line.split("listening on ")[1].split()[0]


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-m", "fake_server", "--port", "0"],
        [str(BIN / "openai-replay"), "serve", "--port", "0"],
        [str(BIN / "openai-replay"), "serve", "--port", "0", "--loop", "asyncio"],
        [str(BIN / "openai-replay"), "serve", "--port", "0", "--loop", "uvloop"],
    ],
    ids=["python -m fake_server", "openai-replay serve", "serve --loop asyncio", "serve --loop uvloop"],
)
async def test_command_line_server_serves_and_stops_cleanly_on_sigterm(argv: list[str]) -> None:
    """Both entry points, on either event loop, bind loopback, answer the SDK, and exit 0 on SIGTERM with a goodbye line."""
    proc, url = await _start(*argv)
    try:
        client = async_sdk(base_url=url, api_key="k", max_retries=0)
        reply = await client.responses.create(model="m", input="from the cli")
        assert reply.output_text == "You said: from the cli"
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0
    assert b"stopped" in out


async def test_command_line_server_stops_on_ctrl_c() -> None:
    """Ctrl-C (SIGINT) stops the standalone server cleanly too."""
    proc, url = await _start(sys.executable, "-m", "fake_server", "--port", "0")
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(url.replace("http", "ws") + "/responses", headers={"Authorization": "Bearer k"}),
    ):
        proc.send_signal(signal.SIGINT)
        await asyncio.wait_for(proc.wait(), timeout=30)
    assert proc.returncode == 0


def test_port_in_use_is_a_clear_error() -> None:
    """Starting on a port that is taken exits 2 with a message naming the address."""
    with FakeServer() as server:
        done = subprocess.run(
            [sys.executable, "-m", "fake_server", "--port", str(server.port)], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{server.port}" in done.stderr


@pytest.mark.slow
def test_demo_runs_offline_without_a_key() -> None:
    """`openai-replay demo` prints a chained WebSocket conversation, a tool call and an SSE request."""
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_API_KEY"}
    done = subprocess.run([str(BIN / "openai-replay"), "demo"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "previous_response_id=resp_" in out
    assert "function_call get_weather" in out
    assert "assistant: get_weather returned:" in out
    assert "SSE events" in out
    assert out.count("completed") >= 4


async def test_a_log_limit_bounds_the_log_but_not_the_turn_numbers() -> None:
    """With log_limit=5, twenty turns on one socket all get answers, a rule on turn 15 fires, and the log keeps the newest few."""
    from openai_replay.config import ServerConfig
    from openai_replay.scenarios import scenario

    s = scenario("late rule").on(turn=15).reply("fifteen").build()
    async with FakeServer(config=ServerConfig(log_limit=5), source=s) as server:
        client = async_sdk(base_url=server.url, api_key="k")
        texts = []
        async with client.responses.connect() as conn:
            for i in range(20):
                await conn.response.create(model="m", input=[user(f"turn {i + 1}")], store=False)
                async for event in conn:
                    if event.type == "response.completed":
                        texts.append(event.response.output_text)
                        break
        assert texts[14] == "fifteen" and texts[19] == "You said: turn 20"
        assert 5 <= len(server.log) <= 7
        assert server.log[-1].turn == 20 and server.log[-1].turn_on_connection == 20
    assert s.verify() == []
