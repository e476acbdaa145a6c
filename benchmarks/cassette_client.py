"""The cassette benchmarks' WebSocket client: chained conversation turns on one connection, each read
to its terminal event with every frame JSON-parsed; per-turn latency, events, bytes and server CPU."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from typing import Any

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import Meter, pct

MODEL = "gpt-4.1"
TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")
TURN_TIMEOUT = 60.0  # seconds for one turn before it counts as an error


def user(text: str) -> list[dict[str, Any]]:
    return [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}]


def chat_frame(turn: int, previous: str | None) -> str:
    """Turn ``turn`` (1-based) of the recorded conversation: only the new user message, chained."""
    body: dict[str, Any] = {
        "type": "response.create",
        "model": MODEL,
        "store": False,
        "input": user(f"Turn {turn}: tell me one short thing about the number {turn}."),
    }
    if previous is not None:
        body["previous_response_id"] = previous
    return json.dumps(body)


def short_frame(turn: int, previous: str | None) -> str:
    """raw's baseline turn: ``bench-short`` (raw_server.py ignores previous_response_id, so none is sent)."""
    return json.dumps({"type": "response.create", "model": MODEL, "input": user("bench-short")})


async def one_turn(ws: Any, frame: str) -> dict[str, Any]:
    """Send one response.create, read to its terminal event (every frame JSON-parsed)."""
    t0 = time.perf_counter()
    await ws.send_str(frame)
    events = nbytes = 0
    while True:
        msg = await ws.receive()
        if msg.type is not aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"unexpected ws message {msg.type} {msg.data!r}")
        events += 1
        nbytes += len(msg.data)
        event = json.loads(msg.data)
        kind = event.get("type")
        if kind in TERMINAL:
            if kind != "response.completed":
                raise RuntimeError(f"terminal {kind}: {msg.data[:300]}")
            return {"dt": time.perf_counter() - t0, "events": events, "bytes": nbytes, "response_id": event["response"]["id"]}


async def drive(url: str, turns: int, make_frame: Any, pid: int = 0) -> dict[str, Any]:
    """``turns`` chained turns on one WebSocket connection; per-turn figures, wall and server CPU.

    Errors are counted (the first one ends the conversation: the rest of the chain depends on it).
    """
    lats: list[float] = []
    per_turn_events: list[int] = []
    total_bytes = 0
    errors: list[str] = []
    previous = None
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=30, sock_connect=30)) as sess:
        async with sess.ws_connect(url, max_msg_size=0) as ws:
            with Meter(pid) as m:
                for turn in range(1, turns + 1):
                    try:
                        r = await asyncio.wait_for(one_turn(ws, make_frame(turn, previous)), TURN_TIMEOUT)
                    except Exception as exc:
                        errors.append(f"turn {turn}: {type(exc).__name__}: {exc}"[:400])
                        break
                    lats.append(r["dt"])
                    per_turn_events.append(r["events"])
                    total_bytes += r["bytes"]
                    previous = r["response_id"]
    return {
        "turns": turns,
        "turns_ok": len(lats),
        "errors": len(errors),
        "error_samples": errors[:3],
        "wall_s": m.wall,
        "turns_per_s": len(lats) / m.wall if m.wall else None,
        "turn_p50_ms": pct(lats, 0.5) * 1e3 if lats else None,
        "turn_p99_ms": pct(lats, 0.99) * 1e3 if lats else None,
        "events_total": sum(per_turn_events),
        "events_per_turn": per_turn_events,
        "bytes_total": total_bytes,
        "server_cpu_s": m.server_cpu,
        "client_cpu_s": m.client_cpu,
        "server_cpu_us_per_turn": m.server_cpu / len(lats) * 1e6 if lats else None,
    }
