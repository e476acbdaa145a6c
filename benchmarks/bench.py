"""Benchmark client: OpenAI Responses API streaming over WebSocket and HTTP SSE.

Copied from shared/peer-bench/bench.py (the aimock vs raw aiohttp peer benchmark); the tests and
their measurement are unchanged, so figures stay comparable with that folder's.

Runs against any server that speaks the Responses wire format on 127.0.0.1 (openai-replay via
serve_bench.py, aimock, or raw_server.py). One run = one "rep"; the orchestrator (run.py) calls
this once per server and rep and takes medians.

Tests (names used in the JSON output):
  ws_long          one WS connection, ITERS x response.create("bench-long"),
                   10,008 events each (10,000 output_text.delta); events/s from
                   send -> response.completed; every frame json.loads()'d
  ws_long_noparse  same, but the client does not json-parse frames (only checks
                   the frame prefix for the terminal event) -> less client-bound
  ws_turns         one WS connection, TURNS sequential short turns
                   (10 events each); p50/p99 send -> response.completed
  sse_long         POST /v1/responses stream:true "bench-long", SSE parsed
                   (split on blank line, json.loads of each data: line)
  sse_long_noparse same, counting "\n\n"-terminated blocks only
  conc             CONC concurrent WS connections, each connects and does
                   CONC_TURNS short turns; wall time, errors, per-turn p50/p99
  conc_big         the same with CONC_BIG connections (default 1,000 x 5); the
                   client opens them all at once (no connector limit), each
                   with a 30 s connect timeout and a --conc-timeout deadline;
                   every failure is counted in "errors", never raised

Server-side cost: if --server-pid is given, the server's CPU time
(utime+stime of all its threads, /proc/PID/stat) is sampled around each test,
and VmRSS/VmHWM are read from /proc/PID/status.

Usage: python bench.py --port P [--server-pid PID] [--label L] [--out f.json]
"""

import argparse
import asyncio
import json
import math
import os
import resource
import statistics
import sys
import time

import aiohttp

TEXT = aiohttp.WSMsgType.TEXT
CLK = os.sysconf("SC_CLK_TCK")
TERMINAL = ("response.completed", "response.failed", "response.incomplete", "error")
TERM_PREFIX = '{"type":"response.completed"'


def create_msg(text, model="gpt-4.1"):
    return json.dumps(
        {
            "type": "response.create",
            "model": model,
            "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}],
        }
    )


def post_body(text, model="gpt-4.1"):
    return json.dumps(
        {
            "model": model,
            "stream": True,
            "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}],
        }
    ).encode()


def proc_cpu(pid):
    if not pid:
        return 0.0
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / CLK  # utime, stime (fields 14, 15)


def proc_mem(pid):
    out = {}
    if not pid:
        return out
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":")
                out[k] = int(v.split()[0])  # kB
    return out


