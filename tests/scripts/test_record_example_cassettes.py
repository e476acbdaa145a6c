"""The committed example cassettes replay with the SDK, and the script regenerates the same frames."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from sdkkit import async_sdk

from fake_server import FakeServer
from openai_replay.cassette import CassetteReplay, WsConnection, load_cassette

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "cassettes" / "examples"
EXPECTED = {
    "chained_text_ws.json": ["You said: Hello! Who are you?", "You said: What can you do?", "You said: Thanks, goodbye."],
    "tool_call_ws.json": ['get_weather({"city":"Paris"})', 'get_weather returned: {"temp_c": 18, "sky": "clear"}'],
}


def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("record_example_cassettes", ROOT / "scripts" / "record_example_cassettes.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_example_cassette_replays_with_the_sdk(name: str) -> None:
    """The committed cassette answers the same SDK conversation over WebSocket mode, every turn used."""
    replay = CassetteReplay(load_cassette(EXAMPLES / name))
    async with FakeServer(source=replay) as server:
        client = async_sdk(base_url=server.url, api_key="test-key", max_retries=0)
        seen = await asyncio.wait_for(script().CONVERSATIONS[name](client), 30)
        await client.close()
    assert seen == EXPECTED[name]
    replay.assert_all_played()
    assert replay.rerecord == "python scripts/record_example_cassettes.py"  # the cassette says how to redo it
    conn = load_cassette(EXAMPLES / name).connections[0]
    assert isinstance(conn, WsConnection) and conn.close is not None and conn.close.by == "client"


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_script_regenerates_the_same_frames(name: str, tmp_path: Path) -> None:
    """Re-running the script (local upstream, seeded) reproduces every frame of the committed cassette."""
    seen = await asyncio.wait_for(script().record(name, tmp_path / name), 30)
    assert seen == EXPECTED[name]

    def frames(path: Path) -> list[tuple[str, str | None]]:
        conn = load_cassette(path).connections[0]
        assert isinstance(conn, WsConnection)
        return [(f.sender, f.text) for f in conn.frames]

    assert frames(tmp_path / name) == frames(EXAMPLES / name)
