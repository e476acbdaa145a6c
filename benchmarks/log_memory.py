"""Peak memory of a long-running `openai-replay serve` whose clients stream long replies: the request
log's bounds, measured.

Each turn is a WebSocket ``response.create`` whose input the simulated model echoes back, one word a
delta (``--words`` words: that many ``response.output_text.delta`` events, and an output item that
long). The same traffic goes to one fresh server per configuration:

- ``unbounded``: ``--log-limit 0 --log-payload-limit 0 --log-event-limit 0`` (every record, whole);
- ``count only``: the request-count and payload limits, event types kept whole (``--log-event-limit 0``:
  what ``serve`` did before the per-record bounds);
- ``default``: ``serve``'s defaults (1,000 requests, 16 KiB of payload and of output, 256 event types).

It prints the server's peak and final resident memory (VmHWM, VmRSS, both read once the turns are
done and before the log is exported) and the records its log kept (``GET /__replay/requests``).
Run: ``python benchmarks/log_memory.py --turns 20000 --words 600`` (about 20 minutes a configuration
on a loaded 2-core machine; ``--only default`` runs one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
from pathlib import Path

import aiohttp
from procs import PY, free_port, stop, wait_port

CONFIGS = {
    "unbounded": ["--log-limit", "0", "--log-payload-limit", "0", "--log-event-limit", "0", "--store-limit", "100"],
    "count only": ["--log-event-limit", "0", "--store-limit", "100"],
    "default": ["--store-limit", "100"],
}


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


async def _client(url: str, turns: int, text: str) -> None:
    """``turns`` turns in a row on one socket (store: false, so only the log grows)."""
    async with aiohttp.ClientSession() as http, http.ws_connect(url, max_msg_size=0) as ws:
        for _ in range(turns):
            await ws.send_str(json.dumps({"type": "response.create", "model": "m", "store": False, "input": text}))
            while True:
                event = json.loads((await ws.receive(timeout=60)).data)
                if event["type"] in ("response.completed", "error"):
                    break
            if event["type"] != "response.completed":
                raise RuntimeError(f"a turn failed: {event}")


async def _run(flags: list[str], turns: int, words: int, clients: int) -> dict[str, float]:
    port = free_port()
    argv = [PY, "-m", "openai_replay.cli", "serve", "--port", str(port), "--no-auth", *flags]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port, proc)
        text = " ".join(f"w{n}" for n in range(words))
        share = turns // clients
        ws_url = f"ws://127.0.0.1:{port}/v1/responses"
        await asyncio.gather(*(_client(ws_url, share, text) for _ in range(clients)))
        # Sampled before the export below, whose JSON of the whole log would set the peak itself.
        peak, rss = _status_mb(proc.pid, "VmHWM"), _status_mb(proc.pid, "VmRSS")
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/__replay/requests") as answer:
            log = await answer.json()
        events = max(len(r["event_types"]) for r in log["requests"])
        return {
            "turns": share * clients,
            "peak_mb": peak,
            "rss_mb": rss,
            "kept": len(log["requests"]),
            "dropped": log["dropped"],
            "most_events": events,
        }
    finally:
        stop(proc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=20_000)
    parser.add_argument("--words", type=int, default=1000, help="words echoed back per turn (deltas per turn)")
    parser.add_argument("--clients", type=int, default=4, help="sockets sending turns at once")
    parser.add_argument("--only", choices=sorted(CONFIGS), action="append", help="run only these configurations")
    args = parser.parse_args()
    print(f"{args.turns:,} turns, {args.words:,} words echoed each, {args.clients} sockets")
    print(f"{'configuration':<12} {'peak MB':>8} {'RSS MB':>8} {'kept':>7} {'dropped':>8} {'max events':>11}")
    for name in args.only or list(CONFIGS):
        got = asyncio.run(_run(CONFIGS[name], args.turns, args.words, args.clients))
        print(
            f"{name:<12} {got['peak_mb']:>8.1f} {got['rss_mb']:>8.1f} {got['kept']:>7,.0f} {got['dropped']:>8,.0f} "
            f"{got['most_events']:>11,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
