"""Server instructions per short turn (WebSocket and SSE), counted by valgrind: repeatable under load.

Wall-clock and /proc CPU figures swing by 30% or more on a shared machine; instruction counts do
not. This runs each server under `valgrind --tool=callgrind` (instrumentation off, only the total
count), drives it from a separate process over 127.0.0.1 with one aiohttp client, and subtracts a
base run from a run with more turns, so start-up, imports and warm-up cancel out:

    per WS turn  = (Ir(base + N WS turns)  - Ir(base)) / N
    per SSE turn = (Ir(base + N SSE turns) - Ir(base)) / N

base = 20 WS turns on one connection and 20 SSE requests on one keep-alive session (warm-up).
Servers: `ours` (serve_bench.py: the benchmark scenario exactly as `openai-replay serve --no-auth
--scenario benchmarks/bench_scenario.json` serves it) and `raw` (raw_server.py, the peer harness's
raw aiohttp server sending the same 10 events, 0.58x the bytes). Both answer `bench-short`.
`floor` (floor_server.py) is aiohttp's I/O alone: each frame read by aiohttp, raw's ten events
answered as bytes made at start-up, in one write.

Usage: python turn_instr.py [--servers ours,raw,floor] [--turns 200] [--outdir DIR]
Needs valgrind (apt-get install valgrind). About 2-4 minutes per server on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import create_msg, post_body  # noqa: E402
from fixtures import write_fixtures  # noqa: E402
from procs import free_port, wait_port  # noqa: E402

BASE = 20
SRC = ""


def server_cmd(name: str, port: int, fixtures: str) -> list[str]:
    if name == "ours":
        return [sys.executable, os.path.join(HERE, "serve_bench.py"), "--port", str(port)]
    script = "floor_server.py" if name == "floor" else "raw_server.py"
    return [sys.executable, os.path.join(HERE, script), str(port), "--fixtures", fixtures]


async def drive(port: int, ws_turns: int, sse_turns: int) -> None:
    """ws_turns short turns on one WebSocket, then sse_turns streamed POSTs on one keep-alive session."""
    url = f"127.0.0.1:{port}/v1/responses"
    frame, body = create_msg("bench-short"), post_body("bench-short")
    async with aiohttp.ClientSession() as sess:
        async with sess.ws_connect("ws://" + url, max_msg_size=0) as ws:
            for _ in range(ws_turns):
                await ws.send_str(frame)
                n = 0
                while True:
                    msg = await ws.receive(timeout=120)
                    n += 1
                    if '"response.completed"' in msg.data[:40]:
                        break
                if n != 10:
                    raise SystemExit(f"expected 10 events a turn, got {n}")
        for _ in range(sse_turns):
            async with sess.post("http://" + url, data=body, headers={"Content-Type": "application/json"}) as r:
                data = await r.read()
                if r.status != 200 or data.count(b"\ndata: ") + data.startswith(b"data: ") < 10:
                    raise SystemExit(f"SSE turn failed: {r.status} {data[:200]!r}")


def count(name: str, ws_turns: int, sse_turns: int, fixtures: str, outdir: str) -> int:
    """Total instructions the server ran for start-up + the workload + shutdown. On a busy machine
    another process can take the free port while valgrind starts the server: then try a new port."""
    for attempt in range(3):
        try:
            return _count(name, ws_turns, sse_turns, fixtures, outdir)
        except (aiohttp.ClientError, RuntimeError, SystemExit) as exc:
            if attempt == 2:
                raise
            print(f"{name} {ws_turns}/{sse_turns}: {exc!r}; again on a new port", file=sys.stderr, flush=True)
    raise AssertionError("unreachable")


def _count(name: str, ws_turns: int, sse_turns: int, fixtures: str, outdir: str) -> int:
    port = free_port()
    out = os.path.join(outdir, f"callgrind.{name}.{ws_turns}.{sse_turns}")
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=yes", f"--callgrind-out-file={out}"]
    with open(out + ".log", "w") as log:
        env = {**os.environ, "PYTHONHASHSEED": "0"}  # the same dict layouts from run to run
        if SRC:  # measure another checkout's package (e.g. `git archive` of the commit before a change)
            env["PYTHONPATH"] = SRC
        proc = subprocess.Popen(cmd + server_cmd(name, port, fixtures), stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            wait_port(port, proc, timeout=600)
            time.sleep(0.5)
            if proc.poll() is not None:  # something else listens there; ours could not bind
                raise RuntimeError(f"the server exited ({proc.returncode}); port {port} is someone else's")
            asyncio.run(drive(port, ws_turns, sse_turns))
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=600)
    with open(out) as f:
        m = re.search(r"^(?:summary|totals): (\d+)", f.read(), re.M)
    if not m:
        raise SystemExit(f"no total in {out}")
    return int(m.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--servers", default="ours,raw")
    ap.add_argument("--turns", type=int, default=200, help="extra turns per measured run (N)")
    ap.add_argument("--outdir", default="")
    ap.add_argument("--src", default="", help="import openai_replay from this src/ folder instead (PYTHONPATH)")
    a = ap.parse_args()
    global SRC
    SRC = os.path.abspath(a.src) if a.src else ""
    outdir = a.outdir or tempfile.mkdtemp(prefix="turn_instr.")
    os.makedirs(outdir, exist_ok=True)
    fixtures = write_fixtures(os.path.join(outdir, "fixtures"))
    results = {}
    for name in a.servers.split(","):
        t0 = time.time()
        # the three runs at once: an instruction count does not depend on what else the machine runs
        with concurrent.futures.ThreadPoolExecutor(3) as pool:
            runs = [(BASE, BASE), (BASE + a.turns, BASE), (BASE, BASE + a.turns)]
            base, ws, sse = pool.map(lambda r, n=name: count(n, r[0], r[1], fixtures, outdir), runs)
        results[name] = {"ws_instr_per_turn": (ws - base) / a.turns, "sse_instr_per_turn": (sse - base) / a.turns, "base": base}
        print(
            f"{name}: WS {results[name]['ws_instr_per_turn']:,.0f} instr/turn, SSE {results[name]['sse_instr_per_turn']:,.0f}"
            f" instr/turn (base run {base:,}; {time.time() - t0:.0f} s)",
            flush=True,
        )
    if "ours" in results and "raw" in results:
        for k in ("ws_instr_per_turn", "sse_instr_per_turn"):
            print(f"ours/raw {k}: {results['ours'][k] / results['raw'][k]:.2f}")
    with open(os.path.join(outdir, "turn_instr.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
