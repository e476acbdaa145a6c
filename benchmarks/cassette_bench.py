"""Cassette benchmarks: replay of a recorded 100-turn conversation at speed 0, and loading a 10 MB cassette.

Called by run.py once per rep (``run``); every step can also run on its own.

cassette_replay
    Recorded for real, once per run (kept in ``--outdir`` and reused by later reps): a seeded
    `FakeServer` (simulated model, manual clock) behind the `RecordingProxy`, driven over ONE
    WebSocket connection with TURNS chained turns, each a ``response.create`` carrying only the new
    user message and the ``previous_response_id`` of the previous response (what real clients send;
    ``store: false``). Same seed, same bytes; only the recorded time offsets differ between runs.
    Then, per rep, a fresh ``openai-replay serve --cassette FILE --speed 0 --no-auth`` process, and
    a client driving the same TURNS turns on one connection (chaining on the ids the replay sends):
    wall time from the first send to the last ``response.completed``, per-turn p50/p99, server CPU
    (/proc/PID/stat) and peak RSS (VmHWM). Every turn's event count is checked against the cassette,
    and the server's exit status (1 when a request matched nothing) is checked too.
    Baseline ("raw"): a fresh raw_server.py answering TURNS sequential ``bench-short`` turns
    (10 events each) on one connection, with the same client loop.

cassette_load
    A cassette of at least BIG_MB megabytes, built once per run through the same recording proxy:
    connections of one ``bench-long`` turn (10,008 frames, about 3 MB of cassette each) from the
    benchmark scenario, or, below 4 MB, connections of 10 ``bench-short`` turns. Then, per rep, a
    fresh process loads it the way ``serve --cassette`` does (`CassetteReplay(path, speed=0)`: read,
    JSON, schema validation, dataclasses, the turn-level view, the id map) LOADS times; median and
    first load (the first includes the lazy import of jsonschema, as in the server). Baseline
    ("raw"): plain ``json.load`` of the same file in the same process. Also: the time a fresh
    ``openai-replay serve --cassette BIG`` process takes to listen (informational).

Usage:
  python cassette_bench.py run --outdir DIR [--turns 100] [--big-mb 10] [--loads 3] [--out FILE]
  python cassette_bench.py record-chat --out FILE [--turns 100] [--seed 7]
  python cassette_bench.py record-big --out FILE [--mb 10] [--seed 7]
  python cassette_bench.py replay --cassette FILE          # one fresh replay server, prints JSON
  python cassette_bench.py load --cassette FILE [--loads 3] [--cprofile F]  # in this process, prints JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import proc_mem  # noqa: E402
from cassette_client import chat_frame, drive, short_frame  # noqa: E402
from cassette_record import record_big, record_chat  # noqa: E402
from fixtures import write_fixtures  # noqa: E402
from procs import PY, free_port, openai_replay_serve, stop, wait_port  # noqa: E402


def recorded_events_per_turn(path: str) -> list[int]:
    from openai_replay.cassette import interactions, load_cassette

    return [len(i.events) for i in interactions(load_cassette(path))]


def serve_cmd(port: int, cassette: str) -> list[str]:
    return openai_replay_serve(port, "--cassette", cassette, "--speed", "0")


def timed_server(cmd: list[str], port: int, log_path: str, run_client: Any) -> dict[str, Any]:
    """Start ``cmd``, wait until it listens, run ``run_client(pid)``; add startup, peak RSS, exit status."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = wait_port(port, proc)
            time.sleep(0.3)
            result: dict[str, Any] = run_client(proc.pid)
            mem = proc_mem(proc.pid)
        finally:
            stop(proc)
    result["startup_s"] = ready
    result["server_peak_rss_MB"] = mem.get("VmHWM", 0) / 1024
    result["server_rss_MB"] = mem.get("VmRSS", 0) / 1024
    result["server_exit"] = proc.returncode
    with open(log_path) as f:
        result["server_log_tail"] = f.read()[-1500:]
    return result


