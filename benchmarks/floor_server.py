"""The I/O floor of an aiohttp server for a short turn: no parsing, no building, no encoding.

`turn_instr.py --servers floor` counts what this costs per turn: aiohttp's WebSocket reader hands
over each client frame, and the server answers with the same ten frames, bytes made once at start-up
(raw_server.py's ``bench-short`` events, encoded as it encodes them), in one transport write; over
SSE, aiohttp reads the body and answers with the same ten events in one response. Whatever a real
turn does on top of this (parse, validate, log, match, build, encode) is the turn's own work; issue
27 compares that with raw_server.py's (benchmarks/README.md).

Usage: python floor_server.py PORT [--fixtures results/fixtures/bench.json]
"""

from __future__ import annotations

import argparse
import os
import struct

from aiohttp import WSMsgType, web
from raw_server import _dumps, build_text_events, load_fixtures


def frames(events: list[dict[str, object]]) -> bytes:
    """Unmasked server text frames (RFC 6455 5.2), one per event."""
    out = b""
    for event in events:
        data = _dumps(event).encode()
        n = len(data)
        out += (bytes((0x81, n)) if n < 126 else struct.pack("!BBH", 0x81, 126, n)) + data
    return out


def make_app(fixtures: list[tuple[str, str, int]]) -> web.Application:
    short = next(content for match, content, _ in fixtures if match == "bench-short")
    chunk = next(size for match, _, size in fixtures if match == "bench-short")
    events = build_text_events(short, "gpt-4.1", chunk)
    ws_blob = frames(events)
    sse_blob = "".join("event: " + str(e["type"]) + "\ndata: " + _dumps(e) + "\n\n" for e in events).encode()

    async def ws_handler(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        transport = request.transport
        async for msg in ws:
            if msg.type == WSMsgType.TEXT and transport is not None:
                transport.write(ws_blob)
        return ws

    async def post_handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        return web.Response(body=sse_blob, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})

    app = web.Application()
    app.router.add_get("/v1/responses", ws_handler)
    app.router.add_post("/v1/responses", post_handler)
    return app


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--fixtures", default=os.path.join(here, "results", "fixtures", "bench.json"))
    a = ap.parse_args()
    web.run_app(make_app(load_fixtures(a.fixtures)), host="127.0.0.1", port=a.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
