"""Soak: 256 named sessions of 16 KB turns on one ``openai-replay serve`` stay under the global bound.

The slow tier runs 24 turns a session (past each session's share of the budget, so trimming is
exercised); ``OPENAI_REPLAY_FUZZ=long`` runs the issue's 120 and prints VmRSS after each batch.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest
from servekit import serve

from openai_replay.server.sessions import LOG_BUDGET, MAX_SESSIONS, STORE_BUDGET

LONG = os.environ.get("OPENAI_REPLAY_FUZZ") == "long"
#: The documented bound (docs/reliability.md) for 256 sessions of 16 KB turns, with headroom.
RSS_BOUND_MB = 500


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


@pytest.mark.slow
async def test_256_sessions_of_16_kb_turns_stay_under_the_global_bound() -> None:
    """Every session's log is trimmed to its share, the total within the budget, and VmRSS under RSS_BOUND_MB."""
    turns = 120 if LONG else 24
    text = "x" * (16 * 1024 - 16)
    samples: list[tuple[int, float]] = []
    async with serve("-m", "openai_replay.cli", "serve", "--no-auth") as served, aiohttp.ClientSession() as http:

        async def session(number: int) -> None:
            for turn in range(turns):
                body = {"model": "m", "input": f"{turn} {text}"}
                async with http.post(f"{served.url}/responses", json=body, headers={"X-Replay-Session": f"s{number}"}) as answer:
                    assert answer.status == 200, await answer.text()

        for start in range(0, MAX_SESSIONS, 32):
            await asyncio.gather(*(session(n) for n in range(start, start + 32)))
            samples.append((start + 32, _rss_mb(served.proc.pid)))
        kept = 0
        for number in range(MAX_SESSIONS):
            async with http.get(f"{served.url[:-3]}/__replay/requests", headers={"X-Replay-Session": f"s{number}"}) as answer:
                kept += len((await answer.json())["requests"])
    print("\nsessions soak (sessions, VmRSS MB): " + ", ".join(f"({n}, {mb:.0f})" for n, mb in samples))
    share = min(LOG_BUDGET, STORE_BUDGET) // MAX_SESSIONS
    assert kept <= MAX_SESSIONS * (share + share // 4 + 1)  # each log: its share, plus the log's trim slack
    assert max(mb for _, mb in samples) < RSS_BOUND_MB, samples
