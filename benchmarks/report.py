"""Benchmark results: per-server medians and ratios to the baseline, the detailed and README tables,
and the description of the machine and versions a run was taken on."""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
AIMOCK_DIR = os.path.join(HERE, "node_modules", "@copilotkit", "aimock")
BASELINE = "raw"


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
