"""`serve -v`, `--log-file`, the exit summary, `--no-control` and `--manual-clock`, in a real subprocess."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import aiohttp
import pytest
from sdkkit import async_sdk
from servekit import serve


def control(url: str) -> str:
    return url[: -len("/v1")] + "/__replay"


async def test_verbose_prints_a_timeline_line_per_request_the_log_file_gets_json_and_exit_prints_a_summary(
    tmp_path: Path,
) -> None:
    """-v: a line per request (named by session); --log-file: a JSON object per request; at exit: counts per session."""
    log_file = tmp_path / "requests.jsonl"
    args = ("-m", "openai_replay.cli.main", "serve", "-v", "--log-file", str(log_file), "--scenario", "failed")
    async with serve(*args) as served:
        client = async_sdk(base_url=served.url, api_key="k", max_retries=0)
        first = await asyncio.wait_for(client.responses.create(model="gpt-4o-mini", input="hi"), 10)
        async with client.responses.connect() as conn:
            await conn.response.create(model="gpt-4o-mini", input="again")
            async for event in conn:
                if event.type == "response.completed":
                    break
        suite = client.with_options(default_headers={"X-Replay-Session": "suite-a"})
        await asyncio.wait_for(suite.responses.create(model="gpt-4o-mini", input="apart"), 10)
    assert first.status == "failed"
    assert "#1 http  -> POST /v1/responses  input=[user 'hi']  <- failed (server_error)" in served.stderr
    assert "#2 conn 1  -> response.create  input=[user 'again']  <- completed" in served.stderr
    assert "[session suite-a] #1 http  -> POST /v1/responses  input=[user 'apart']  <- completed" in served.stderr
    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert [(r["session"], r["turn"], r["outcome"]["kind"]) for r in lines] == [
        (None, 1, "failed"),
        (None, 2, "completed"),
        ("suite-a", 1, "completed"),
    ]
    assert lines[1]["payload"]["input"] == "again"
    assert "openai-replay: 2 request(s), 1 connection(s), 1 of 1 rule(s) fired" in served.stdout
    assert "session 'suite-a': 1 request(s), 0 connection(s)" in served.stdout
    assert served.returncode == 0, served.stderr


@pytest.mark.slow
async def test_log_file_alone_keeps_stderr_quiet_and_an_unwritable_path_exits_2(tmp_path: Path) -> None:
    """Without -v the request lines go only to the file; a log file that cannot be opened is a one-line error."""
    log_file = tmp_path / "quiet.jsonl"
    async with serve("-m", "fake_server", "--no-auth", "--log-file", str(log_file)) as served:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{served.url}/responses", json={"model": "gpt-4o-mini", "input": "hi"}) as answer:
                assert answer.status == 200
    assert "-> POST" not in served.stderr and len(log_file.read_text().splitlines()) == 1
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "fake_server",
        "--port",
        "0",
        "--log-file",
        str(tmp_path / "no" / "dir.jsonl"),
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2 and err.decode().startswith("error: cannot write the log file")


@pytest.mark.slow
async def test_manual_clock_moves_over_the_api_and_no_control_turns_the_api_off() -> None:
    """--manual-clock: clock/advance reaches the connection limit at once; --no-control: /__replay/ is a 404."""
    async with serve("-m", "fake_server", "--manual-clock", "--connection-limit", "60") as served:
        client = async_sdk(base_url=served.url, api_key="k", max_retries=0)
        async with client.responses.connect() as conn, aiohttp.ClientSession() as http:
            async with http.post(f"{control(served.url)}/clock/advance", json={"seconds": 61}) as answer:
                assert answer.status == 200
            await conn.response.create(model="gpt-4o-mini", input="late")
            async for event in conn:
                assert event.type == "error" and event.error.code == "websocket_connection_limit_reached"
                break
    async with serve("-m", "fake_server", "--no-control") as served, aiohttp.ClientSession() as http:
        async with http.get(f"{control(served.url)}/requests") as answer:
            assert answer.status == 404
