"""The surfaces benchmark keeps working: a miniature run of benchmarks/surfaces.py, and its checks.

Benchmarks are not tests: nothing here looks at a time. The smoke run starts real server processes on
127.0.0.1 (`openai-replay serve`, the raw aiohttp baseline, and aimock when `npm ci` installed it)
and drives every surface with a handful of requests.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"
SURFACES = BENCH / "surfaces.py"
BIN = Path(sys.executable).parent / "openai-replay"
AIMOCK = (BENCH / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js").exists() and shutil.which("node") is not None
SERVERS = ["openai-replay", "raw", *(["aimock"] if AIMOCK else [])]
TESTS = {"chat_short", "chat_long", "embeddings", "tts_pcm", "tts_mp3", "stt", "rt_text", "rt_audio"}
TINY = ["--reps", "1", "--n-short", "3", "--n-long", "1", "--n-embed", "3", "--n-tts", "2", "--n-mp3", "1", "--n-stt", "1"]
TINY += ["--n-rt", "3", "--n-rt-audio", "1", "--servers", ",".join(SERVERS)]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One miniature run; its exit status, output, results.json and summary.md."""
    outdir = tmp_path_factory.mktemp("surfaces")
    proc = subprocess.run(
        [sys.executable, str(SURFACES), *TINY, "--outdir", str(outdir)], capture_output=True, text=True, timeout=300
    )
    results = json.loads((outdir / "results.json").read_text()) if (outdir / "results.json").exists() else {}
    summary = (outdir / "summary.md").read_text() if (outdir / "summary.md").exists() else ""
    return {"proc": proc, "results": results, "summary": summary}


@pytest.mark.slow
def test_tiny_run_measures_every_surface_and_checks_the_answers(smoke: dict[str, Any]) -> None:
    """surfaces.py exits 0 with no problem, every server ran every test it can, with the expected answers."""
    proc, results = smoke["proc"], smoke["results"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert results["problems"] == []
    expect = results["expect"]
    for server in SERVERS:
        (rep,) = results["runs"][server]
        tests = rep["tests"]
        assert set(tests) == (TESTS if server == "openai-replay" else TESTS - {"rt_audio"}), server
        assert tests["chat_long"]["deltas_per_response"] == [10000] and tests["chat_long"]["events_per_response"] == [10002]
        assert tests["chat_short"]["reply_digests"] == [expect["chat_short"]]
        assert tests["embeddings"]["dimensions"] == [1536]
        assert tests["tts_mp3"]["bytes_per_response"] == [expect["tts_mp3"][0]] and expect["tts_mp3"][0] > 10_000
        assert tests["stt"]["texts"] == ["The quick brown fox jumps over the lazy dog, twice: 1, 2! Ça va?"]
        assert tests["rt_text"]["texts"] == [expect["rt_reply"]] and tests["rt_text"]["statuses"] == ["completed"]
    audio = results["runs"]["openai-replay"][0]["tests"]["rt_audio"]
    assert audio["statuses"] == ["completed"] and min(audio["audio_bytes_per_turn"]) > 48_000  # over a second of reply audio


@pytest.mark.slow
def test_tiny_run_writes_the_table_with_ratios(smoke: dict[str, Any]) -> None:
    """summary.md has every surface's row, ratios to the other servers, and the machine's load in its heading."""
    summary = smoke["summary"]
    assert "load average" in summary
    assert "| metric | " + " | ".join(SERVERS) + " | openai-replay/raw" in summary
    rows = {line.split(" | ")[0].lstrip("| ").rstrip(" ↑↓"): line for line in summary.splitlines() if line.startswith("| ")}
    for label in (
        "chat completions streamed, short turn p50 ms (3 sequential)",
        "chat completions streamed, long stream events/s (10,002 chunks, parsed)",
        "embeddings/s (1 input, 1,536 floats)",
        "TTS pcm bytes/s (4.6 s of speech, 222 KB)",
        "TTS mp3 (the default) bytes/s",
        "transcriptions/s (4.6 s WAV, 222 KB upload)",
        "Realtime text turn p50 ms (create -> response.done, 3 on 1 socket)",
        "Realtime audio turn p50 ms (last append -> response.done)",
        "server peak RSS over the rep MB",
    ):
        assert label in rows, label
    if AIMOCK:
        assert "text only" in rows["Realtime audio turn p50 ms (last append -> response.done)"]


@pytest.mark.slow
def test_a_wrong_answer_is_a_problem(smoke: dict[str, Any]) -> None:
    """check() names every answer that differs from what openai-replay sent: a digest, a count, a transcript."""
    sys.path.insert(0, str(BENCH))
    try:
        import surfaces
    finally:
        sys.path.remove(str(BENCH))
    results = smoke["results"]
    rep = copy.deepcopy(results["runs"]["raw"][0])
    assert surfaces.check("raw", rep, results["expect"], sorted(TESTS)) == []
    rep["tests"]["chat_long"]["deltas_per_response"] = [9999]
    rep["tests"]["stt"]["texts"] = ["something else"]
    del rep["tests"]["embeddings"]
    problems = surfaces.check("raw", rep, results["expect"], sorted(TESTS))
    assert any("chat_long.deltas_per_response = [9999]" in p for p in problems)
    assert any("stt.texts = ['something else']" in p for p in problems)
    assert "raw: embeddings missing from the client's results" in problems
    assert surfaces.check("raw", {"tests": {}, "error": "client exited 1"}, results["expect"], sorted(TESTS)) == [
        "raw: client exited 1"
    ]


def test_openai_replay_bench_surfaces_help_is_surfaces_help() -> None:
    """``openai-replay bench --surfaces --help`` prints surfaces.py's usage under the command's name."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([str(BIN), "bench", "--surfaces", "--help"], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: openai-replay bench --surfaces ")
    assert "--n-rt-audio" in proc.stdout
