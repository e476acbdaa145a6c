"""The two benchmark replies, shared by every server in the comparison.

bench-short : 32-character reply in 20-character deltas -> 2 output_text.delta, 10 events a turn
bench-long  : 40,000-character reply in 4-character deltas -> 10,000 output_text.delta, 10,008 events

aimock reads them from ``bench.json`` (written by `write_fixtures`); raw_server.py reads the same file;
serve_bench.py (openai-replay) imports `REPLIES`; the peer harness (peer.py) serves openai-replay with
bench_scenario.json (written by `write_scenario`). Adapted from shared/peer-bench/gen_fixtures.py.

Usage: python fixtures.py [OUTDIR]           (aimock's bench.json; default OUTDIR: results/fixtures)
       python fixtures.py --scenario [PATH]  (the openai-replay scenario; default: bench_scenario.json here)
"""

from __future__ import annotations

import argparse
import json
import os

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


HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = os.path.join(HERE, "bench_scenario.json")
SCENARIO_DESCRIPTION = (
    "The peer benchmark's two inputs (shared/peer-bench): 'bench-short' gets a 32-character reply in 2 deltas "
    "(10 events), 'bench-long' a 40,000-character reply in 10,000 deltas of 4 characters (10,008 events). "
    "Spec-complete events, as for any scenario. Regenerate with benchmarks/fixtures.py --scenario."
)


def scenario_text() -> str:
    """The openai-replay scenario answering the same two inputs as aimock's fixtures, as bench_scenario.json holds it."""
    rules = []
    for name in ("bench-long", "bench-short"):
        text, chunk = REPLIES[name]
        rules.append({"name": name, "match": {"text_contains": name}, "do": [{"action": "text", "text": text, "chunk": chunk}]})
    doc = {
        "$schema": "../src/openai_replay/scenarios/scenario.schema.json",
        "version": 1,
        "name": "bench",
        "description": SCENARIO_DESCRIPTION,
        "unmatched": "fail",
        "rules": rules,
    }
    return json.dumps(doc, indent=2) + "\n"


def write_scenario(path: str = SCENARIO) -> str:
    """Write the scenario (default: benchmarks/bench_scenario.json); returns its path."""
    with open(path, "w") as f:
        f.write(scenario_text())
    return path


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("outdir", nargs="?", default=os.path.join(HERE, "results", "fixtures"), help="where bench.json goes")
    ap.add_argument("--scenario", nargs="?", const=SCENARIO, metavar="PATH", help="write the scenario instead")
    a = ap.parse_args()
    out = write_scenario(a.scenario) if a.scenario else write_fixtures(a.outdir)
    print("wrote", out, "short", len(SHORT), "long", len(LONG))
