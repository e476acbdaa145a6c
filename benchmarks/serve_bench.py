"""Run openai-replay's fake server with a benchmark-only source, until SIGTERM or Ctrl-C.

`BenchSource` answers the two benchmark inputs (see fixtures.py) through the server's normal path:
validation, protocol rules, the request log, `ResponseBuilder` (spec-complete events with
``sequence_number``, ``logprobs``, ``obfuscation`` and usage) and the WebSocket/SSE transports. Only
the reply text and the delta size differ from the simulated model, which answers ``You said: ...``
word by word. Any other input gets the simulated model's answer.

--what-if applies candidate speed-ups by monkeypatching, to measure them before anyone edits the
server (benchmark-only; never used for the headline figures):
  fast-ids  ids and obfuscation padding from a `random.Random` (seeded from os.urandom when no --seed)
            with one `choices(k=n)` call, instead of `SystemRandom.choice` per character
            (one os.urandom syscall per character)
  encoder   `wire.compact` through one cached `json.JSONEncoder` instead of `json.dumps(**kwargs)`,
            which builds a new encoder per event (same bytes)

Usage: python serve_bench.py --port N [--seed S] [--no-obfuscation] [--what-if fast-ids,encoder] [--cprofile FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import random
import sys
from collections.abc import Iterator
from typing import Any

from fixtures import REPLIES  # benchmarks/fixtures.py (this script's folder is on sys.path)

from fake_server.serve import serve_until_stopped
from fake_server.server import FakeServer
from openai_replay.config import ServerConfig
from openai_replay.items import last_user_text
from openai_replay.simulated import SimulatedModel, paced
from openai_replay.source import Turn
from openai_replay.steps import Step


class BenchSource:
    """``bench-long``: 10,000 x 4-character deltas (10,008 events); ``bench-short``: 2 deltas (10 events)."""

    def __init__(self) -> None:
        self.fallback = SimulatedModel()

    def plan(self, turn: Turn) -> Iterator[Step]:
        text = last_user_text(turn.context) or ""
        for key, (reply, chunk) in REPLIES.items():
            if key in text:
                return paced(self.events(turn, reply, chunk), turn.config.event_delay)
        return self.fallback.plan(turn)

    def events(self, turn: Turn, reply: str, chunk: int) -> Iterator[dict[str, Any]]:
        b = turn.builder
        yield b.created()
        yield b.in_progress()
        yield from b.message(reply, chunk)
        yield b.completed()


def what_if_fast_ids() -> None:
    from openai_replay import ids

    original_init = ids.IdFactory.__init__

    def __init__(self: ids.IdFactory, seed: int | None = None) -> None:
        original_init(self, seed)
        if seed is None:
            self._rng = random.Random()  # seeded from os.urandom once

    def _hex(self: ids.IdFactory, n: int) -> str:
        with self._lock:
            return "".join(self._rng.choices("0123456789abcdef", k=n))

    def _alnum(self: ids.IdFactory, n: int) -> str:
        with self._lock:
            return "".join(self._rng.choices(ids._ALNUM, k=n))

    ids.IdFactory.__init__ = __init__  # type: ignore[method-assign]
    ids.IdFactory._hex = _hex  # type: ignore[method-assign]
    ids.IdFactory._alnum = _alnum  # type: ignore[method-assign]


def what_if_encoder() -> None:
    import fake_server.http
    import fake_server.websocket
    from openai_replay import wire

    compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    for module in (wire, fake_server.http, fake_server.websocket):
        module.compact = compact  # type: ignore[attr-defined]


WHAT_IF = {"fast-ids": what_if_fast_ids, "encoder": what_if_encoder}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1", choices=["127.0.0.1", "localhost", "::1"], help="loopback only")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--seed", type=int, default=None, help="as `openai-replay serve --seed` (default: none, like the CLI)")
    ap.add_argument("--no-obfuscation", action="store_true", help="ServerConfig(obfuscation=False): no padding on deltas")
    ap.add_argument("--what-if", default="", help=f"comma-separated monkeypatches: {', '.join(WHAT_IF)}")
    ap.add_argument("--cprofile", metavar="FILE", help="profile the whole server with cProfile; stats written on exit")
    a = ap.parse_args()
    for name in filter(None, a.what_if.split(",")):
        if name not in WHAT_IF:
            ap.error(f"unknown --what-if {name!r}; known: {', '.join(WHAT_IF)}")
        WHAT_IF[name]()
    # `openai-replay serve --no-auth` defaults otherwise
    config = ServerConfig(require_auth=False, seed=a.seed, obfuscation=not a.no_obfuscation)
    server = FakeServer(host=a.host, port=a.port, config=config, source=BenchSource())
    profiler = cProfile.Profile() if a.cprofile else None
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
