"""Benchmark the surfaces beyond Responses: openai-replay beside aimock (and raw aiohttp) in one run.

Rows: chat completions streamed (a short turn's p50, a long stream's events/s), embeddings/s, TTS
bytes/s (`pcm` and the default `mp3`), transcriptions/s, a Realtime text turn's latency, and a
Realtime audio turn's latency and throughput (openai-replay only: aimock's Realtime is text only, it
ignores input audio and sends no output audio).

First, once per run, `openai-replay serve` answers the requests whose bytes the other servers must
repeat (the speech in pcm and mp3, a WAV of that text, the words spoken in the audio turn, the Realtime
text reply); they go into aimock's fixture file (read by the raw baseline too) and the client's data
file. Then, per rep and server (a fresh process each time, the order reversed every other rep):
surfaces_client.py runs every test against it. Then medians over the reps, ratios of openai-replay to
aimock and to raw, `results.json` and `summary.md` in the run's folder.

Servers:
  openai-replay  `openai-replay serve --no-auth --scenario surfaces_scenario.json` (the run's folder):
                 the chat replies scripted as in bench_scenario.json, everything else the simulated
                 defaults, exactly as a user serves them
  aimock         @copilotkit/aimock 1.43.0 (`npm ci` in this folder), the generated fixtures
  raw            raw_surfaces.py: the least an aiohttp server does to send the same answers

Each answer is checked (reply text digests, delta and event counts, embedding dimensions, audio byte
counts and digests, transcripts, Realtime statuses); a server that did not answer as expected makes
the run exit 1 with PROBLEM lines.

Usage (from the repository root):
  .venv/bin/python benchmarks/surfaces.py              # 3 reps, all servers (= openai-replay bench --surfaces)
  .venv/bin/python benchmarks/surfaces.py --quick --reps 1
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
from typing import Any

import aiohttp

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench import proc_mem  # noqa: E402
from fixtures import REPLIES  # noqa: E402
from procs import PY, free_port, openai_replay_serve, stop, wait_port  # noqa: E402
from report import AIMOCK_DIR, environment  # noqa: E402
from surfaces_client import TESTS, digest, t_rt_text  # noqa: E402
from surfaces_report import ONLY_OURS, OURS, aggregate, summary  # noqa: E402

AIMOCK_CLI = os.path.join(AIMOCK_DIR, "dist", "cli.js")
TTS_TEXT = "The quick brown fox jumps over the lazy dog, twice: 1, 2! Ça va?"  # 64 characters, 4.6 s of speech
TTS_MODEL = {"pcm": "gpt-4o-mini-tts", "mp3": "tts-1"}  # one model per format: aimock matches speech by model
SPOKEN = "what is the weather in the city"  # the Realtime audio turn's words
RT_TEXT = "bench-realtime"
EMBED_TEXT = "bench embeddings: the quick brown fox"


def scenario() -> dict[str, Any]:
    """openai-replay's scenario: the benchmark's two chat replies, everything else simulated."""
    rules = []
    for name in ("bench-long", "bench-short"):
        text, chunk = REPLIES[name]
        rules.append(
            {
                "name": name,
                "match": {"api": "chat", "text_contains": name},
                "do": [{"action": "text", "text": text, "chunk": chunk}],
            }
        )
    return {"version": 1, "name": "surfaces", "description": "benchmarks/surfaces.py", "unmatched": "simulate", "rules": rules}


async def capture(base: str) -> dict[str, Any]:
    """What openai-replay answers, for the other servers to repeat: speech bytes, a WAV, the Realtime reply."""
    out: dict[str, Any] = {}
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as sess:

        async def speech(text: str, model: str, fmt: str) -> bytes:
            body = {"model": model, "voice": "alloy", "input": text, "response_format": fmt}
            async with sess.post(f"{base}/v1/audio/speech", json=body) as resp:
                data = await resp.read()
                if resp.status != 200:
                    raise RuntimeError(f"openai-replay answered the speech capture with {resp.status}: {data[:300]!r}")
                return data

        for fmt, model in TTS_MODEL.items():
            out[fmt] = await speech(TTS_TEXT, model, fmt)
        out["wav"] = await speech(TTS_TEXT, "tts-1", "wav")
        out["spoken"] = await speech(SPOKEN, "tts-1", "pcm")
        (out["rt_reply"],) = (await t_rt_text(sess, base, RT_TEXT, 1))["texts"]
    return out


def prepare(outdir: str) -> dict[str, Any]:
    """Write the scenario, start openai-replay once to capture its answers, write aimock's fixtures and the client's data."""
    scenario_path = os.path.join(outdir, "surfaces_scenario.json")
    with open(scenario_path, "w") as f:
        json.dump(scenario(), f, indent=1)
    port = free_port()
    with open(os.path.join(outdir, "capture.server.log"), "w") as log:
        proc = subprocess.Popen(openai_replay_serve(port, "--scenario", scenario_path), stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_port(port, proc)
            got = asyncio.run(capture(f"http://127.0.0.1:{port}"))
        finally:
            stop(proc)
    (short, short_chunk), (long, long_chunk) = REPLIES["bench-short"], REPLIES["bench-long"]
    fixtures = [
        {"match": {"userMessage": "bench-short"}, "response": {"content": short}, "latency": 0, "chunkSize": short_chunk},
        {"match": {"userMessage": "bench-long"}, "response": {"content": long}, "latency": 0, "chunkSize": long_chunk},
        {"match": {"userMessage": RT_TEXT}, "response": {"content": got["rt_reply"]}, "latency": 0},
        *(
            {
                "match": {"endpoint": "speech", "model": model},
                "response": {"audio": base64.b64encode(got[fmt]).decode(), "format": fmt},
            }
            for fmt, model in TTS_MODEL.items()
        ),
        {"match": {"endpoint": "transcription"}, "response": {"transcription": {"text": TTS_TEXT}}},
    ]
    fixture_dir = os.path.join(outdir, "fixtures")
    os.makedirs(fixture_dir, exist_ok=True)
    fixture_path = os.path.join(fixture_dir, "surfaces.json")
    with open(fixture_path, "w") as f:
        json.dump({"fixtures": fixtures}, f)
    data = {
        "tts_text": TTS_TEXT,
        "tts_model": TTS_MODEL,
        "embed_text": EMBED_TEXT,
        "rt_text": RT_TEXT,
        "wav": base64.b64encode(got["wav"]).decode(),
        "speech_pcm": base64.b64encode(got["spoken"]).decode(),
    }
    data_path = os.path.join(outdir, "client_data.json")
    with open(data_path, "w") as f:
        json.dump(data, f)
    expect = {
        "chat_short": digest(short),
        "chat_long": digest(long),
        "chat_short_deltas": -(-len(short) // short_chunk),
        "chat_long_deltas": -(-len(long) // long_chunk),
        "rt_reply": got["rt_reply"],
        **{f"tts_{fmt}": (len(got[fmt]), hashlib.sha256(got[fmt]).hexdigest()[:16]) for fmt in TTS_MODEL},
    }
    return {"scenario": scenario_path, "fixtures": fixture_path, "data": data_path, "expect": expect}


def server_cmd(name: str, port: int, prep: dict[str, Any]) -> list[str]:
    if name == OURS:
        return openai_replay_serve(port, "--scenario", prep["scenario"])
    if name == "aimock":
        return [
            "node",
            AIMOCK_CLI,
            "-p",
            str(port),
            "-h",
            "127.0.0.1",
            "-f",
            os.path.dirname(prep["fixtures"]),
            "--log-level",
            "silent",
        ]
    if name == "raw":
        return [PY, os.path.join(HERE, "raw_surfaces.py"), str(port), "--fixtures", prep["fixtures"]]
    raise ValueError(f"unknown server {name!r}")


def run_one(name: str, rep: int, outdir: str, prep: dict[str, Any], a: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    tests = [t for t in a.tests.split(",") if name == OURS or t not in ONLY_OURS]
    with open(os.path.join(outdir, f"{name}_rep{rep}.server.log"), "w") as log:
        proc = subprocess.Popen(server_cmd(name, port, prep), stdout=log, stderr=subprocess.STDOUT)
        try:
            ready = wait_port(port, proc)
            time.sleep(0.3)
            start_mem = {"VmRSS": proc_mem(proc.pid).get("VmRSS", 0)}
            out = os.path.join(outdir, f"{name}_rep{rep}.json")
            counts = [
                f"--{k.replace('_', '-')}={getattr(a, k)}"
                for k in ("n_short", "n_long", "n_embed", "n_tts", "n_mp3", "n_stt", "n_rt", "n_rt_audio")
            ]
            cmd = [
                PY,
                os.path.join(HERE, "surfaces_client.py"),
                "--port",
                str(port),
                "--server-pid",
                str(proc.pid),
                "--label",
                f"{name}#{rep}",
            ]
            cmd += ["--data", prep["data"], "--out", out, "--tests", ",".join(tests), *counts]
            client = subprocess.run(cmd, cwd=HERE, timeout=900, capture_output=True, text=True)
            if client.returncode != 0:
                return {"tests": {}, "error": f"client exited {client.returncode}: {client.stderr.strip()[-1500:]}"}
            with open(out) as f:
                d: dict[str, Any] = json.load(f)
            d["mem_final_kB"] = proc_mem(proc.pid)  # VmHWM: the peak over the whole rep
            d["mem_start_kB"] = start_mem
            d["startup_s"] = ready
            with open(out, "w") as f:
                json.dump(d, f, indent=1)
            return d
        finally:
            stop(proc)


def check(name: str, d: dict[str, Any], expect: dict[str, Any], tests: list[str]) -> list[str]:
    """What a server must have sent for its figures to count; one line per difference."""
    if "error" in d:
        return [f"{name}: {d['error']}"]
    t = d["tests"]
    bad: list[str] = []

    def want(test: str, key: str, value: Any) -> None:
        got = t.get(test, {}).get(key)
        if got != value:
            bad.append(f"{name}: {test}.{key} = {got!r}, expected {value!r}")

    for test in tests:
        if name != OURS and test in ONLY_OURS:
            continue
        if test not in t:
            bad.append(f"{name}: {test} missing from the client's results")
            continue
        if test.startswith("chat_"):
            want(test, "reply_digests", [expect[test]])
            want(test, "deltas_per_response", [expect[f"{test}_deltas"]])
            want(test, "events_per_response", [expect[f"{test}_deltas"] + 2])  # role chunk, deltas, finish chunk
        elif test == "embeddings":
            want(test, "dimensions", [1536])
        elif test.startswith("tts_"):
            size, sha = expect[test]
            want(test, "bytes_per_response", [size])
            want(test, "audio_digests", [sha])
        elif test == "stt":
            want(test, "texts", [TTS_TEXT])
        elif test == "rt_text":
            want(test, "texts", [expect["rt_reply"]])
            want(test, "statuses", ["completed"])
        elif test == "rt_audio":
            want(test, "statuses", ["completed"])
            if not all(t[test].get("audio_bytes_per_turn", [0])) or not all(t[test].get("transcripts", [""])):
                bad.append(f"{name}: rt_audio sent no audio or no transcript: {t[test].get('audio_bytes_per_turn')}")
    return bad


def main() -> int:
    prog = os.environ.get("OPENAI_REPLAY_BENCH_PROG")
    ap = argparse.ArgumentParser(
        prog=f"{prog} --surfaces" if prog else None, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--servers", default=f"{OURS},aimock,raw", help="comma-separated, openai-replay first")
    ap.add_argument("--tests", default=",".join(TESTS), help="comma-separated, from: " + ", ".join(TESTS))
    ap.add_argument("--outdir", default="", help="default: results/surfaces-<date-time>")
    ap.add_argument("--n-short", type=int, default=300, help="short chat turns")
    ap.add_argument("--n-long", type=int, default=5, help="long chat streams")
    ap.add_argument("--n-embed", type=int, default=300, help="embeddings requests")
    ap.add_argument("--n-tts", type=int, default=30, help="TTS pcm requests")
    ap.add_argument("--n-mp3", type=int, default=10, help="TTS mp3 requests")
    ap.add_argument("--n-stt", type=int, default=20, help="transcription requests")
    ap.add_argument("--n-rt", type=int, default=200, help="Realtime text turns")
    ap.add_argument("--n-rt-audio", type=int, default=10, help="Realtime audio turns (openai-replay only)")
    ap.add_argument("--quick", action="store_true", help="a smoke run: a tenth of every count (at least 1)")
    ap.add_argument("--load-note", default="", help="appended to the load average in the table's heading")
    ap.add_argument("--aggregate-only", action="store_true", help="rebuild the table from --outdir's results.json")
    a = ap.parse_args()
    if a.quick:
        for k in ("n_short", "n_long", "n_embed", "n_tts", "n_mp3", "n_stt", "n_rt", "n_rt_audio"):
            setattr(a, k, max(1, getattr(a, k) // 10))
    tests = [t for t in a.tests.split(",") if t]
    unknown = sorted(set(tests) - set(TESTS))
    if unknown:
        ap.error(f"unknown tests: {', '.join(unknown)}")
    servers = [s for s in a.servers.split(",") if s]
    if not servers or servers[0] != OURS or set(servers) - {OURS, "aimock", "raw"}:
        ap.error(f"--servers: {OURS} first, then any of aimock, raw")
    if "aimock" in servers and not os.path.exists(AIMOCK_CLI):
        print(f"note: aimock left out: run `npm ci` in {HERE} to install @copilotkit/aimock (pinned)", file=sys.stderr)
        servers.remove("aimock")
    outdir = os.path.abspath(a.outdir or os.path.join(HERE, "results", time.strftime("surfaces-%Y%m%d-%H%M%S")))
    os.makedirs(outdir, exist_ok=True)
    if a.aggregate_only:  # the same run's records, the table rebuilt (its env is the original run's)
        with open(os.path.join(outdir, "results.json")) as f:
            old = json.load(f)
        env, runs, problems, prep = old["env"], old["runs"], old["problems"], {"expect": old["expect"]}
        servers = [s for s in servers if s in runs]
        a.reps = len(runs[OURS])
        a.__dict__.update({k: v for k, v in env["args"].items() if k.startswith("n_")})
    else:
        env = environment(servers)
        env["args"] = vars(a)
        prep = prepare(outdir)
        runs = {s: [] for s in servers}
        problems = []
        for rep in range(1, a.reps + 1):
            for s in servers if rep % 2 else list(reversed(servers)):
                d = run_one(s, rep, outdir, prep, a)
                runs[s].append(d)
                problems += check(s, d, prep["expect"], tests)
        env["loadavg_end"] = os.getloadavg()
        env["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        env["load_note"] = f" ({a.load_note})" if a.load_note else ""
    a.tts_s, a.tts_kb = prep["expect"]["tts_pcm"][0] / 48000, prep["expect"]["tts_pcm"][0] / 1000  # 24 kHz 16-bit mono
    rows = aggregate(servers, runs, a)
    text = summary(servers, rows, env, a.reps)
    print(text)
    for p in problems:
        print("PROBLEM:", p, file=sys.stderr)
    with open(os.path.join(outdir, "summary.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"env": env, "expect": prep["expect"], "summary": rows, "problems": problems, "runs": runs}, f, indent=1)
    print(f"\nwrote {outdir}/summary.md and results.json", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
