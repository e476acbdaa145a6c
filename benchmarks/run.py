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
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable
AIMOCK_DIR = os.path.join(HERE, "node_modules", "@copilotkit", "aimock")
AIMOCK_CLI = os.path.join(AIMOCK_DIR, "dist", "cli.js")
BASELINE = "raw"

sys.path.insert(0, HERE)
from bench import proc_mem  # noqa: E402
from fixtures import write_fixtures  # noqa: E402

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> float:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.time() - t0
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not ready after {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


def openai_replay_serve(port: int, *source: str) -> list[str]:
    """``openai-replay serve`` on loopback without auth (the harness sends no key), answering from ``source``."""
    return [PY, "-m", "openai_replay.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-auth", *source]


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


def raise_nofile(want: int = 20000) -> int:
    """Lift the soft open-files limit towards the hard one (inherited by the servers): conc_big
    holds 1,000 sockets in the server and 1,000 in the client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def med(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, int) and abs(v) >= 10000:
        return f"{v:,}"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.3g}"
    return str(v)


# (test, key, label, direction): direction "+" = higher is better, "-" = lower is better, "" = a count.
KEY = [
    ("ws_long", "events_per_s_median", "WS long stream events/s (aiohttp client, JSON-parsed)", "+"),
    ("ws_long_noparse", "events_per_s_median", "WS long stream events/s (aiohttp client, no parse)", "+"),
    ("ws_long_fast", "events_per_s_median", "WS long stream events/s (minimal socket client)", "+"),
    ("ws_long_fast", "ttfe_ms_median", "WS long first byte ms (minimal client)", "-"),
    ("ws_long", "bytes_per_response", "WS long payload bytes per response", ""),
    ("ws_long", "server_cpu_us_per_event", "WS long server CPU us/event", "-"),
    ("ws_long_fast", "server_cpu_us_per_event", "WS long server CPU us/event (minimal client)", "-"),
    ("ws_turns", "p50_ms", "WS short turn p50 ms (1 conn, {turns:,} sequential)", "-"),
    ("ws_turns", "p99_ms", "WS short turn p99 ms", "-"),
    ("ws_turns", "turns_per_s", "WS short turns/s", "+"),
    ("ws_turns", "server_cpu_us_per_turn", "WS short turn server CPU us/turn", "-"),
    ("sse_long", "events_per_s_median", "SSE long stream events/s (aiohttp client, parsed)", "+"),
    ("sse_long_noparse", "events_per_s_median", "SSE long stream events/s (aiohttp client, no parse)", "+"),
    ("sse_long_fast", "events_per_s_median", "SSE long stream events/s (minimal socket client)", "+"),
    ("sse_long_fast", "ttfe_ms_median", "SSE long first byte ms (minimal client)", "-"),
    ("sse_long", "server_cpu_us_per_event", "SSE long server CPU us/event", "-"),
    ("sse_long_fast", "server_cpu_us_per_event", "SSE long server CPU us/event (minimal client)", "-"),
    ("conc", "wall_s", "{conc} conns x {conc_turns} short turns: wall s", "-"),
    ("conc", "errors", "{conc} conns x {conc_turns} short turns: errors", ""),
    ("conc", "turn_p50_ms", "{conc} conns x {conc_turns}: turn p50 ms under load", "-"),
    ("conc", "turn_p99_ms", "{conc} conns x {conc_turns}: turn p99 ms under load", "-"),
    ("conc", "server_cpu_s", "{conc} conns x {conc_turns}: server CPU s", "-"),
    ("conc_big", "wall_s", "{conc_big:,} conns x {conc_big_turns} short turns: wall s", "-"),
    ("conc_big", "errors", "{conc_big:,} conns x {conc_big_turns} short turns: errors", ""),
    ("conc_big", "turn_p50_ms", "{conc_big:,} conns x {conc_big_turns}: turn p50 ms under load", "-"),
    ("conc_big", "turn_p99_ms", "{conc_big:,} conns x {conc_big_turns}: turn p99 ms under load", "-"),
    ("conc_big", "connect_p99_ms", "{conc_big:,} conns x {conc_big_turns}: connect p99 ms", "-"),
    ("conc_big", "server_cpu_s", "{conc_big:,} conns x {conc_big_turns}: server CPU s", "-"),
    (
        "cassette_replay",
        "wall_s",
        "{cassette_turns}-turn recorded conversation, replay at speed 0 (1 conn): wall s (raw: {cassette_turns} short turns)",
        "-",
    ),
    ("cassette_replay", "errors", "{cassette_turns}-turn cassette replay: errors", ""),
    ("cassette_replay", "turn_p50_ms", "{cassette_turns}-turn cassette replay: turn p50 ms", "-"),
    ("cassette_replay", "server_cpu_s", "{cassette_turns}-turn cassette replay: server CPU s", "-"),
    ("cassette_replay", "server_peak_rss_MB", "{cassette_turns}-turn cassette replay: server peak RSS MB", "-"),
    ("cassette_replay", "startup_s", "cassette replay server: start to listening s (raw: raw_server.py)", "-"),
    ("cassette_load", "MB", "big cassette size MB", ""),
    ("cassette_load", "load_s_median", "big cassette load s, median (raw: json.load of the same file)", "-"),
    ("cassette_load", "first_load_s", "big cassette first load s in a fresh process (raw: json.load)", "-"),
    ("cassette_load", "serve_ready_s", "`serve --cassette BIG`: start to listening s", "-"),
]
MEM = [
    ("mem_start_kB", "VmRSS", "server RSS idle at start MB", "-"),
    ("mem_final_kB", "VmHWM", "server peak RSS (VmHWM) MB", "-"),
]


def aggregate(servers: list[str], runs: dict[str, list[dict[str, Any]]], a: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """label -> server -> {median, min, max, all}, plus label -> '<server>/raw' -> paired per-rep ratios."""
    rows: dict[str, dict[str, Any]] = {}
    getters = [(label.format(**vars(a)), d, (lambda r, t=t, k=k: r["tests"].get(t, {}).get(k))) for t, k, label, d in KEY]
    getters += [(label, d, (lambda r, mk=mk, f=f: (r.get(mk, {}).get(f) or 0) / 1024 or None)) for mk, f, label, d in MEM]
    for label, direction, get in getters:
        row: dict[str, Any] = {"direction": direction}
        for s in servers:
            xs = [get(r) for r in runs[s]]
            xs = [x for x in xs if x is not None]
            if xs:
                row[s] = {"median": med(xs), "min": min(xs), "max": max(xs), "all": xs}
        if BASELINE in row:
            for s in servers:
                if s == BASELINE or s not in row or not row[BASELINE]["median"]:
                    continue
                paired = [x / b for x, b in zip(row[s]["all"], row[BASELINE]["all"], strict=False) if b]
                row[f"{s}/{BASELINE}"] = {"ratio_of_medians": row[s]["median"] / row[BASELINE]["median"], "per_rep": paired}
        if len(row) > 1:
            rows[label] = row
    return rows


def table(servers: list[str], rows: dict[str, dict[str, Any]]) -> str:
    others = [s for s in servers if s != BASELINE]
    head = ["metric", *[f"{s} median (min..max)" for s in servers], *[f"{s}/{BASELINE} (per-rep)" for s in others]]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, row in rows.items():
        arrow = {"+": " (higher is better)", "-": " (lower is better)"}.get(row["direction"], "")
        cells = [label + arrow]
        for s in servers:
            g = row.get(s)
            cells.append(f"{fmt(g['median'])} ({fmt(g['min'])}..{fmt(g['max'])})" if g else "-")
        for s in others:
            r = row.get(f"{s}/{BASELINE}")
            if r is None:
                cells.append("-")
            else:
                per = r["per_rep"]
                cells.append(f"{r['ratio_of_medians']:.2f} ({min(per):.2f}..{max(per):.2f})" if per else "-")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary(servers: list[str], rows: dict[str, dict[str, Any]], env: dict[str, Any], reps: int) -> str:
    """The compact table for README.md: medians and ratios of medians to raw."""
    others = [s for s in servers if s != BASELINE]
    versions = [
        f"Python {env['python']}",
        f"aiohttp {env['aiohttp']}",
        f"openai-replay {env['openai-replay']} (git {env['openai-replay git']}"
        + (", uncommitted changes" if env["openai-replay tree dirty"] else "")
        + ")",
    ]
    if "aimock" in env:
        versions.append(f"aimock {env['aimock']} on Node {env['node']}")
    load = f"load average {env['loadavg_start'][0]:.2f} at start, {env['loadavg_end'][0]:.2f} at end"
    machine = f"{env['cpu']}, {env['nproc']} cores, {env.get('mem_GiB', '?')} GiB, Linux {env['kernel']}"
    lines = [
        f"Run {env['started']} to {env['finished']}; {machine}; " + "; ".join(versions) + f"; medians of {reps} reps; {load}.",
        "",
        "| metric | " + " | ".join(servers) + " | " + " | ".join(f"{s}/{BASELINE}" for s in others) + " |",
        "|---|" + "---:|" * (len(servers) + len(others)),
    ]
    for label, row in rows.items():
        arrow = {"+": " ↑", "-": " ↓"}.get(row["direction"], "")
        cells = [fmt(row[s]["median"]) if s in row else "-" for s in servers]
        ratios = []
        for s in others:
            r = row.get(f"{s}/{BASELINE}")
            ratios.append(f"{r['ratio_of_medians']:.2f}" if r and row["direction"] else "-")
        lines.append(f"| {label}{arrow} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    lines += ["", "↑ higher is better, ↓ lower is better; ratio = server median / raw aiohttp median."]
    return "\n".join(lines)


def cmd_out(args: list[str], cwd: str | None = None) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def environment(servers: list[str]) -> dict[str, Any]:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    mem_gib = 0.0
    try:
        with open("/proc/meminfo") as f:
            mem_gib = round(int(next(line for line in f if line.startswith("MemTotal:")).split()[1]) / 2**20, 1)
    except (OSError, StopIteration, ValueError):
        pass
    import aiohttp

    env: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "cpu": cpu,
        "nproc": os.cpu_count(),
        "mem_GiB": mem_gib,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "loadavg_start": os.getloadavg(),
    }
    try:
        from importlib.metadata import version

        env["openai-replay"] = version("openai-replay")
    except Exception:
        env["openai-replay"] = "?"
    env["openai-replay git"] = cmd_out(["git", "rev-parse", "--short", "HEAD"], ROOT)
    env["openai-replay tree dirty"] = bool(cmd_out(["git", "status", "--porcelain", "--untracked-files=no"], ROOT))
    if "aimock" in servers:
        env["node"] = cmd_out(["node", "--version"])
        with open(os.path.join(AIMOCK_DIR, "package.json")) as f:
            env["aimock"] = json.load(f)["version"]
    return env


def main() -> int:
    ap = argparse.ArgumentParser(
        prog=os.environ.get("OPENAI_REPLAY_BENCH_PROG"), description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
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