def replay(cassette: str, log_path: str) -> dict[str, Any]:
    """A fresh `openai-replay serve --cassette` process; the recorded turns driven on one connection."""
    want = recorded_events_per_turn(cassette)
    port = free_port()
    result = timed_server(
        serve_cmd(port, cassette),
        port,
        log_path,
        lambda pid: asyncio.run(drive(f"ws://127.0.0.1:{port}/v1/responses", len(want), chat_frame, pid)),
    )
    result["events_per_turn_recorded"] = want
    problems = []
    if result["events_per_turn"] != want[: len(result["events_per_turn"])]:
        problems.append(f"events per turn {result['events_per_turn']} differ from the cassette's {want}")
    if result["server_exit"] not in (0, -15):  # serve exits 1 when a request matched nothing
        problems.append(f"the replay server exited with {result['server_exit']}")
    if "matches this request" in result["server_log_tail"] or "never played" in result["server_log_tail"]:
        problems.append("the replay server reported mismatched or unplayed interactions")
    result["errors"] += len(problems)
    result["error_samples"] = (result["error_samples"] + problems)[:5]
    return result


def raw_turns(turns: int, fixtures: str, log_path: str) -> dict[str, Any]:
    """The baseline: a fresh raw_server.py, ``turns`` sequential bench-short turns on one connection."""
    port = free_port()
    cmd = [PY, os.path.join(HERE, "raw_server.py"), str(port), "--fixtures", fixtures]
    result = timed_server(
        cmd, port, log_path, lambda pid: asyncio.run(drive(f"ws://127.0.0.1:{port}/v1/responses", turns, short_frame, pid))
    )
    if any(n != 10 for n in result["events_per_turn"]):
        result["errors"] += 1
        result["error_samples"].append(f"raw sent {sorted(set(result['events_per_turn']))} events per turn, expected 10")
    return result


def load(path: str, loads: int, profile: str = "") -> dict[str, Any]:
    """Load ``path`` as `serve --cassette` does, ``loads`` times, against plain json.load, in this process."""
    from openai_replay.cassette import Cassette, CassetteReplay, interactions
    from openai_replay.cassette.interactions import response_ids
    from openai_replay.cassette.store import validate

    def json_load() -> Any:
        with open(path, "rb") as f:
            return json.load(f)

    def clock(fn: Any) -> float:
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0

    with open(path, "rb") as f:  # the file in the page cache for every measurement, the first too
        f.read()
    first_json = clock(json_load)
    first = clock(lambda: CassetteReplay(path, speed=0))
    json_s, replay_s = [], []
    for _ in range(loads):
        json_s.append(clock(json_load))
        replay_s.append(clock(lambda: CassetteReplay(path, speed=0)))
    # Once more, stage by stage (store.load_cassette's steps, then CassetteReplay's own).
    t0 = time.perf_counter()
    with open(path, encoding="utf-8") as text:
        data = json.loads(text.read())
    t1 = time.perf_counter()
    validate(data, path)
    t2 = time.perf_counter()
    cassette = Cassette.from_json(data, path=path)
    t3 = time.perf_counter()
    items = interactions(cassette)
    t4 = time.perf_counter()
    response_ids(items)
    t5 = time.perf_counter()
    stages = {
        "read + json.loads": t1 - t0,
        "schema validation (jsonschema)": t2 - t1,
        "Cassette.from_json": t3 - t2,
        "interactions()": t4 - t3,
        "response_ids()": t5 - t4,
    }
    if profile:
        import cProfile

        cProfile.runctx(
            "CassetteReplay(path, speed=0)", globals(), {"CassetteReplay": CassetteReplay, "path": path}, filename=profile
        )
    size = os.path.getsize(path)
    frames = sum(len(getattr(c, "frames", None) or getattr(c, "events", None) or []) for c in cassette.connections)
    return {
        "bytes": size,
        "MB": size / 1e6,
        "loads": loads,
        "interactions": len(items),
        "frames": frames,
        "openai-replay": {
            "load_s_median": statistics.median(replay_s),
            "first_load_s": first,
            "all_s": replay_s,
            "stages_s": stages,
        },
        "raw": {"load_s_median": statistics.median(json_s), "first_load_s": first_json, "all_s": json_s},
    }


