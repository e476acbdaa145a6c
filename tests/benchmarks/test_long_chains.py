"""The long-conversation benchmark keeps working: a 20-turn run prints both rows, bad arguments exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "long_chains.py"


def test_a_short_run_measures_both_conversations() -> None:
    """Twenty turns of each conversation against a real `openai-replay serve`: exit 0 and one row each."""
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--turns", "20", "--window", "5"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    rows = [line.split("|")[1].strip() for line in done.stdout.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows == ["conversation", "responses", "realtime"]


def test_a_window_larger_than_half_the_turns_is_refused() -> None:
    """--window must fit twice in --turns: a one-line usage error, exit 2."""
    args = [sys.executable, str(SCRIPT), "--turns", "10", "--window", "6"]
    done = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "at least twice" in done.stderr
