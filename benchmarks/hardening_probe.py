"""Issue 21's bounds, measured: scenario checks, a WebSocket flood, idle sockets and a slowloris frame.

    .venv/bin/python benchmarks/hardening_probe.py            # about a minute on 2 shared cores

Each probe runs the real `openai-replay serve` command on a free loopback port with its default
limits and reads the server's memory from /proc (VmRSS now, VmHWM the peak). The figures go to
docs/reliability.md; no test asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# -- scenario checks --------------------------------------------------------------------------------
def scenario_checks() -> None:
    from openai_replay.scenarios import ScenarioError, load_scenario
    from openai_replay.scenarios.match import Match
    from openai_replay.scenarios.rules import Rule
    from openai_replay.scenarios.scenario import _shadowed

    def doc(n: int) -> dict[str, Any]:
        return {"rules": [{"match": {"turn": i + 1}, "do": [{"action": "text", "text": f"r{i}"}]} for i in range(n)]}

    for n in (1_000, 5_000):
        built = doc(n)
        start = time.perf_counter()
        load_scenario(built)
        print(f"load_scenario, {n:,} rules (schema, build, checks): {(time.perf_counter() - start) * 1000:,.0f} ms")
    for n in (1_000, 50_000):
        rules = [Rule(match=Match.build(turn=i + 1)) for i in range(n)]
        start = time.perf_counter()
        _shadowed(rules)
        print(f"shadowed-rule check alone, {n:,} rules: {(time.perf_counter() - start) * 1000:,.1f} ms")
    built = doc(50_000)
    start = time.perf_counter()
    try:
        load_scenario(built)
    except ScenarioError:
        pass
    print(f"load_scenario, 50,000 rules refused by the cap: {(time.perf_counter() - start) * 1000:,.1f} ms")


# -- a real server --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(*flags: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    command = [sys.executable, "-m", "openai_replay.cli", "serve", "--port", str(port), "--no-auth", *flags]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return proc, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("serve did not start")


def memory(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) in MB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def frame(payload: bytes, *, claimed: int | None = None) -> bytes:
    n = len(payload) if claimed is None else claimed
    head = (
        struct.pack("!BB", 0x81, 0x80 | n)
        if n < 126
        else struct.pack("!BBH", 0x81, 0xFE, n)
        if n < 65536
        else (struct.pack("!BBQ", 0x81, 0xFF, n))
    )
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


async def handshake(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /v1/responses HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    return reader, writer, head


async def one_turn_seconds(port: int) -> float:
    """How long a fresh client's turn takes (handshake to response.completed)."""
    start = time.perf_counter()
    reader, writer, _ = await handshake(port)
    writer.write(frame(json.dumps({"type": "response.create", "model": "m", "store": False, "input": "hi"}).encode()))
    data = b""
    while b"response.completed" not in data:
        data += await asyncio.wait_for(reader.read(65536), 30)
    writer.close()
    return time.perf_counter() - start


async def flood(count: int, size: int, seconds: float) -> None:
    proc, port = start_serve()
    try:
        await one_turn_seconds(port)
        print(f"serve with one turn done: VmRSS {memory(proc.pid)[0]:.0f} MB")
        _, writer, _ = await handshake(port)
        big = frame(json.dumps({"type": "response.create", "model": "m", "store": False, "input": "x" * size}).encode())
        sent, start = 0, time.perf_counter()

        async def send() -> None:
            nonlocal sent
            for _ in range(count):
                writer.write(big)
                await writer.drain()
                sent += 1

        task = asyncio.ensure_future(send())
        await asyncio.sleep(seconds)
        during = await one_turn_seconds(port)
        task.cancel()
        rss, peak = memory(proc.pid)
        print(
            f"flood of {count:,} x {size // 1000} KB creates, client reading nothing: {sent:,} written in "
            f"{time.perf_counter() - start:.0f} s before TCP pushed back; server VmRSS {rss:.0f} MB, peak {peak:.0f} MB; "
            f"a fresh client's turn meanwhile: {during * 1000:.0f} ms"
        )
        writer.transport.abort()
        await asyncio.sleep(3)
        rss, peak = memory(proc.pid)
        print(f"  after the flooding client left: VmRSS {rss:.0f} MB")
    finally:
        proc.terminate()
        proc.wait()


async def control_load(rules: int) -> None:
    """A fresh client's turn while the control API checks a large scenario (it froze every client 39 s)."""
    import aiohttp

    proc, port = start_serve()
    try:
        doc = {"rules": [{"match": {"turn": n}, "do": [{"action": "text", "text": f"r{n}"}]} for n in range(1, rules + 1)]}
        body = json.dumps(doc).encode()
        async with aiohttp.ClientSession() as http:
            start = time.perf_counter()
            put = asyncio.ensure_future(http.put(f"http://127.0.0.1:{port}/__replay/scenario", data=body))
            await asyncio.sleep(0.1)
            during = await one_turn_seconds(port)
            answer = await put
            took = time.perf_counter() - start
            print(
                f"PUT /__replay/scenario with {rules:,} rules ({len(body) / 1e6:.2f} MB): HTTP {answer.status} in {took:.1f} s; "
                f"a fresh client's turn meanwhile: {during * 1000:.0f} ms"
            )
    finally:
        proc.terminate()
        proc.wait()


async def idlers(count: int) -> None:
    proc, port = start_serve("--max-ws-connections", "1000")
    try:
        opened, refused, writers = 0, 0, []
        for _ in range(count):
            _, writer, head = await handshake(port)
            writers.append(writer)
            if head.startswith(b"HTTP/1.1 101"):
                opened += 1
            elif head.startswith(b"HTTP/1.1 503"):
                refused += 1
        rss, _ = memory(proc.pid)
        print(
            f"{count:,} idle WebSockets against the default cap: {opened:,} open, {refused:,} refused with 503; "
            f"VmRSS {rss:.0f} MB"
        )
        for writer in writers:
            writer.close()
    finally:
        proc.terminate()
        proc.wait()


async def slowloris(sockets: int) -> None:
    proc, port = start_serve("--ws-frame-timeout", "2")
    try:
        streams = [await handshake(port) for _ in range(sockets)]
        for _, writer, _ in streams:
            writer.write(frame(b"", claimed=64 * 1024 * 1024 - 1))
        start = time.perf_counter()
        closed = 0
        for _ in range(20):
            for _, writer, _ in streams:
                if not writer.is_closing():
                    writer.write(b"x")
            await asyncio.sleep(0.5)
            closed = sum(1 for reader, _, _ in streams if reader.at_eof() or reader._buffer)  # type: ignore[attr-defined]
            if closed == sockets:
                break
        rss, _ = memory(proc.pid)
        print(
            f"{sockets} slowloris frames (64 MiB claimed, a byte every 0.5 s), --ws-frame-timeout 2: {closed} closed "
            f"after {time.perf_counter() - start:.1f} s; VmRSS {rss:.0f} MB"
        )
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--flood", type=int, default=15_000)
    args = parser.parse_args()
    scenario_checks()
    asyncio.run(control_load(5_000))
    asyncio.run(flood(args.flood, 60_000, 10))
    asyncio.run(flood(58_000, 1_000, 10))
    asyncio.run(idlers(1_200))
    asyncio.run(slowloris(50))


if __name__ == "__main__":
    main()
