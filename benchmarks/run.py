"""Benchmark openai-replay's fake server against a raw aiohttp baseline (and aimock) in one run.

Adapted from shared/peer-bench/run_all.py (the aimock vs raw aiohttp peer benchmark). For each rep
and each server (the order alternates per rep to spread machine noise): start a fresh server on a
free 127.0.0.1 port, run bench.py (aiohttp client: warm-up, then ws_long, ws_long_noparse, ws_turns,
sse_long, sse_long_noparse, conc (200 x 5), conc_big (1,000 x 5)) and fastclient.py (minimal socket
client: ws_long_fast, sse_long_fast) against it, read its peak RSS, stop it by PID. Then, once per
rep, cassette_bench.py: a recorded 100-turn conversation replayed at speed 0 by a fresh
`openai-replay serve --cassette` (baseline: raw answering 100 short turns) and the load time of a
10 MB cassette (baseline: json.load). Then print medians (min..max) across reps and every server's
ratio to raw aiohttp, and write results.json, results_table.md and summary.md.

Servers: raw (raw_server.py, the baseline), openai-replay (`openai-replay serve --no-auth --scenario
bench_scenario.json`, the CLI a user runs), aimock (needs `npm ci` in this folder; left out with a
note when it is not installed), plus any --server NAME=COMMAND.

Usage (from the repo root, with the project's venv; `openai-replay bench ARGS` runs this script):
  .venv/bin/python benchmarks/run.py                    # 3 reps, all servers
  .venv/bin/python benchmarks/run.py --reps 1 --quick   # a smoke run (fewer iterations)
  .venv/bin/python benchmarks/run.py --surfaces         # the other surfaces instead (surfaces.py)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import proc_mem  # noqa: E402
from fixtures import write_fixtures  # noqa: E402
from procs import PY, free_port, openai_replay_serve, raise_nofile, stop, wait_port  # noqa: E402
from report import AIMOCK_DIR, BASELINE, aggregate, environment, summary, table  # noqa: E402

AIMOCK_CLI = os.path.join(AIMOCK_DIR, "dist", "cli.js")

EXTRA_SERVERS: dict[str, str] = {}  # name -> command template with {port}, from --server NAME=COMMAND
# What every server must send for the comparison to hold (checked after each rep).
SCENARIO = os.path.join(HERE, "bench_scenario.json")
EXPECT = {
    ("ws_long", "events_per_response"): 10008,
    ("ws_long", "deltas_per_response"): 10000,
    ("sse_long", "events_per_response"): 10008,
    ("sse_long", "deltas_per_response"): 10000,
    ("ws_turns", "events_per_turn_min"): 10,
    ("ws_turns", "events_per_turn_max"): 10,
}


def server_cmd(name: str, port: int, fixtures: str) -> list[str]:
    if name in EXTRA_SERVERS:
        subst = {"{port}": str(port), "{py}": PY, "{here}": HERE}
        parts = EXTRA_SERVERS[name].split()
        for key, value in subst.items():
            parts = [part.replace(key, value) for part in parts]
        return parts
    if name == "openai-replay":  # exactly what a user runs: the CLI serving the shipped scenario
        return openai_replay_serve(port, "--scenario", SCENARIO)
    if name == "aimock":
        return ["node", AIMOCK_CLI, "-p", str(port), "-h", "127.0.0.1", "-f", os.path.dirname(fixtures), "--log-level", "silent"]
    if name == "raw":
        return [PY, os.path.join(HERE, "raw_server.py"), str(port), "--fixtures", fixtures]
    raise ValueError(f"unknown server {name!r}")


def run_one(name: str, rep: int, outdir: str, fixtures: str, a: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    with open(os.path.join(outdir, f"{name}_rep{rep}.server.log"), "w") as log:
        proc = subprocess.Popen(server_cmd(name, port, fixtures), stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = wait_port(port, proc)
            time.sleep(0.5)
            out = os.path.join(outdir, f"{name}_rep{rep}.json")
            common = [
                "--port",
                str(port),
                "--server-pid",
                str(proc.pid),
                "--label",
                f"{name}#{rep}",
                "--long-iters",
                str(a.long_iters),
            ]
            tests = ["ws_long", "ws_long_noparse", "ws_turns", "sse_long", "sse_long_noparse", "conc"]
            tests += [] if a.no_conc_big else ["conc_big"]
            subprocess.run(
                [
                    PY,
                    os.path.join(HERE, "bench.py"),
                    *common,
                    "--out",
                    out,
                    "--turns",
                    str(a.turns),
                    "--conc",
                    str(a.conc),
                    "--conc-turns",
                    str(a.conc_turns),
                    "--conc-big",
                    str(a.conc_big),
                    "--conc-big-turns",
                    str(a.conc_big_turns),
                    "--tests",
                    ",".join(tests),
                    *(["--no-warmup"] if a.no_warmup else []),
                ],
                check=True,
                cwd=HERE,
                timeout=900,
            )
            with open(out) as f:
                d = json.load(f)
            if not a.no_fast:
                fast_out = os.path.join(outdir, f"{name}_rep{rep}.fast.json")
                subprocess.run(
                    [PY, os.path.join(HERE, "fastclient.py"), *common, "--out", fast_out], check=True, cwd=HERE, timeout=900
                )
                with open(fast_out) as f:
                    d["tests"].update(json.load(f)["tests"])
            d["mem_final_kB"] = proc_mem(proc.pid)  # VmHWM: the server's peak RSS over the whole rep
            d["startup_s"] = ready
            with open(out, "w") as f:  # the merged record (both clients, final memory)
                json.dump(d, f, indent=1)
            return d
        finally:
            stop(proc)


def check(name: str, d: dict[str, Any]) -> list[str]:
    bad = []
    for (test, key), want in EXPECT.items():
        got = d["tests"].get(test, {}).get(key)
        if got is not None and got != want:
            bad.append(f"{name}: {test}.{key} = {got}, expected {want}")
    for test in ("conc", "conc_big", "cassette_replay"):
        t = d["tests"].get(test, {})
        if t.get("errors"):
            bad.append(f"{name}: {test} had {t['errors']} errors: {t.get('error_samples')}")
        elif "turns_ok" in t and t["turns_ok"] != t.get("connections", 1) * t.get("turns_per_conn", t.get("turns")):
            bad.append(f"{name}: {test} finished {t['turns_ok']} turns, expected more")
    return bad


def run_cassettes(rep: int, outdir: str, fixtures: str, a: argparse.Namespace) -> dict[str, Any]:
    """cassette_bench.py for one rep (the cassettes are recorded on the first and reused)."""
    out = os.path.join(outdir, f"cassette_rep{rep}.json")
    subprocess.run(
        [
            PY,
            os.path.join(HERE, "cassette_bench.py"),
            "run",
            "--outdir",
            os.path.join(outdir, "cassettes"),
            "--rep",
            str(rep),
            "--turns",
            str(a.cassette_turns),
            "--big-mb",
            f"{a.big_cassette_mb:g}",
            "--loads",
            str(a.cassette_loads),
            "--fixtures",
            fixtures,
            "--out",
            out,
        ],
        check=True,
        cwd=HERE,
        timeout=1800,
    )
    with open(out) as f:
        result: dict[str, Any] = json.load(f)
    return result


def main() -> int:
    if "--surfaces" in sys.argv[1:]:  # the other surfaces' benchmark: surfaces.py, with every other argument
        rest = [arg for arg in sys.argv[1:] if arg != "--surfaces"]
        return subprocess.run([PY, os.path.join(HERE, "surfaces.py"), *rest], check=False).returncode
    ap = argparse.ArgumentParser(
        prog=os.environ.get("OPENAI_REPLAY_BENCH_PROG"), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--surfaces",
        action="store_true",
        help="run surfaces.py instead: chat completions, embeddings, TTS, transcriptions and Realtime turns beside aimock "
        "(its options: --surfaces --help)",
    )
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--servers", default="openai-replay,raw,aimock", help="comma-separated; raw is the baseline")
    ap.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="another server: a command with {port} ({py}: this Python, {here}: this folder), "
        "e.g. 'seeded={py} {here}/serve_bench.py --port {port} --seed 1'",
    )
    ap.add_argument("--outdir", default="", help="default: results/<date-time>")
    ap.add_argument("--long-iters", type=int, default=10, help="long responses per long-stream test")
    ap.add_argument("--turns", type=int, default=1000, help="sequential short turns in ws_turns")
    ap.add_argument("--conc", type=int, default=200, help="concurrent connections in conc")
    ap.add_argument("--conc-turns", type=int, default=5, help="short turns per connection in conc")
    ap.add_argument("--conc-big", type=int, default=1000, help="concurrent connections in conc_big")
    ap.add_argument("--conc-big-turns", type=int, default=5, help="short turns per connection in conc_big")
    ap.add_argument("--no-conc-big", action="store_true", help="skip conc_big")
    ap.add_argument("--cassette-turns", type=int, default=100, help="turns of the recorded conversation replayed")
    ap.add_argument("--big-cassette-mb", type=float, default=10.0, help="size of the cassette whose load is timed, MB")
    ap.add_argument("--cassette-loads", type=int, default=3, help="loads of the big cassette per rep (median)")
    ap.add_argument("--no-cassette", action="store_true", help="skip the cassette benchmarks (cassette_bench.py)")
    ap.add_argument(
        "--quick", action="store_true", help="smoke run: 3 long iterations, 200 turns, 50 and 200 connections, a 3 MB cassette"
    )
    ap.add_argument("--no-fast", action="store_true", help="skip the minimal-socket-client tests")
    ap.add_argument("--no-warmup", action="store_true", help="skip bench.py's warm-up (for smoke runs)")
    ap.add_argument("--aggregate-only", action="store_true", help="re-aggregate the <server>_rep<N>.json in --outdir")
    a = ap.parse_args()
    if a.quick:
        a.long_iters, a.turns, a.conc, a.conc_big, a.big_cassette_mb = 3, 200, 50, 200, 3.0
    raise_nofile()
    outdir = os.path.abspath(a.outdir or os.path.join(HERE, "results", time.strftime("%Y%m%d-%H%M%S")))
    os.makedirs(outdir, exist_ok=True)
    servers = [s for s in a.servers.split(",") if s]
    for spec in a.server:
        name, _, command = spec.partition("=")
        EXTRA_SERVERS[name] = command
        if name not in servers:
            servers.append(name)
    if "aimock" in servers and not os.path.exists(AIMOCK_CLI):
        print(f"note: aimock left out: run `npm ci` in {HERE} to install @copilotkit/aimock (pinned)", file=sys.stderr)
        servers.remove("aimock")
    if BASELINE not in servers:
        raise SystemExit(f"the baseline '{BASELINE}' must be among the servers")
    fixtures = write_fixtures(os.path.join(outdir, "fixtures"))
    env = environment(servers)
    env["args"] = vars(a)
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in servers}
    problems: list[str] = []
    if a.aggregate_only:
        saved = os.path.join(outdir, "results.json")
        if os.path.exists(saved):  # the merged per-rep records of an earlier run
            with open(saved) as f:
                old = json.load(f)
            runs = {s: old["runs"][s] for s in servers}
            problems = old.get("problems", [])
            env = {**env, **old["env"], "note": "re-aggregated from results.json; env is the original run's"}
        else:
            env["note"] = "aggregate-only: env describes the re-aggregation, not the run"
            for s in servers:
                rep = 1
                while os.path.exists(os.path.join(outdir, f"{s}_rep{rep}.json")):
                    with open(os.path.join(outdir, f"{s}_rep{rep}.json")) as f:
                        runs[s].append(json.load(f))
                    rep += 1
    else:
        for rep in range(1, a.reps + 1):
            order = servers if rep % 2 else list(reversed(servers))
            for s in order:
                d = run_one(s, rep, outdir, fixtures, a)
                runs[s].append(d)
            if "openai-replay" in servers and not a.no_cassette:
                cassettes = run_cassettes(rep, outdir, fixtures, a)
                for s in ("openai-replay", BASELINE):
                    runs[s][-1]["tests"].update(cassettes[s])
                    with open(os.path.join(outdir, f"{s}_rep{rep}.json"), "w") as f:
                        json.dump(runs[s][-1], f, indent=1)
                env.setdefault("cassettes", cassettes["cassettes"])
            for s in servers:
                problems += check(s, runs[s][-1])
    env.setdefault("loadavg_end", os.getloadavg())
    env.setdefault("finished", time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    rows = aggregate(servers, runs, a)
    text = table(servers, rows)
    header = f"env: {json.dumps(env)}\n\nratio = server / raw aiohttp, of the medians; (per-rep) = paired ratios of each rep\n"
    print(header + "\n" + text)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    with open(os.path.join(outdir, "results_table.md"), "w") as f:
        f.write(header + "\n" + text + "\n")
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"env": env, "summary": rows, "problems": problems, "runs": runs}, f, indent=1)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(summary(servers, rows, env, len(next(iter(runs.values())))) + "\n")
    print(f"\nwrote {outdir}/results_table.md, summary.md (for README.md) and results.json")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
