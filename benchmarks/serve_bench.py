"""Run openai-replay's fake server on the benchmark scenario (or a cassette), until SIGTERM or Ctrl-C.

The same server `openai-replay serve --no-auth --scenario benchmarks/bench_scenario.json` runs (the
default server in run.py), built in-process so it can run under cProfile and take benchmark-only
switches: `FakeServer` with `load_scenario(bench_scenario.json)` as its source and the CLI's
defaults otherwise. The scenario answers ``bench-long`` with 10,000 x 4-character deltas (10,008
events) and ``bench-short`` with 2 deltas (10 events); anything else fails (``unmatched: fail``).
Used by profile_server.py (whose profiles then measure the headline path) and by core_cost.py
(`bench_source`).

Usage: python serve_bench.py --port N [--seed S] [--no-obfuscation] [--scenario FILE | --cassette FILE]
                             [--cprofile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import sys
import time

from openai_replay.cli.serve import serve_until_stopped
from openai_replay.config import ServerConfig
from openai_replay.scenarios import Scenario, load_scenario
from openai_replay.server.server import FakeServer
from openai_replay.source import Source

SCENARIO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_scenario.json")


def bench_source(path: str = SCENARIO) -> Scenario:
    """The benchmark scenario, loaded as `openai-replay serve --scenario FILE` loads it."""
    return load_scenario(path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost", "::1"], help="loopback only")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seed", type=int, default=None, help="as `openai-replay serve --seed` (default: none, like the CLI)")
    ap.add_argument("--no-obfuscation", action="store_true", help="ServerConfig(obfuscation=False): no padding on deltas")
    what = ap.add_mutually_exclusive_group()
    what.add_argument("--scenario", default=SCENARIO, help="scenario file to serve (default: bench_scenario.json here)")
    what.add_argument("--cassette", default=None, help="replay this cassette at speed 0 instead (as `serve --cassette`)")
    ap.add_argument("--cprofile", metavar="FILE", help="profile the whole server with cProfile; stats written on exit")
    a = ap.parse_args()
    # `openai-replay serve --no-auth` defaults otherwise
    config = ServerConfig(require_auth=False, seed=a.seed, obfuscation=not a.no_obfuscation)
    source: Source
    if a.cassette:
        from openai_replay.cassette import CassetteReplay

        source = CassetteReplay(a.cassette, speed=0)
    else:
        source = bench_source(a.scenario)
    server = FakeServer(host=a.host, port=a.port, config=config, source=source)
    # the CPU clock: waits in epoll and a loaded machine's run queue do not count
    profiler = cProfile.Profile(time.process_time) if a.cprofile else None
    if profiler is not None:
        profiler.enable()
    try:
        asyncio.run(serve_until_stopped(server))
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(a.cprofile)
    return 0


if __name__ == "__main__":
    sys.exit(main())
