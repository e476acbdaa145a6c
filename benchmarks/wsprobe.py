"""Print the frames of one short WS turn and per-type counts and sizes of one long turn.

Copied from shared/peer-bench/wsprobe.py (reformatted). Use it to check that a server answers the
benchmark inputs with the expected events before comparing it.

Usage: python wsprobe.py PORT [--sse]
"""

import asyncio
import json
import sys

import aiohttp
from bench import create_msg, post_body


async def main(port):
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(f"ws://127.0.0.1:{port}/v1/responses", max_msg_size=0) as ws:
            for text in ("bench-short", "bench-long"):
                await ws.send_str(create_msg(text))
                n = 0
                per = {}
                while True:
                    m = await ws.receive()
                    assert m.type == aiohttp.WSMsgType.TEXT, m
                    ev = json.loads(m.data)
                    n += 1
                    size = len(m.data.encode())
                    c = per.setdefault(ev["type"], [0, 0, 0])
                    c[0] += 1
                    c[1] += size
                    c[2] = max(c[2], size)
                    if text == "bench-short":
                        print("  " + m.data)
                    if ev["type"] in ("response.completed", "error"):
                        break
                print(f"{text}: {n} frames, {sum(v[1] for v in per.values())} payload bytes")
                for t, (k, b, mx) in per.items():
                    print(f"    {t:40s} x{k:<6d} total {b:>8d} B  max {mx} B")
        if "--sse" in sys.argv:
            async with s.post(
                f"http://127.0.0.1:{port}/v1/responses",
                data=post_body("bench-short"),
                headers={"Content-Type": "application/json"},
            ) as r:
                print("SSE short headers:", dict(r.headers))
                print((await r.read()).decode()[:400] + " ...")


asyncio.run(main(int(sys.argv[1])))
