"""The benchmark scripts keep working: a tiny run of benchmarks/run.py, and ``openai-replay bench``.

Benchmarks are not tests: nothing here looks at a time. The smoke run uses real server processes
on 127.0.0.1 (openai-replay's CLI and the raw aiohttp baseline), scaled down to a few seconds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from openai_replay.cli import bench as bench_cli

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "benchmarks" / "run.py"
BIN = Path(sys.executable).parent / "openai-replay"
SERVERS = ("openai-replay", "raw")
TESTS = {
    "ws_long",
    "ws_long_noparse",
    "ws_turns",
    "sse_long",
    "sse_long_noparse",
    "conc",
    "conc_big",
    "ws_long_fast",
    "sse_long_fast",
    "cassette_replay",
    "cassette_load",
}
TINY = [
    "--servers",
    ",".join(SERVERS),
    "--reps",
    "1",
    "--long-iters",
    "1",
    "--turns",
    "20",
    "--conc",
    "5",
    "--conc-big",
    "20",
    "--cassette-turns",
    "5",
    "--big-cassette-mb",
    "0.2",
    "--cassette-loads",
    "2",
    "--no-warmup",
]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One tiny run of every test against openai-replay and raw; its exit status, output and results.json."""
    outdir = tmp_path_factory.mktemp("bench")
    proc = subprocess.run([sys.executable, str(RUN), *TINY, "--outdir", str(outdir)], capture_output=True, text=True, timeout=300)
    results = json.loads((outdir / "results.json").read_text()) if (outdir / "results.json").exists() else {}
    return {"proc": proc, "outdir": outdir, "results": results}


@pytest.mark.slow
def test_tiny_run_measures_every_test_on_both_servers(smoke: dict[str, Any]) -> None:
    """run.py exits 0 and results.json holds every test for both servers, with the right event counts."""
    proc = smoke["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = smoke["results"]
    assert results["problems"] == []
    for server in SERVERS:
        (rep,) = results["runs"][server]
        tests = rep["tests"]
        assert set(tests) == TESTS, server
        for name in ("ws_long", "sse_long"):
            assert (tests[name]["events_per_response"], tests[name]["deltas_per_response"]) == (10008, 10000), (server, name)
        assert tests["ws_turns"]["events_per_turn_min"] == tests["ws_turns"]["events_per_turn_max"] == 10
        assert (tests["conc"]["errors"], tests["conc"]["turns_ok"], tests["conc"]["events_total"]) == (0, 25, 250)
        assert (tests["conc_big"]["errors"], tests["conc_big"]["turns_ok"], tests["conc_big"]["events_total"]) == (0, 100, 1000)
        replay = tests["cassette_replay"]
        assert (replay["errors"], replay["turns_ok"]) == (0, 5), server
        assert tests["cassette_load"]["MB"] >= 0.2
    ours = results["runs"]["openai-replay"][0]["tests"]["cassette_replay"]
    assert ours["events_per_turn"] == ours["events_per_turn_recorded"] and ours["server_exit"] == 0
    assert results["runs"]["raw"][0]["tests"]["cassette_replay"]["events_per_turn"] == [10] * 5


@pytest.mark.slow
def test_tiny_run_writes_the_tables_with_ratios(smoke: dict[str, Any]) -> None:
    """summary.md has the 1,000-connection (here 20), cassette replay and cassette load rows with a ratio to raw."""
    summary = (smoke["outdir"] / "summary.md").read_text()
    assert "| metric | openai-replay | raw | openai-replay/raw |" in summary
    rows = {line.split(" | ")[0].lstrip("| ").rstrip(" ↑↓"): line for line in summary.splitlines() if line.startswith("| ")}
    for label in (
        "20 conns x 5 short turns: wall s",
        "20 conns x 5 short turns: errors",
        "5-turn recorded conversation, replay at speed 0 (1 conn): wall s (raw: 5 short turns)",
        "big cassette load s, median (raw: json.load of the same file)",
    ):
        assert label in rows, label
    assert (smoke["outdir"] / "results_table.md").exists()
    assert (smoke["outdir"] / "cassettes" / "chat5.json").exists()


def test_openai_replay_bench_help_is_run_py_help() -> None:
    """``openai-replay bench --help`` (the console script) prints run.py's usage and options."""
    proc = subprocess.run([str(BIN), "bench", "--help"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: openai-replay bench ")
    assert "--conc-big" in proc.stdout and "--big-cassette-mb" in proc.stdout


def test_openai_replay_bench_passes_arguments_and_exit_status_through() -> None:
    """``python -m openai_replay.cli.main bench`` hands every argument to run.py and returns its exit status."""
    proc = subprocess.run(
        [sys.executable, "-m", "openai_replay.cli.main", "bench", "--reps", "many"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "openai-replay bench: error: argument --reps: invalid int value: 'many'" in proc.stderr


def test_bench_without_a_source_checkout_exits_2_and_says_how(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Installed from a wheel (no benchmarks/ beside the package or in the current folder): exit 2, clear message."""
    installed = tmp_path / "site-packages" / "openai_replay" / "cli" / "bench.py"  # where a wheel puts the module
    assert bench_cli.main(["--help"], here=installed, cwd=tmp_path) == 2
    err = capsys.readouterr().err
    assert "runs benchmarks/run.py from a source checkout" in err
    assert "pip install -e '.[test]'" in err and str(tmp_path / "benchmarks" / "run.py") in err
