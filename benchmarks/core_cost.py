"""Server CPU per turn and per event without sockets: openai-replay's turn path vs raw_server.py's.

One process, CPU time (time.process_time), so a busy machine disturbs it less than the socket tests.
openai-replay: what WsSession.on_text/enqueue and the lane worker do for a ``response.create``
(log.add_frame, log.add_request, openai_replay.server.turns.run_turn with the benchmark scenario,
bench_scenario.json, as `openai-replay serve --scenario` serves it), with a channel that
JSON-encodes each event the way WsChannel does and sends nothing. raw: raw_server.py's per-turn work
(json.loads of the frame, build_text_events, one cached-encoder dumps per event).

Short turns run in blocks, so a per-request cost that grows with the request log shows as a rising
figure from block to block.

Usage: python core_cost.py [--blocks 3] [--block 1000] [--long 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

import raw_server
from fixtures import LONG, SHORT
from serve_bench import bench_source


def frame(text: str) -> str:
    return json.dumps(
        {
            "type": "response.create",
            "model": "gpt-4.1",
            "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}],
        }
    )


async def openai_replay_blocks(blocks: int, block: int, long_iters: int) -> tuple[list[float], float]:
    from openai_replay import wire
    from openai_replay.config import ServerConfig
    from openai_replay.server.state import ServerState
    from openai_replay.server.turns import run_turn

    class NullChannel:
        transport = "ws"

        async def send(self, event: dict[str, Any]) -> None:
            wire.compact(wire.with_stream_id(event, None))

    state = ServerState(config=ServerConfig(require_auth=False), source=bench_source())
    conn_record = state.log.open_connection("/v1/responses", "", time.time())
    conn = state.protocol.open_connection(conn_record.id)
    channel = NullChannel()

    async def turn(data: str) -> None:
        event = json.loads(data)
        now = state.clock.time()
        state.log.add_frame(conn_record.id, now, event["type"], None, event)
        payload = {k: v for k, v in event.items() if k != "type"}
        record = state.log.add_request(
            transport="ws", payload=payload, now=now, connection=conn_record, lane=None, headers={"x-stainless-retry-count": ""}
        )
        await run_turn(state, channel, record, payload, conn)  # type: ignore[arg-type]

    short = frame("bench-short")
    per_block = []
    for _ in range(blocks):
        t0 = time.process_time()
        for _ in range(block):
            await turn(short)
        per_block.append((time.process_time() - t0) / block * 1e6)
    t0 = time.process_time()
    for _ in range(long_iters):
        await turn(frame("bench-long"))
    return per_block, (time.process_time() - t0) / max(1, long_iters * 10008) * 1e6


def raw_blocks(blocks: int, block: int, long_iters: int) -> tuple[list[float], float]:
    fixtures = [("bench-short", SHORT, 20), ("bench-long", LONG, 4)]

    def turn(data: str) -> None:
        req = json.loads(data)
        text = raw_server.last_user_text(req) or ""
        content, chunk = next((c, k) for um, c, k in fixtures if um in text)
        for e in raw_server.build_text_events(content, req.get("model") or "gpt-4", chunk):
            raw_server._dumps(e)

    short = frame("bench-short")
    per_block = []
    for _ in range(blocks):
        t0 = time.process_time()
        for _ in range(block):
            turn(short)
        per_block.append((time.process_time() - t0) / block * 1e6)
    t0 = time.process_time()
    for _ in range(long_iters):
        turn(frame("bench-long"))
    return per_block, (time.process_time() - t0) / max(1, long_iters * 10008) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--blocks", type=int, default=3)
    ap.add_argument("--block", type=int, default=1000, help="short turns per block")
    ap.add_argument("--long", type=int, default=5, help="long (10,008-event) turns")
    a = ap.parse_args()
    raw_turns, raw_event = raw_blocks(a.blocks, a.block, a.long)
    or_turns, or_event = asyncio.run(openai_replay_blocks(a.blocks, a.block, a.long))
    print(f"CPU per short turn (10 events), blocks of {a.block} turns; openai-replay's request log grows by a block each time")
    for i, (o, r) in enumerate(zip(or_turns, raw_turns, strict=True)):
        print(
            f"  block {i + 1} (log {i * a.block:>6,}..{(i + 1) * a.block:>6,} requests): "
            f"openai-replay {o:7.0f} us   raw {r:5.0f} us   ratio {o / r:5.2f}"
        )
    if a.long:
        print(
            f"CPU per event of a 10,008-event turn (after the short turns): openai-replay {or_event:.1f} us   "
            f"raw {raw_event:.1f} us   ratio {or_event / raw_event:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
