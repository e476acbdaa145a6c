"""The surfaces benchmark's table: its rows, medians over the reps, ratios of openai-replay to the others."""

from __future__ import annotations

import argparse
from typing import Any

from report import fmt, med

OURS = "openai-replay"
ONLY_OURS = {"rt_audio"}  # aimock's and raw's Realtime ignore input audio: nothing to compare

# (test, key, label, direction): "+" higher is better, "-" lower is better, "" a count.
ROWS = [
    ("chat_short", "p50_ms", "chat completions streamed, short turn p50 ms ({n_short} sequential)", "-"),
    ("chat_short", "p99_ms", "chat completions streamed, short turn p99 ms", "-"),
    ("chat_short", "requests_per_s", "chat completions streamed, short turns/s", "+"),
    ("chat_short", "server_cpu_ms_per_request", "chat short turn: server CPU ms", "-"),
    ("chat_long", "events_per_s", "chat completions streamed, long stream events/s (10,002 chunks, parsed)", "+"),
    ("chat_long", "server_cpu_us_per_event", "chat long stream: server CPU us per event", "-"),
    ("chat_long", "bytes_per_response", "chat long stream bytes per response", ""),
    ("embeddings", "requests_per_s", "embeddings/s (1 input, 1,536 floats)", "+"),
    ("embeddings", "server_cpu_ms_per_request", "embeddings: server CPU ms per request", "-"),
    ("tts_pcm", "bytes_per_s", "TTS pcm bytes/s ({tts_s:.1f} s of speech, {tts_kb:.0f} KB)", "+"),
    ("tts_pcm", "requests_per_s", "TTS pcm requests/s", "+"),
    ("tts_mp3", "bytes_per_s", "TTS mp3 (the default) bytes/s", "+"),
    ("tts_mp3", "requests_per_s", "TTS mp3 requests/s", "+"),
    ("tts_mp3", "server_cpu_ms_per_request", "TTS mp3: server CPU ms per request", "-"),
    ("stt", "requests_per_s", "transcriptions/s ({tts_s:.1f} s WAV, {tts_kb:.0f} KB upload)", "+"),
    ("stt", "server_cpu_ms_per_request", "transcription: server CPU ms per request", "-"),
    ("rt_text", "p50_ms", "Realtime text turn p50 ms (create -> response.done, {n_rt} on 1 socket)", "-"),
    ("rt_text", "p99_ms", "Realtime text turn p99 ms", "-"),
    ("rt_text", "p50_first_ms", "Realtime text turn p50 ms, first 20 turns", "-"),
    ("rt_text", "p50_last_ms", "Realtime text turn p50 ms, last 20 turns (2 more conversation items a turn)", "-"),
    ("rt_text", "turns_per_s", "Realtime text turns/s", "+"),
    ("rt_text", "events_per_turn_median", "Realtime text turn: events per turn (rate_limits.updated not counted)", ""),
    ("rt_audio", "p50_ms", "Realtime audio turn p50 ms (last append -> response.done)", "-"),
    ("rt_audio", "first_audio_p50_ms", "Realtime audio turn: last append -> first output audio, ms", "-"),
    ("rt_audio", "audio_x_realtime", "Realtime audio turn: reply audio streamed, x real time", "+"),
    ("rt_audio", "reply_audio_s", "Realtime audio turn: reply audio s per turn", ""),
    ("rt_audio", "audio_bytes_per_s", "Realtime audio turn: output audio bytes/s", "+"),
]


def aggregate(servers: list[str], runs: dict[str, list[dict[str, Any]]], a: argparse.Namespace) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for test, key, label, direction in ROWS:
        row: dict[str, Any] = {"direction": direction, "test": test}
        for s in servers:
            xs = [r["tests"][test][key] for r in runs[s] if key in r["tests"].get(test, {})]
            if xs:
                row[s] = {"median": med(xs), "min": min(xs), "max": max(xs), "all": xs}
        for s in servers:
            if s != OURS and s in row and OURS in row and row[s]["median"]:
                row[f"{OURS}/{s}"] = row[OURS]["median"] / row[s]["median"]
        if len(row) > 2:
            rows[label.format(**vars(a))] = row
    for key, field, label in (
        ("mem_start_kB", "VmRSS", "server RSS after start MB"),
        ("mem_final_kB", "VmHWM", "server peak RSS over the rep MB"),
    ):
        row = {"direction": "-", "test": ""}
        for s in servers:
            xs = [r[key][field] / 1024 for r in runs[s] if field in r.get(key, {})]
            if xs:
                row[s] = {"median": med(xs), "min": min(xs), "max": max(xs), "all": xs}
        for s in servers:
            if s != OURS and s in row and OURS in row:
                row[f"{OURS}/{s}"] = row[OURS]["median"] / row[s]["median"]
        if len(row) > 2:
            rows[label] = row
    return rows


def summary(servers: list[str], rows: dict[str, dict[str, Any]], env: dict[str, Any], reps: int) -> str:
    others = [s for s in servers if s != OURS]
    versions = (
        f"Python {env['python']}, aiohttp {env['aiohttp']}, openai-replay {env['openai-replay']} (git {env['openai-replay git']}"
    )
    versions += ", uncommitted changes)" if env["openai-replay tree dirty"] else ")"
    if "aimock" in env:
        versions += f", aimock {env['aimock']} on Node {env['node']}"
    load = f"load average {env['loadavg_start'][0]:.2f} at start, {env['loadavg_end'][0]:.2f} at end"
    lines = [
        f"Surfaces benchmark, run {env['started']} to {env['finished']}; {env['cpu']}, {env['nproc']} cores; {versions}; "
        f"medians of {reps} reps (a fresh server process per rep); {load}{env.get('load_note', '')}.",
        "",
        "| metric | " + " | ".join(servers) + " | " + " | ".join(f"{OURS}/{s}" for s in others) + " |",
        "|---|" + "---:|" * (len(servers) + len(others)),
    ]
    for label, row in rows.items():
        arrow = {"+": " ↑", "-": " ↓"}.get(row["direction"], "")
        cells = []
        for s in servers:
            if s in row:
                cells.append(fmt(row[s]["median"]))
            else:
                cells.append("text only" if row["test"] in ONLY_OURS and s == "aimock" else "-")
        ratios = [f"{row[f'{OURS}/{s}']:.2f}" if f"{OURS}/{s}" in row and row["direction"] else "-" for s in others]
        lines.append(f"| {label}{arrow} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " |")
    lines += ["", "↑ higher is better, ↓ lower is better; a ratio is openai-replay's median over the other server's median."]
    return "\n".join(lines)
