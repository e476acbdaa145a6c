"""Minimal-cost client for the long-stream tests (server-bound throughput).

Copied from shared/peer-bench/fastclient.py. Change: the byte tail that ends a WS response is
learned in the warm-up (read until the connection goes quiet, keep the last bytes) instead of being
aimock's fixed ``"total_tokens":0}}}``, because openai-replay's ``response.completed`` ends with
``"sequence_number":10007}``.

The aiohttp client in bench.py costs ~4-7 us of client CPU per event, and on a
2-core box the client and the server compete for the same cores, so the
events/s there is a client+server number. This client uses a blocking socket,
does no WebSocket frame parsing and no SSE/JSON parsing: it sends the request
and recv()s into a 1 MiB buffer until the byte stream ends with the tail of
the response.completed event (WS) or the chunked-encoding terminator (SSE).
The event count per response (10,008) was verified by bench.py's full client.

  ws_long_fast   one WS connection, ITERS x response.create("bench-long")
  sse_long_fast  one keep-alive HTTP/1.1 connection, ITERS x POST stream:true

Usage: python fastclient.py --port P [--server-pid PID] [--label L] [--out f.json]
"""

import argparse
import base64
import json
import os
import socket
import statistics
import time

from bench import Meter, create_msg, post_body, proc_mem

EVENTS = 10008
SSE_TAIL = b"0\r\n\r\n"
TAIL_LEN = 24
_BUF = bytearray(1 << 20)


def ws_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        hdr = bytes([0x81, 0x80 | n])
    elif n < 65536:
        hdr = bytes([0x81, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([0x81, 0x80 | 127]) + n.to_bytes(8, "big")
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return hdr + mask + masked


def read_until(s, tail):
    """recv until the stream ends with `tail`; returns (bytes, t_first)."""
    view = memoryview(_BUF)
    total = 0
    last = b""
    tfirst = None
    while True:
        n = s.recv_into(view)
        if n == 0:
            raise RuntimeError("connection closed")
        if tfirst is None:
            tfirst = time.perf_counter()
        total += n
        last = (last + bytes(view[max(0, n - 64) : n]))[-64:]
        if last.endswith(tail):
            return total, tfirst


def learn_tail(s, request, quiet=0.3):
    """Send `request`, read until nothing arrives for `quiet` s; return the last TAIL_LEN bytes."""
    s.sendall(request)
    last = b""
    s.settimeout(quiet)
    try:
        while True:
            try:
                chunk = s.recv(1 << 20)
            except TimeoutError:
                break
            if not chunk:
                raise RuntimeError("connection closed")
            last = (last + chunk)[-TAIL_LEN:]
    finally:
        s.settimeout(None)
    if len(last) < TAIL_LEN:
        raise RuntimeError("no response")
    return last


def ws_long(port, iters, pid, tail=None):
    """One WS connection, `iters` long responses; with tail=None it only learns and returns the tail."""
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(
        (
            f"GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    hdr = b""
    while b"\r\n\r\n" not in hdr:
        hdr += s.recv(4096)
    assert hdr.startswith(b"HTTP/1.1 101"), hdr[:200]
    assert hdr.endswith(b"\r\n\r\n"), "unexpected bytes after 101"
    frame = ws_frame(create_msg("bench-long").encode())
    if tail is None:
        tail = learn_tail(s, frame)
        s.close()
        return tail
    res = []
    with Meter(pid) as m:
        for _ in range(iters):
            t0 = time.perf_counter()
            s.sendall(frame)
            nbytes, tf = read_until(s, tail)
            res.append((time.perf_counter() - t0, tf - t0, nbytes))
    s.close()
    return summarize(res, m, iters)


def sse_long(port, iters, pid):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = post_body("bench-long")
    req = (
        f"POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    ).encode() + body
    res = []
    with Meter(pid) as m:
        for _ in range(iters):
            t0 = time.perf_counter()
            s.sendall(req)
            nbytes, tf = read_until(s, SSE_TAIL)
            res.append((time.perf_counter() - t0, tf - t0, nbytes))
    s.close()
    return summarize(res, m, iters)


def summarize(res, m, iters):
    return {
        "iters": iters,
        "events_per_response": EVENTS,
        "bytes_on_wire_per_response": res[0][2],
        "events_per_s_median": statistics.median(EVENTS / r[0] for r in res),
        "events_per_s_max": max(EVENTS / r[0] for r in res),
        "events_per_s_min": min(EVENTS / r[0] for r in res),
        "ms_per_response_median": statistics.median(r[0] for r in res) * 1e3,
        "ttfe_ms_median": statistics.median(r[1] for r in res) * 1e3,
        "server_cpu_us_per_event": m.server_cpu / (EVENTS * iters) * 1e6,
        "client_cpu_us_per_event": m.client_cpu / (EVENTS * iters) * 1e6,
        "wall_s": m.wall,
        "server_cpu_s": m.server_cpu,
        "client_cpu_s": m.client_cpu,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--server-pid", type=int, default=0)
    ap.add_argument("--label", default="")
    ap.add_argument("--long-iters", type=int, default=10)
    ap.add_argument("--out", default="")
    a = ap.parse_args()
    pid = a.server_pid
    out = {"label": a.label, "mem_start_kB": proc_mem(pid), "tests": {}}
    tail = ws_long(a.port, 0, pid)  # learn the end of a WS response
    out["ws_tail"] = tail.decode(errors="replace")
    ws_long(a.port, 3, pid, tail)  # warmup
    sse_long(a.port, 3, pid)
    runs = (
        ("ws_long_fast", lambda: ws_long(a.port, a.long_iters, pid, tail)),
        ("sse_long_fast", lambda: sse_long(a.port, a.long_iters, pid)),
    )
    for name, fn in runs:
        r = fn()
        out["tests"][name] = r
        print(
            f"[{a.label}] {name}: " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in r.items()),
            flush=True,
        )
    out["mem_end_kB"] = proc_mem(pid)
    if a.out:
        with open(a.out, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
