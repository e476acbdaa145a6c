"""`--scenario` on the command line: the server runs in a subprocess on a free port and reports at stop."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import aiohttp
import pytest
from multifault import EXAMPLE, EXPECTED, drive
from servekit import serve

from openai_replay.scenarios import BUILTINS


@pytest.mark.slow
async def test_example_scenario_file_from_python_m_fake_server() -> None:
    """`python -m fake_server --scenario FILE`: a client drives the whole multi-fault chat; exit 0 at stop."""
    async with serve("-m", "fake_server", "--scenario", str(EXAMPLE)) as served:
        seen = await asyncio.wait_for(drive(served.url), 60)
    assert seen == EXPECTED
    assert served.banner[0] == "scenario 'multi_fault_weather_chat': 8 rule(s)\n"
    assert "scenario 'multi_fault_weather_chat': every rule fired as declared" in served.stdout
    assert served.returncode == 0, served.stderr


FAST = {
    "cancel_mid_stream": "cancel_mid_stream:delay=0.005",
    "slow_first_token": "slow_first_token:seconds=0.2",
    "stall_forever": "stall_forever:turn=2",  # the one request is answered; the unfired rule exits 1
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(BUILTINS))
async def test_every_builtin_runs_from_openai_replay_serve(name: str) -> None:
    """`openai-replay serve --scenario NAME` serves a real request; at stop it reports unfired rules (exit 1)."""
    async with serve("-m", "openai_replay.cli.main", "serve", "--scenario", FAST.get(name, name)) as served:
        seen = await asyncio.wait_for(_one_ws_turn(served.url), 30)
    assert served.banner[0].startswith(f"scenario '{name}': ")
    assert seen  # the client saw something: events, an error frame, a close or a refused upgrade
    if served.returncode == 0:
        assert f"scenario '{name}': every rule fired as declared" in served.stdout
    else:
        assert served.returncode == 1 and f"scenario '{name}': " in served.stderr, (served.stdout, served.stderr)


async def _one_ws_turn(url: str) -> list[str]:
    """One response.create over a raw WebSocket: what came back, as short strings."""
    seen: list[str] = []
    ws_url = url.replace("http://", "ws://") + "/responses"
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(ws_url, headers={"Authorization": "Bearer k"})
        except aiohttp.WSServerHandshakeError as exc:
            return [f"refused {exc.status}"]
        await ws.send_str(json.dumps({"type": "response.create", "model": "gpt-4o-mini", "input": "hi"}))
        while True:
            msg = await asyncio.wait_for(ws.receive(), 10)
            if msg.type != aiohttp.WSMsgType.TEXT:
                seen.append(f"{msg.type.name} {msg.data}")
                break
            event = json.loads(msg.data)
            seen.append(event["type"])
            if event["type"] in ("response.completed", "response.failed", "response.incomplete", "error"):
                break
        await ws.close()
    return seen


async def test_builtin_parameters_on_the_command_line() -> None:
    """`--scenario connection_limit:turn=1`: the first request already hits the limit."""
    async with serve("-m", "fake_server", "--scenario", "connection_limit:turn=1") as served:
        seen = await asyncio.wait_for(_one_ws_turn(served.url), 30)
    assert seen == ["error"] and served.returncode == 0


@pytest.mark.slow
async def test_bad_scenario_on_the_command_line_exits_2_naming_the_problem(tmp_path: Path) -> None:
    """A bad file or unknown name: exit status 2 and a message naming the JSON path or the built-ins."""
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rules": [{"name": "x", "do": [{"action": "explode"}]}]}))
    for spec, expected in (
        (str(bad), "$.rules[0].do[0].action (rule 'x'): unknown action 'explode'"),
        ("nope", "built-ins: cache_miss"),
    ):
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fake_server", "--port", "0", "--scenario", spec, stderr=asyncio.subprocess.PIPE
        )
        _, err = await asyncio.wait_for(proc.communicate(), 20)
        assert proc.returncode == 2 and expected in err.decode()


async def test_scenarios_command_lists_each_builtin_on_one_line() -> None:
    """`openai-replay scenarios` prints one line per built-in: its name, what it does, its parameters."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openai_replay.cli.main", "scenarios", stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 20)
    lines = out.decode().splitlines()
    assert proc.returncode == 0 and [line.split()[0] for line in lines] == list(BUILTINS)
    assert any(line.startswith("connection_limit ") and "[turn=2, close=None]" in line for line in lines)