def serve_ready(cassette: str, log_path: str) -> float:
    """Seconds until a fresh `openai-replay serve --cassette` process listens (import + load + bind)."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(serve_cmd(port, cassette), stdout=log, stderr=subprocess.STDOUT)
        try:
            return wait_port(port, proc, timeout=120)
        finally:
            stop(proc)


def run(a: argparse.Namespace) -> dict[str, Any]:
    outdir = os.path.abspath(a.outdir)
    os.makedirs(outdir, exist_ok=True)
    chat = os.path.join(outdir, f"chat{a.turns}.json")
    big = os.path.join(outdir, f"big{a.big_mb:g}MB.json")
    info_path = os.path.join(outdir, "cassettes.json")
    info: dict[str, Any] = {}
    if os.path.exists(info_path):
        with open(info_path) as f:
            info = json.load(f)
    if not os.path.exists(chat):
        info["chat"] = record_chat(chat, a.turns, a.seed)
    if not os.path.exists(big):
        info["big"] = record_big(big, a.big_mb, a.seed)
    with open(info_path, "w") as f:
        json.dump(info, f, indent=1)
    fixtures = a.fixtures or write_fixtures(os.path.join(outdir, "fixtures"))
    tag = f"rep{a.rep}"
    ours = replay(chat, os.path.join(outdir, f"replay_{tag}.server.log"))
    base = raw_turns(a.turns, fixtures, os.path.join(outdir, f"raw_{tag}.server.log"))
    proc = subprocess.run(
        [PY, os.path.abspath(__file__), "load", "--cassette", big, "--loads", str(a.loads)],
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    loaded = json.loads(proc.stdout)
    ready = serve_ready(big, os.path.join(outdir, f"serve_big_{tag}.server.log"))
    common = {"MB": loaded["MB"], "interactions": loaded["interactions"], "frames": loaded["frames"]}
    out = {
        "cassettes": info,
        "openai-replay": {
            "cassette_replay": ours,
            "cassette_load": {**common, **loaded["openai-replay"], "serve_ready_s": ready},
        },
        "raw": {"cassette_replay": base, "cassette_load": {**common, **loaded["raw"]}},
    }
    for name in ("openai-replay", "raw"):
        r = out[name]["cassette_replay"]
        print(
            f"[{name}#{a.rep}] cassette_replay: {r['turns_ok']}/{r['turns']} turns, wall {r['wall_s']:.4f} s, "
            f"p50 {r['turn_p50_ms']} ms, server CPU {r['server_cpu_s']:.2f} s, peak RSS {r['server_peak_rss_MB']:.1f} MB, "
            f"errors {r['errors']}",
            flush=True,
        )
        ld = out[name]["cassette_load"]
        print(
            f"[{name}#{a.rep}] cassette_load: {ld['MB']:.2f} MB, median {ld['load_s_median']:.4f} s, "
            f"first {ld['first_load_s']:.4f} s",
            flush=True,
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="what run.py calls once per rep: record (once), replay, raw baseline, load")
    r.add_argument("--outdir", required=True, help="where the cassettes and server logs go (cassettes are reused)")
    r.add_argument("--turns", type=int, default=100, help="turns of the recorded conversation")
    r.add_argument("--big-mb", type=float, default=10.0, help="size of the big cassette, MB (10^6 bytes)")
    r.add_argument("--loads", type=int, default=3, help="loads of the big cassette per rep (median)")
    r.add_argument("--seed", type=int, default=7)
    r.add_argument("--rep", type=int, default=1)
    r.add_argument("--fixtures", default="", help="raw_server.py's fixture file (default: written into --outdir)")
    r.add_argument("--out", default="", help="write the results here as JSON")
    rc = sub.add_parser("record-chat", help="record the chained conversation")
    rc.add_argument("--out", required=True)
    rc.add_argument("--turns", type=int, default=100)
    rc.add_argument("--seed", type=int, default=7)
    rb = sub.add_parser("record-big", help="record a cassette of at least --mb MB")
    rb.add_argument("--out", required=True)
    rb.add_argument("--mb", type=float, default=10.0)
    rb.add_argument("--seed", type=int, default=7)
    rp = sub.add_parser("replay", help="time one fresh replay server on a recorded conversation")
    rp.add_argument("--cassette", required=True)
    rp.add_argument("--log", default=os.devnull)
    ld = sub.add_parser("load", help="time loading a cassette in this process")
    ld.add_argument("--cassette", required=True)
    ld.add_argument("--loads", type=int, default=3)
    ld.add_argument("--cprofile", default="", metavar="FILE", help="also write a cProfile of one load here")
    a = ap.parse_args()
    if a.cmd == "run":
        result = run(a)
        if a.out:
            with open(a.out, "w") as f:
                json.dump(result, f, indent=1)
    elif a.cmd == "record-chat":
        result = record_chat(a.out, a.turns, a.seed)
    elif a.cmd == "record-big":
        result = record_big(a.out, a.mb, a.seed)
    elif a.cmd == "replay":
        result = replay(a.cassette, a.log)
    else:
        result = load(a.cassette, a.loads, a.cprofile)
    if a.cmd != "run" or not a.out:
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
