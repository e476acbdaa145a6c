"""`openai-replay conformance` arguments: unknown names are usage errors and nothing runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--client", "nope"], "unknown client 'nope'; expected one of: openai-ws"),
        (["--python", "foo"], "expected EXTRA=PATH"),
        (["--python", "nope=/usr/bin/python3"], "unknown extra 'nope'"),
        (["--check", "nope"], "unknown check 'nope'; expected one of: plain_turn"),
    ],
)
def test_unknown_names_are_usage_errors_and_nothing_runs(argv: list[str], expected: str, tmp_path: Path) -> None:
    """Issue 12 item 15: a bad --client/--python/--check exits 2 naming what was expected, before any runner starts."""
    out = tmp_path / "report"
    # --client openai-http keeps a wrongly accepted argument's run short (a bounded failure, not the battery).
    extra = [] if argv[0] == "--client" else ["--client", "openai-http"]
    done = subprocess.run(
        [sys.executable, "-m", "openai_replay.cli", "conformance", "--output", str(out), *extra, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert expected in done.stderr and "Traceback" not in done.stderr
    assert "conformance: " not in done.stderr.replace("openai-replay conformance: ", "")  # no runner was started
    assert not out.exists()


def test_good_python_override_is_accepted(tmp_path: Path) -> None:
    """EXTRA=PATH with a known extra parses (the override is used for that extra's runner)."""
    from openai_replay.cli.conformance import interpreter
    from openai_replay.cli.main import build_parser

    args = build_parser().parse_args(["conformance", "--python", "openai=/opt/py", "--from-json", str(tmp_path / "x.json")])
    assert interpreter("openai", dict(args.python)) == "/opt/py"
