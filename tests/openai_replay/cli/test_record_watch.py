"""``record`` says when its autosave falls behind: how many finished exchanges are not on disk, and how long."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from cassettekit import http_raw

from fake_server import FakeServer
from openai_replay.cli.record_watch import watch_autosave
from openai_replay.server.recorder import RecordingProxy


async def test_a_stuck_autosave_is_reported_with_how_far_behind_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """While a save cannot take its turn (a slow disk), the watcher prints the count of exchanges not on disk yet."""
    async with FakeServer(seed=1) as upstream, RecordingProxy(upstream=upstream.url, out=tmp_path / "c.json") as proxy:
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch_autosave(proxy, stop, every=0.05, behind_after=0.2))
        with proxy._save_lock:  # the disk is busy: no save can start
            for number in range(3):
                assert (await http_raw(proxy.url, {"model": "m", "input": f"turn {number}"}))[0] == 200
            await asyncio.sleep(0.4)
        stop.set()
        await watcher
    said = capsys.readouterr().err
    assert "note: autosave is behind: 3 finished connection(s)/exchange(s) are not in c.json yet" in said
    assert said.count("autosave is behind") == 1  # said again only every REPEAT_EVERY seconds