def raise_nofile(want=20000):
    """Lift the soft open-files limit towards the hard one: conc_big needs a socket per connection."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def pct(xs, p):
    s = sorted(xs)
    return s[max(0, math.ceil(p * len(s)) - 1)]


async def ws_turn(ws, payload, parse=True):
    """Send one response.create; read until terminal. Returns dict."""
    t0 = time.perf_counter()
    await ws.send_str(payload)
    n = nbytes = ndelta = 0
    tfirst = None
    while True:
        msg = await ws.receive()
        if msg.type is not TEXT:
            raise RuntimeError(f"unexpected ws message {msg.type} {msg.data!r} {msg.extra!r}")
        if tfirst is None:
            tfirst = time.perf_counter()
        data = msg.data
        n += 1
        nbytes += len(data)
        if parse:
            t = json.loads(data)["type"]
            if t == "response.output_text.delta":
                ndelta += 1
            elif t in TERMINAL:
                if t != "response.completed":
                    raise RuntimeError(f"terminal {t}: {data[:300]}")
                break
        else:
            if data.startswith(TERM_PREFIX):
                break
            if data.startswith('{"type":"error"'):
                raise RuntimeError(data[:300])
    t1 = time.perf_counter()
    return {"dt": t1 - t0, "ttfe": tfirst - t0, "events": n, "bytes": nbytes, "deltas": ndelta}


class Meter:
    """Samples wall, client CPU and server CPU around a test."""

    def __init__(self, pid):
        self.pid = pid

    def __enter__(self):
        self.w0 = time.perf_counter()
        self.c0 = time.process_time()
        self.s0 = proc_cpu(self.pid)
        return self

    def __exit__(self, *a):
        self.wall = time.perf_counter() - self.w0
        self.client_cpu = time.process_time() - self.c0
        self.server_cpu = proc_cpu(self.pid) - self.s0


def long_summary(res, m, iters):
    """The figures of a long-stream test (WS or SSE) from its per-response results."""
    tot_events = sum(r["events"] for r in res)
    rates = [r["events"] / r["dt"] for r in res]
    return {
        "iters": iters,
        "events_per_response": res[0]["events"],
        "deltas_per_response": res[0]["deltas"],
        "bytes_per_response": res[0]["bytes"],
        "events_per_s_median": statistics.median(rates),
        "events_per_s_max": max(rates),
        "events_per_s_min": min(rates),
        "ms_per_response_median": statistics.median(r["dt"] for r in res) * 1e3,
        "ttfe_ms_median": statistics.median(r["ttfe"] for r in res) * 1e3,
        "MB_per_s_median": statistics.median(r["bytes"] / r["dt"] for r in res) / 1e6,
        "server_cpu_us_per_event": m.server_cpu / tot_events * 1e6,
        "client_cpu_us_per_event": m.client_cpu / tot_events * 1e6,
        "wall_s": m.wall,
        "server_cpu_s": m.server_cpu,
        "client_cpu_s": m.client_cpu,
    }


async def t_ws_long(sess, url, pid, iters, parse):
    res = []
    payload = create_msg("bench-long")
    async with sess.ws_connect(url, max_msg_size=0) as ws:
        with Meter(pid) as m:
            for _ in range(iters):
                res.append(await ws_turn(ws, payload, parse))
    return long_summary(res, m, iters)


async def t_ws_turns(sess, url, pid, turns):
    payload = create_msg("bench-short")
    lats, evs, ttfes = [], [], []
    async with sess.ws_connect(url, max_msg_size=0) as ws:
        with Meter(pid) as m:
            for _ in range(turns):
                r = await ws_turn(ws, payload, True)
                lats.append(r["dt"])
                ttfes.append(r["ttfe"])
                evs.append(r["events"])
    return {
        "turns": turns,
        "events_per_turn": statistics.median(evs),
        "events_per_turn_min": min(evs),
        "events_per_turn_max": max(evs),
        "p50_ms": pct(lats, 0.50) * 1e3,
        "p90_ms": pct(lats, 0.90) * 1e3,
        "p99_ms": pct(lats, 0.99) * 1e3,
        "max_ms": max(lats) * 1e3,
        "mean_ms": statistics.fmean(lats) * 1e3,
        "ttfe_p50_ms": pct(ttfes, 0.50) * 1e3,
        "turns_per_s": turns / m.wall,
        "server_cpu_us_per_turn": m.server_cpu / turns * 1e6,
        "client_cpu_us_per_turn": m.client_cpu / turns * 1e6,
        "wall_s": m.wall,
        "server_cpu_s": m.server_cpu,
        "client_cpu_s": m.client_cpu,
    }


async def sse_once(sess, url, body, parse):
    t0 = time.perf_counter()
    n = nbytes = ndelta = 0
    tfirst = tterm = None
    buf = b""
    async with sess.post(url, data=body, headers={"Content-Type": "application/json"}) as resp:
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}: {(await resp.text())[:300]}")
        async for chunk in resp.content.iter_any():
            if tfirst is None:
                tfirst = time.perf_counter()
            nbytes += len(chunk)
            buf += chunk
            parts = buf.split(b"\n\n")
            buf = parts.pop()
            for block in parts:
                if not block:
                    continue
                n += 1
                if parse:
                    data = None
                    for line in block.split(b"\n"):
                        if line.startswith(b"data:"):
                            data = line[5:].lstrip()
                    if data is None or data == b"[DONE]":
                        continue
                    t = json.loads(data)["type"]
                    if t == "response.output_text.delta":
                        ndelta += 1
                    elif t == "response.completed":
                        tterm = time.perf_counter()
                    elif t in TERMINAL:
                        raise RuntimeError(f"terminal {t}")
                else:
                    if block.startswith(b"event: response.completed"):
                        tterm = time.perf_counter()
    tend = time.perf_counter()
    if tterm is None:
        raise RuntimeError("SSE stream ended without response.completed")
    return {"dt": tterm - t0, "dt_eof": tend - t0, "ttfe": tfirst - t0, "events": n, "bytes": nbytes, "deltas": ndelta}


async def t_sse_long(sess, base, pid, iters, parse):
    url = base + "/v1/responses"
    body = post_body("bench-long")
    res = []
    with Meter(pid) as m:
        for _ in range(iters):
            res.append(await sse_once(sess, url, body, parse))
    return long_summary(res, m, iters)


async def t_conc(url, pid, nconn, nturns, timeout=120.0):
    """NCONN WS connections at once, each NTURNS short turns. Every failure is counted, never raised:
    a connection that cannot connect within 30 s, errs, or is not done TIMEOUT s after the start
    counts as one error (its finished turns still count)."""
    payload = create_msg("bench-short")
    lats, connect_s, errors = [], [], []
    evs = [0]
    # limit=0: no cap on simultaneous connections (aiohttp's default is 100, which would queue
    # 900 of 1,000 connections behind the first 100 and measure the client, not the server).
    conn = aiohttp.TCPConnector(limit=0, limit_per_host=0, force_close=False)
    ctimeout = aiohttp.ClientTimeout(total=None, connect=30, sock_connect=30)
    async with aiohttp.ClientSession(connector=conn, timeout=ctimeout) as sess:

        async def one(i):
            c0 = time.perf_counter()
            ws = await sess.ws_connect(url, max_msg_size=0, autoping=True)
            connect_s.append(time.perf_counter() - c0)
            try:
                for _ in range(nturns):
                    r = await ws_turn(ws, payload, True)
                    lats.append(r["dt"])
                    evs[0] += r["events"]
            finally:
                await ws.close()

        async def bounded(i):
            try:
                await asyncio.wait_for(one(i), timeout)
            except asyncio.TimeoutError:
                errors.append(f"TimeoutError: connection {i} not done after {timeout:g} s")
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")

        with Meter(pid) as m:
            await asyncio.gather(*(bounded(i) for i in range(nconn)))
    kinds = {}
    for e in errors:
        kind = e.split(":", 1)[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return {
        "connections": nconn,
        "turns_per_conn": nturns,
        "turns_ok": len(lats),
        "connections_opened": len(connect_s),
        "errors": len(errors),
        "error_kinds": kinds,
        "error_samples": errors[:5],
        "events_total": evs[0],
        "wall_s": m.wall,
        "turns_per_s": len(lats) / m.wall,
        "events_per_s": evs[0] / m.wall,
        "turn_p50_ms": pct(lats, 0.5) * 1e3 if lats else None,
        "turn_p99_ms": pct(lats, 0.99) * 1e3 if lats else None,
        "connect_p50_ms": pct(connect_s, 0.5) * 1e3 if connect_s else None,
        "connect_p99_ms": pct(connect_s, 0.99) * 1e3 if connect_s else None,
        "connect_max_ms": max(connect_s) * 1e3 if connect_s else None,
        "server_cpu_s": m.server_cpu,
        "client_cpu_s": m.client_cpu,
    }


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--label", default="")
    ap.add_argument("--long-iters", type=int, default=10)
    ap.add_argument("--turns", type=int, default=1000)
    ap.add_argument("--conc", type=int, default=200)
    ap.add_argument("--conc-turns", type=int, default=5)
    ap.add_argument("--conc-big", type=int, default=1000, help="connections in conc_big")
    ap.add_argument("--conc-big-turns", type=int, default=5)
    ap.add_argument(
        "--conc-timeout",
        type=float,
        default=120.0,
        help="seconds a conc/conc_big connection may take in all before it counts as an error",
    )
    ap.add_argument("--tests", default="ws_long,ws_long_noparse,ws_turns,sse_long,sse_long_noparse,conc,conc_big")
    ap.add_argument("--no-warmup", action="store_true")
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    raise_nofile()
    base = f"http://127.0.0.1:{a.port}"
    wsurl = f"ws://127.0.0.1:{a.port}/v1/responses"
    pid = a.server_pid
    out = {
        "label": a.label,
        "port": a.port,
        "server_pid": pid,
        "mem_start_kB": proc_mem(pid),
        "python": sys.version.split()[0],
        "aiohttp": aiohttp.__version__,
        "tests": {},
    }
    tests = a.tests.split(",")
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as sess:
        if not a.no_warmup:
            with Meter(pid) as m:
                await t_ws_long(sess, wsurl, pid, 2, True)
                await t_sse_long(sess, base, pid, 2, True)
                await t_ws_turns(sess, wsurl, pid, 200)
            out["warmup_s"] = m.wall
            out["mem_after_warmup_kB"] = proc_mem(pid)
        for t in tests:
            if t == "ws_long":
                r = await t_ws_long(sess, wsurl, pid, a.long_iters, True)
            elif t == "ws_long_noparse":
                r = await t_ws_long(sess, wsurl, pid, a.long_iters, False)
            elif t == "ws_turns":
                r = await t_ws_turns(sess, wsurl, pid, a.turns)
            elif t == "sse_long":
                r = await t_sse_long(sess, base, pid, a.long_iters, True)
            elif t == "sse_long_noparse":
                r = await t_sse_long(sess, base, pid, a.long_iters, False)
            elif t == "conc":
                r = await t_conc(wsurl, pid, a.conc, a.conc_turns, a.conc_timeout)
            elif t == "conc_big":
                r = await t_conc(wsurl, pid, a.conc_big, a.conc_big_turns, a.conc_timeout)
            else:
                raise SystemExit(f"unknown test {t}")
            out["tests"][t] = r
            print(
                f"[{a.label}] {t}: "
                + ", ".join(
                    f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                    for k, v in r.items()
                    if k not in ("error_samples", "error_kinds")
                ),
                flush=True,
            )
    out["mem_end_kB"] = proc_mem(pid)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == "__main__":
    asyncio.run(main())
