"""Recording the cassette benchmarks' inputs for real: a seeded `FakeServer` (simulated model, manual
clock) behind the `RecordingProxy`: the chained conversation (``record_chat``) and a cassette of at
least a given size (``record_big``). Same seed, same bytes; only the recorded time offsets differ."""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from typing import Any

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from cassette_client import MODEL, TURN_TIMEOUT, chat_frame, drive, one_turn, user  # noqa: E402

SCENARIO = os.path.join(HERE, "bench_scenario.json")


async def _record_chat(out: str, turns: int, seed: int) -> dict[str, Any]:
    from fake_server import FakeServer
    from openai_replay.clock import ManualClock
    from openai_replay.server.recorder import RecordingProxy

    meta = {
        "rerecord": f"python benchmarks/cassette_bench.py record-chat --out {os.path.basename(out)} --turns {turns} --seed {seed}"
    }
    t0 = time.perf_counter()
    async with FakeServer(seed=seed, clock=ManualClock(), require_auth=False) as fake:
        async with RecordingProxy(
            upstream=fake.url, out=out, api_key="sk-bench-not-a-real-key", autosave=False, meta=meta
        ) as proxy:
            result = await drive(proxy.ws_url, turns, chat_frame)
    if result["errors"]:
        raise RuntimeError(f"recording the {turns}-turn conversation failed: {result['error_samples']}")
    return {
        "path": out,
        "turns": turns,
        "seed": seed,
        "bytes": os.path.getsize(out),
        "events_total": result["events_total"],
        "record_s": time.perf_counter() - t0,
    }


async def _record_big(out: str, mb: float, seed: int) -> dict[str, Any]:
    from fake_server import FakeServer
    from openai_replay.cassette.store import dumps
    from openai_replay.clock import ManualClock
    from openai_replay.scenarios import load_scenario
    from openai_replay.server.recorder import RecordingProxy

    target = int(mb * 1e6)
    meta = {"rerecord": f"python benchmarks/cassette_bench.py record-big --out {os.path.basename(out)} --mb {mb:g} --seed {seed}"}
    t0 = time.perf_counter()
    units = {"bench-long": 0, "bench-short": 0}
    turns_per_unit = {"bench-long": 1, "bench-short": 10}
    source = load_scenario(SCENARIO)
    async with FakeServer(seed=seed, clock=ManualClock(), require_auth=False, source=source) as fake:
        proxy = RecordingProxy(upstream=fake.url, out=out, api_key="sk-bench-not-a-real-key", autosave=False, meta=meta)
        async with proxy, aiohttp.ClientSession() as sess:

            async def unit(kind: str, count: int = 1) -> int:
                """``count`` connections of ``kind`` turns; the size the cassette would have now."""
                frame = json.dumps({"type": "response.create", "model": MODEL, "input": user(kind)})
                for _ in range(count):
                    async with sess.ws_connect(proxy.ws_url, max_msg_size=0) as ws:
                        for _ in range(turns_per_unit[kind]):
                            await asyncio.wait_for(one_turn(ws, frame), TURN_TIMEOUT)
                    units[kind] += 1
                await asyncio.sleep(0.05)  # let the proxy note the closes
                # The size save_cassette would write, without its schema validation (seconds at 10 MB).
                return len(dumps(proxy.cassette().to_json()).encode())

            # Whole bench-long connections (about 3 MB each) while they fit, then bench-short
            # connections (about 50 kB each) to just past the target.
            empty = len(dumps(proxy.cassette().to_json()).encode())
            size = empty
            long_size = 0
            if mb >= 4:
                size = await unit("bench-long")
                long_size = size - empty
                more = max(0, (target - size) // long_size)
                if more:
                    size = await unit("bench-long", int(more))
            while size < target:
                before = size
                size = await unit("bench-short")
                short_size = max(1, size - before)
                more = max(0, math.ceil((target - size) / short_size))
                if more:
                    size = await unit("bench-short", more)
    # leaving `async with proxy` saved the file (validated once)
    return {
        "path": out,
        "bytes": os.path.getsize(out),
        "MB": os.path.getsize(out) / 1e6,
        "target_MB": mb,
        "connections": units,
        "turns": sum(units[k] * turns_per_unit[k] for k in units),
        "seed": seed,
        "record_s": time.perf_counter() - t0,
    }


def record_chat(out: str, turns: int, seed: int = 7) -> dict[str, Any]:
    return asyncio.run(_record_chat(out, turns, seed))


def record_big(out: str, mb: float, seed: int = 7) -> dict[str, Any]:
    return asyncio.run(_record_big(out, mb, seed))
