"""The two benchmark replies, shared by every server in the comparison.

bench-short : 32-character reply in 20-character deltas -> 2 output_text.delta, 10 events a turn
bench-long  : 40,000-character reply in 4-character deltas -> 10,000 output_text.delta, 10,008 events

aimock reads them from ``bench.json`` (written by `write_fixtures`); raw_server.py reads the same file;
serve_bench.py (openai-replay) imports `REPLIES`. Adapted from shared/peer-bench/gen_fixtures.py.

Usage: python fixtures.py [OUTDIR]     (default: results/fixtures)
"""

from __future__ import annotations

import json
import os
import sys

SHORT = "Hello! How can I help you today?"  # 32 characters
_WORDS = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
LONG = (_WORDS * (40000 // len(_WORDS) + 1))[:40000]  # 40,000 characters

#: user text -> (reply, characters per delta); matched as a substring of the last user text, like aimock.
REPLIES: dict[str, tuple[str, int]] = {"bench-short": (SHORT, 20), "bench-long": (LONG, 4)}


def write_fixtures(outdir: str) -> str:
    """Write aimock's fixture file (also read by raw_server.py); returns its path."""
    os.makedirs(outdir, exist_ok=True)
    fixtures = [
        {"match": {"userMessage": "bench-short"}, "response": {"content": SHORT}, "latency": 0},
        {"match": {"userMessage": "bench-long"}, "response": {"content": LONG}, "latency": 0, "chunkSize": 4},
    ]
    path = os.path.join(outdir, "bench.json")
    with open(path, "w") as f:
        json.dump({"fixtures": fixtures}, f)
    return path


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    out = write_fixtures(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results", "fixtures"))
    print("wrote", out, "short", len(SHORT), "long", len(LONG))
