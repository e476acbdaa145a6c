"""`serve --log-file` and `-v` in a real subprocess: planted secrets of every shape never reach the log
file or the console, the file is bounded by --log-payload-limit, and a full disk is one line, not a
traceback per request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import secretkit
from cassettekit import user
from servekit import serve

AUTH = {"Authorization": f"Bearer {secretkit.TOKENS['jwt']}"}


def planted_requests() -> tuple[list[dict[str, Any]], int]:
    """Bodies holding every secret of `secretkit` (prose, JSON in JSON, a name after a newline), and how many each holds."""
    arguments = json.dumps(secretkit.named_object())
    items = [
        user(secretkit.tokens_text()),
        {"type": "function_call", "call_id": "call_1", "name": "deploy", "arguments": arguments},
        {"type": "function_call_output", "call_id": "call_1", "output": json.dumps({"nested": arguments})},
        user("config:\n" + "\n".join(f"{name}={value}" for name, value in secretkit.QUERY.items())),
    ]
    body = {"model": "gpt-4o-mini", "input": items, "metadata": {"aws_secret_access_key": secretkit.AWS_SECRET}}
    vendor = len(secretkit.TOKENS) + 1
    per_body = vendor + 2 * len(secretkit.NAMED) + len(secretkit.QUERY) + 1
    return [body, {**body, "stream": True}], per_body


async def test_planted_secrets_reach_neither_the_log_file_nor_the_console(tmp_path: Path) -> None:
    """Every shape in HTTP bodies, headers and query, and in WebSocket frames: 0 leaks in --log-file, -v and stdout."""
    log_file = tmp_path / "requests.jsonl"
    bodies, per_body = planted_requests()
    headers = {
        **AUTH,
        "User-Agent": f"agent/1 {secretkit.TOKENS['github_classic']}",
        "x-api-key": secretkit.TOKENS["stripe_live"],
    }
    async with serve("-m", "openai_replay.cli", "serve", "-v", "--log-file", str(log_file)) as served:
        async with aiohttp.ClientSession() as http:
            for body in bodies:
                url = f"{served.url}/responses?{secretkit.query_string()}"
                async with http.post(url, json=body, headers=headers) as answer:
                    assert answer.status == 200
                    await answer.read()
            ws_url = served.url.replace("http://", "ws://") + f"/responses?{secretkit.query_string()}"
            async with http.ws_connect(ws_url, headers=headers) as ws:
                await ws.send_str(json.dumps({"type": "response.create", **bodies[0]}))
                while json.loads((await ws.receive(timeout=10)).data)["type"] != "response.completed":
                    pass
    planted = 3 * (per_body + 3 + len(secretkit.QUERY))  # three requests, each with its headers and query
    lines = log_file.read_text().splitlines()
    assert len(lines) == 3 and all(json.loads(line)["outcome"]["kind"] == "completed" for line in lines)
    assert planted >= 100
    assert secretkit.leaks("\n".join(lines)) == []
    assert secretkit.leaks(served.stderr) == [] and secretkit.leaks(served.stdout) == []
    assert "REDACTED" in lines[0] and "-> POST /v1/responses" in served.stderr


@pytest.mark.slow
async def test_the_log_file_is_bounded_by_the_payload_limit(tmp_path: Path) -> None:
    """Five 200 KB requests of 40,000 words (echoed back, streamed: 40,000 event types each) leave a log of a
    few payload limits each, not 7 MB."""
    log_file = tmp_path / "big.jsonl"
    async with serve("-m", "openai_replay.cli", "serve", "--log-file", str(log_file), "--log-payload-limit", "4096") as served:
        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                body = {"model": "gpt-4o-mini", "input": "word " * 40_000, "stream": True}
                async with http.post(f"{served.url}/responses", json=body, headers=AUTH) as answer:
                    assert answer.status == 200
                    await answer.read()
    lines = log_file.read_text().splitlines()
    assert len(lines) == 5
    assert log_file.stat().st_size < 5 * 4 * 4096, log_file.stat().st_size
    assert "[truncated by the request log:" in lines[0]


@pytest.mark.slow
@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux) to stand for a full disk")
async def test_a_full_disk_is_one_line_and_the_server_goes_on() -> None:
    """Writing the log to a full disk prints one clear line once; every request is still answered."""
    async with serve("-m", "openai_replay.cli", "serve", "--log-file", "/dev/full") as served:
        async with aiohttp.ClientSession() as http:
            for _ in range(4):
                async with http.post(
                    f"{served.url}/responses", json={"model": "gpt-4o-mini", "input": "hi"}, headers=AUTH
                ) as answer:
                    assert answer.status == 200
    errors = [line for line in served.stderr.splitlines() if "log file" in line]
    assert errors == ["error: cannot write the log file /dev/full: No space left on device; requests are no longer written to it "
                      "(the server goes on)"], served.stderr  # fmt: skip
    assert "Traceback" not in served.stderr and served.returncode == 0
