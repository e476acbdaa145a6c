"""Run the read-only peer harness (shared/peer-bench: aimock vs raw aiohttp) with openai-replay as its third server.

The harness writes into its own folder (fixtures/, node_modules/, results/), so this copies it into a fresh work
dir, links this folder's node_modules into the copy (or runs `npm ci` there), runs its gen_fixtures.py, then its
run_all.py with --reps, --outdir and
  --server 'openai-replay=<this Python> -m openai_replay.cli.main serve --host 127.0.0.1 --port {port} --no-auth
            --scenario <abs path of bench_scenario.json>'
(bench_scenario.json answers bench-long / bench-short like aimock's fixtures; regenerate it with
`fixtures.py --scenario`). run_all.py starts every server fresh per rep, runs its bench.py client against it and
writes results.json + results_table.md. It records event counts but does not check them: this script does
(10,008 events / 10,000 deltas a long response, 10 events a short turn, no conc errors), then writes summary.md
(date, machine, medians of all three, ratios to raw) for README.md and prints it.

run_all.py cannot run without aimock (it reads aimock's package.json and runs `node --version` whatever
--servers says), so Node and @copilotkit/aimock 1.43.0 are required.

Usage (from the repo root, with the project's venv):
  .venv/bin/python benchmarks/peer.py                    # 3 reps, ~5 minutes on 2 cores
  .venv/bin/python benchmarks/peer.py --reps 1 -- -- --long-iters 3 --turns 200   # after the first --: run_all.py
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from importlib import metadata
from typing import Any, NoReturn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = sys.executable
SCENARIO = os.path.join(HERE, "bench_scenario.json")
AIMOCK = os.path.join("node_modules", "@copilotkit", "aimock")
#: openai-replay as run_all.py starts it ({port} is its placeholder; it splits the command on whitespace).
COMMAND = f"{PY} -m openai_replay.cli.main serve --host 127.0.0.1 --port {{port}} --no-auth --scenario {SCENARIO}"
EXPECT = {("ws_long", "events_per_response"): 10008, ("ws_long", "deltas_per_response"): 10000,
          ("sse_long", "events_per_response"): 10008, ("sse_long", "deltas_per_response"): 10000,
          ("ws_long_noparse", "events_per_response"): 10008, ("sse_long_noparse", "events_per_response"): 10008,
          ("ws_turns", "events_per_turn_min"): 10, ("ws_turns", "events_per_turn_max"): 10, ("conc", "errors"): 0}  # fmt: skip


def fail(message: str) -> NoReturn:
    raise SystemExit(f"peer.py: {message}")


def read_json(path: str) -> Any:
    with open(path) as f:
        return json.load(f)


def proc_line(path: str, key: str) -> str:
    with open(path) as f:
        return next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith(key)), "?")


def prepare(peer: str, harness: str) -> None:
    """Copy the harness (writable), give it aimock, write its fixtures."""
    if not os.path.isfile(os.path.join(peer, "run_all.py")):
        fail(f"no peer harness at {peer} (run_all.py missing); give its folder with --peer-dir")
    if shutil.which("node") is None:
        fail("Node is not installed; the peer harness cannot run without aimock (run_all.py needs `node` and aimock)")
    ignore = shutil.ignore_patterns("node_modules", "fixtures", "results", "__pycache__")
    shutil.copytree(peer, harness, ignore=ignore, copy_function=shutil.copyfile)
    for d, _, _ in os.walk(harness):
        os.chmod(d, 0o755)  # copytree copies the read-only mode of the folders
    pin = read_json(os.path.join(harness, "package.json"))["dependencies"]["@copilotkit/aimock"]
    ours = os.path.join(HERE, AIMOCK, "package.json")
    if os.path.exists(ours) and read_json(ours)["version"] == pin:
        os.symlink(os.path.join(HERE, "node_modules"), os.path.join(harness, "node_modules"))
    else:
        print(f"peer.py: no aimock {pin} in {HERE}/node_modules; running `npm ci` in the copy", flush=True)
        if subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=harness).returncode != 0:
            fail(f"`npm ci` failed: the peer harness cannot run without aimock {pin} (try `cd {HERE} && npm ci`)")
    subprocess.run([PY, "gen_fixtures.py", "fixtures"], cwd=harness, check=True)


def port_base(count: int) -> int:
    """A base where run_all.py's ports base+1..base+count are free (it only waits for a connect, so a
    stranger already listening there would be benchmarked instead)."""
    for base in range(4900, 60000, 100):
        try:
            for port in range(base + 1, base + count + 1):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    fail("no free port range for run_all.py")


def summarize(harness: str, outdir: str, reps: int, when: str) -> tuple[str, list[str]]:
    """summary.md (date, machine, medians, ratios to raw) and the event-count problems, from results.json."""
    spec = importlib.util.spec_from_file_location("peer_run_all", os.path.join(harness, "run_all.py"))
    assert spec and spec.loader
    run_all = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run_all)  # definitions only: its main() is behind __name__ == "__main__"
    res = read_json(os.path.join(outdir, "results.json"))
    env, servers = res["env"], list(res["runs"])
    problems = [f"{s} rep {i}: {t}.{k} = {r['tests'].get(t, {}).get(k)}, expected {want}"
                for s in servers for i, r in enumerate(res["runs"][s], 1) for (t, k), want in EXPECT.items()
                if t in r["tests"] and r["tests"][t].get(k) != want]  # fmt: skip
    cpu, mem = proc_line("/proc/cpuinfo", "model name"), int(proc_line("/proc/meminfo", "MemTotal").split()[0]) / 2**20
    lines = [f"Peer harness (shared/peer-bench run_all.py, bench.py client), run {when}; "
             f"{cpu}, {env['nproc']} cores, {mem:.1f} GiB, Linux {env['kernel']}; Node {env['node']}, "
             f"aimock {env['aimock']}, Python {env['python']}, openai-replay {metadata.version('openai-replay')}; "
             f"medians of {reps} rep(s); load average {env['loadavg_start'][0]:.2f} at start, "
             f"{env['loadavg_end'][0]:.2f} at end.", "",
             "| metric | " + " | ".join(servers) + " | " + " | ".join(f"{s}/raw" for s in servers if s != "raw") + " |",
             "|---|" + "---:|" * (2 * len(servers) - 1)]  # fmt: skip
    agg = res["aggregate"]
    rows = [(lbl, {s: agg[s]["tests"].get(t, {}).get(k, {}).get("median") for s in servers}) for t, k, lbl in run_all.KEY]
    for lbl, key in (("server RSS idle at start (MB)", "mem_start_kB.VmRSS"), ("server peak RSS (MB)", "mem_end_kB.VmHWM")):
        rows.append((lbl, {s: agg[s][key]["median"] / 1024 if key in agg[s] else None for s in servers}))
    for lbl, med in rows:
        if all(v is None for v in med.values()):
            continue
        ratios = [f"{med[s] / med['raw']:.2f}" if med[s] and med.get("raw") else "-" for s in servers if s != "raw"]
        lines.append(f"| {lbl} | " + " | ".join(run_all.fmt(med[s]) for s in servers) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines) + "\n", problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3, help="reps per server (run_all.py's --reps; default 3)")
    ap.add_argument("--peer-dir", default=os.path.join(os.path.dirname(ROOT), "shared", "peer-bench"),
                    help="the read-only harness (default: ../shared/peer-bench beside the repo)")  # fmt: skip
    ap.add_argument("--workdir", default="", help="a fresh folder (default: results/peer-<UTC date-time>)")
    argv = sys.argv[1:]
    cut = argv.index("--") if "--" in argv else len(argv)
    a, extra = ap.parse_args(argv[:cut]), argv[cut + 1 :]  # after the first --: run_all.py's, as they are
    if any("fastclient" in x for x in extra):
        fail("--client fastclient.py cannot measure openai-replay: it waits for aimock's last bytes "
             '(\'"total_tokens":0}}}\'), which openai-replay never sends (use benchmarks/run.py)')  # fmt: skip
    if any(c.isspace() for c in PY + SCENARIO):
        fail(f"run_all.py splits the server command on whitespace; move these out of paths with spaces: {PY}, {SCENARIO}")
    workdir = os.path.abspath(a.workdir or os.path.join(HERE, "results", time.strftime("peer-%Y%m%d-%H%M%SZ", time.gmtime())))
    harness, outdir = os.path.join(workdir, "harness"), os.path.join(workdir, "results")
    if os.path.exists(harness):
        fail(f"{harness} already exists; give a fresh --workdir")
    prepare(os.path.abspath(a.peer_dir), harness)
    run = [PY, "run_all.py", "--reps", str(a.reps), "--outdir", outdir, "--server", f"openai-replay={COMMAND}",
           "--port-base", str(port_base(3 * a.reps + 3)), *extra]  # fmt: skip
    print("peer.py: running", " ".join(repr(p) if " " in p else p for p in run), f"(in {harness})", flush=True)
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    code = subprocess.run(run, cwd=harness).returncode
    when = f"{started} to {time.strftime('%H:%M', time.gmtime())} UTC"
    if code != 0 or not os.path.exists(os.path.join(outdir, "results.json")):
        print(f"peer.py: run_all.py failed (exit {code}); server logs in {outdir}", file=sys.stderr)
        return code or 1
    summary, problems = summarize(harness, outdir, a.reps, when)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(summary)
    print(f"\nresults: {outdir}/results.json, results_table.md (run_all.py's table), *.server.log")
    print(f"summary (for README.md): {outdir}/summary.md\n\n{summary}")
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
