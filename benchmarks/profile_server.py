"""Profile openai-replay's server (serve_bench.py: the benchmark scenario, as run.py serves it) on one workload.

Starts serve_bench.py on a free 127.0.0.1 port, drives it with the minimal socket client (long
streams) or the aiohttp client (short turns), stops it with SIGTERM and prints the top functions
by own time and by inclusive time.

  --sampler cprofile (default): the server runs under cProfile; the table also gives calls per
      event, so hot spots read "per event". cProfile inflates small, frequent Python calls: trust
      the ranking and the call counts more than the percentages.
  --sampler py-spy: `py-spy record` samples the server (pip install py-spy); percentages of the
      server's busy time without cProfile's per-call overhead, no call counts. (py-spy pauses the
      server for each sample; --nonblocking would not, but then stacks come out torn.)

  --workload cassette --cassette FILE: the server replays FILE (a conversation recorded by
      `cassette_bench.py record-chat`) at speed 0 and the client drives its turns on one connection,
      as cassette_bench.py's cassette_replay does.

Usage: python profile_server.py [--workload ws_long|sse_long|ws_turns|cassette] [--sampler cprofile|py-spy]
                                [--iters N] [--top 30] [--seed S] [--cassette FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import pstats
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import fastclient  # noqa: E402
from procs import free_port, wait_port  # noqa: E402


def drive(workload: str, port: int, iters: int) -> int:
    """Run the workload; returns the number of events the server sent."""
    if workload == "cassette":
        import cassette_client

        r = asyncio.run(cassette_client.drive(f"ws://127.0.0.1:{port}/v1/responses", iters, cassette_client.chat_frame))
        if r["errors"]:
            raise SystemExit(f"the replay failed: {r['error_samples']}")
        return int(r["events_total"])
    if workload in ("ws_long", "sse_long"):
        if workload == "sse_long":
            fastclient.sse_long(port, iters, 0)
            return fastclient.EVENTS * iters
        tail = fastclient.ws_long(port, 0, 0)
        fastclient.ws_long(port, iters, 0, tail)
        return fastclient.EVENTS * (iters + 1)  # + the response that learned the tail

    async def turns() -> None:
        async with aiohttp.ClientSession() as sess:
            await bench.t_ws_turns(sess, f"ws://127.0.0.1:{port}/v1/responses", 0, iters)

    asyncio.run(turns())
    return 10 * iters


def short(path: str) -> str:
    root = os.path.dirname(HERE)
    return os.path.relpath(path, root) if path.startswith(root) else path.replace(sys.prefix, "<venv>")


def report_cprofile(prof: str, events: int, top: int) -> None:
    stats = pstats.Stats(prof)
    total = stats.total_tt  # type: ignore[attr-defined]
    print(f"profiled CPU {total:.2f} s = {total / events * 1e6:.1f} us/event (cProfile-inflated)\n")
    rows = []
    for (path, line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append((tottime, cumtime, ncalls, f"{short(path)}:{line}:{name}"))
    for title, key in (("own time", 0), ("cumulative time", 1)):
        print(f"top {top} by {title}:  own%   cum%  calls/event  function")
        for r in sorted(rows, key=lambda r: r[key], reverse=True)[:top]:
            print(f"  {r[0] / total * 100:6.1f} {r[1] / total * 100:6.1f} {r[2] / events:11.2f}  {r[3]}")
        print()


def report_collapsed(path: str, top: int) -> None:
    """py-spy's raw format: one 'frame;frame;...;leaf COUNT' line per distinct stack."""
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [short(fr) for fr in stack.split(";")]
            total += n
            own[frames[-1]] += n
            for fr in set(frames):
                incl[fr] += n
    print(f"{total} samples of busy time (idle excluded)\n")
    for title, counter in (("own time", own), ("inclusive time", incl)):
        print(f"top {top} by {title}:  own%  incl%  function (file:line)")
        for fr, _ in counter.most_common(top):
            print(f"  {own[fr] / total * 100:6.1f} {incl[fr] / total * 100:6.1f}  {fr}")
        print()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", choices=["ws_long", "sse_long", "ws_turns", "cassette"], default="ws_long")
    ap.add_argument("--cassette", default="", help="for --workload cassette: the recorded conversation to replay")
    ap.add_argument("--iters", type=int, default=0, help="long responses (default 5) or short turns (default 1000)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--seed", type=int, default=None, help="pass --seed to the server (seeded ids and padding)")
    ap.add_argument("--sampler", choices=["cprofile", "py-spy"], default="cprofile")
    ap.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    ap.add_argument("--out", default="", help="keep the .prof (cProfile) or collapsed-stacks (py-spy) file here")
    a = ap.parse_args()
    if a.workload == "cassette":
        if not a.cassette:
            ap.error("--workload cassette needs --cassette FILE (record one: cassette_bench.py record-chat --out FILE)")
        from cassette_bench import recorded_events_per_turn

        iters = len(recorded_events_per_turn(a.cassette))
    else:
        iters = a.iters or (1000 if a.workload == "ws_turns" else 5)
    ext = "prof" if a.sampler == "cprofile" else "txt"
    prof = a.out or os.path.join(tempfile.mkdtemp(prefix="orbench-"), f"{a.workload}.{ext}")
    port = free_port()
    cmd = [sys.executable, os.path.join(HERE, "serve_bench.py"), "--port", str(port)]
    if a.sampler == "cprofile":
        cmd += ["--cprofile", prof]
    if a.seed is not None:
        cmd += ["--seed", str(a.seed)]
    if a.workload == "cassette":
        cmd += ["--cassette", os.path.abspath(a.cassette)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    spy = None
    try:
        wait_port(port, proc)
        if a.sampler == "py-spy":
            exe = shutil.which("py-spy", path=os.path.dirname(sys.executable)) or shutil.which("py-spy")
            if exe is None:
                raise SystemExit("py-spy not found: pip install py-spy")
            spy = subprocess.Popen(
                [exe, "record", "--pid", str(proc.pid), "--rate", str(a.rate), "--format", "raw", "--function", "-o", prof],
                stdout=subprocess.DEVNULL,
            )
            time.sleep(1.0)  # let py-spy attach
        t0 = time.perf_counter()
        events = drive(a.workload, port, iters)
        wall = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
        proc.wait(30)
        if spy is not None:
            spy.wait(60)
    print(f"{a.workload}: {events} events in {wall:.2f} s under {a.sampler}; output in {prof}")
    if a.sampler == "cprofile":
        report_cprofile(prof, events, a.top)
    else:
        report_collapsed(prof, a.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
