"""Does a long conversation slow each turn down? Turn p50 at the start and at the end of one long chain.

Starts `openai-replay serve --no-auth` on a free 127.0.0.1 port and drives it with one aiohttp client:

  responses  one `/v1/responses` WebSocket, N turns each chained to the last (`previous_response_id`,
             `store` as the API defaults it), send to `response.completed`;
  realtime   one `/v1/realtime` socket, N text turns in one conversation (`conversation.item.create`
             + `response.create`), send to `response.done`.

Prints the p50 of the first and the last `--window` turns of each, their ratio, and the server's peak
memory (every response is stored, as the API's `store` default asks). A turn that reads
only its own new items keeps the ratio near 1; one that rereads the whole conversation grows with it
(before git 40e6e0c: 8.7x for a 2,000-turn Responses chain, 13x for a 2,000-turn Realtime session).

Usage: python benchmarks/long_chains.py [--turns 2000] [--window 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

CLI = Path(sys.executable).with_name("openai-replay")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def until(ws: aiohttp.ClientWebSocketResponse, ending: str) -> dict[str, Any]:
    """Events until ``ending``; an error event or a closed socket is a failure, not a turn."""
    for _ in range(100_000):
        msg = await ws.receive(timeout=30)
        if msg.type != aiohttp.WSMsgType.TEXT:
            raise RuntimeError(f"socket ended ({msg.type.name}) before {ending}")
        event = json.loads(msg.data)
        if event["type"] == "error":
            raise RuntimeError(f"error event: {event.get('error')}")
        if event["type"] == ending:
            return event
    raise RuntimeError(f"no {ending} in 100,000 events")


async def responses_chain(sess: aiohttp.ClientSession, base: str, turns: int) -> list[float]:
    lat: list[float] = []
    previous = None
    async with sess.ws_connect(f"{base}/v1/responses", max_msg_size=0) as ws:
        for n in range(turns):
            body: dict[str, Any] = {"type": "response.create", "model": "gpt-4o", "input": f"turn {n}: how are you?"}
            if previous is not None:
                body["previous_response_id"] = previous
            start = time.perf_counter()
            await ws.send_str(json.dumps(body))
            done = await until(ws, "response.completed")
            lat.append((time.perf_counter() - start) * 1000)
            previous = done["response"]["id"]
    return lat


async def realtime_session(sess: aiohttp.ClientSession, base: str, turns: int) -> list[float]:
    lat: list[float] = []
    respond = json.dumps({"type": "response.create", "response": {"output_modalities": ["text"]}})
    async with sess.ws_connect(f"{base}/v1/realtime?model=gpt-realtime", max_msg_size=0) as ws:
        await until(ws, "session.created")
        for n in range(turns):
            item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": f"turn {n}: how are you?"}]}
            start = time.perf_counter()
            await ws.send_str(json.dumps({"type": "conversation.item.create", "item": item}))
            await ws.send_str(respond)
            await until(ws, "response.done")
            lat.append((time.perf_counter() - start) * 1000)
    return lat


CONVERSATIONS = {"responses": responses_chain, "realtime": realtime_session}


async def drive(name: str, base: str, turns: int) -> list[float]:
    async with aiohttp.ClientSession() as sess:
        return await CONVERSATIONS[name](sess, base, turns)


def peak_rss_mb(pid: int) -> str:
    """The server's peak resident memory (Linux ``/proc``), or why it is not known."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return f"{int(line.split()[1]) / 1024:.1f} MB"
    except OSError:
        pass
    return "unknown (no /proc)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--turns", type=int, default=2000)
    ap.add_argument("--window", type=int, default=100)
    args = ap.parse_args()
    if args.turns < 2 * args.window or args.window < 1:
        ap.error("--turns must be at least twice --window, and --window at least 1")
    w = args.window
    rows = []
    for name in CONVERSATIONS:
        lat, peak = measure(name, args.turns)
        first, last = statistics.median(lat[:w]), statistics.median(lat[-w:])
        rows.append(f"| {name} | {first:.3f} | {last:.3f} | {last / first:.2f} | {peak} |")
    print(f"{args.turns} turns on one connection (a fresh server for each); p50 ms of the first and last {w} turns")
    print("| conversation | first | last | last / first | server peak RSS |\n|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    return 0


def measure(name: str, turns: int) -> tuple[list[float], str]:
    """One conversation against its own `openai-replay serve`: the turn latencies and the server's peak memory."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen([str(CLI), "serve", "--no-auth", "--port", str(port)], stdout=log, stderr=log)
        try:
            for _ in range(200):  # up to 10 s for the server to listen
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.05).close()
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise SystemExit("PROBLEM: the server did not start listening in 10 s")
            lat = asyncio.run(drive(name, f"ws://127.0.0.1:{port}", turns))
            return lat, peak_rss_mb(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
