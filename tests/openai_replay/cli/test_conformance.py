"""`openai-replay conformance` arguments: unknown names are usage errors and nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from servekit import cli_process


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--client", "nope"], "unknown client 'nope'; expected one of: openai-ws"),
        (["--python", "foo"], "expected EXTRA=PATH"),
        (["--python", "nope=/usr/bin/python3"], "unknown extra 'nope'"),
        (["--check", "nope"], "unknown check 'nope'; expected one of: plain_turn"),
    ],
)
def test_unknown_names_are_usage_errors_and_nothing_runs(
    argv: list[str], expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12 item 15: a bad --client/--python/--check exits 2 naming what was expected, before any runner starts."""
    from openai_replay.cli.main import main

    out = tmp_path / "report"
    # --client openai-http keeps a wrongly accepted argument's run short (a bounded failure, not the battery).
    extra = [] if argv[0] == "--client" else ["--client", "openai-http"]
    with pytest.raises(SystemExit) as exited:
        main(["conformance", "--output", str(out), *extra, *argv])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not out.exists()  # no runner was started


def test_the_conformance_command_exits_2_on_an_unknown_client() -> None:
    """The same refusal from the command line: exit 2, one clear line, no runner started."""
    done = cli_process("conformance", "--client", "nope", timeout=120)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])
    assert "unknown client 'nope'; expected one of: openai-ws" in done.stderr and "Traceback" not in done.stderr
    assert "conformance: " not in done.stderr.replace("openai-replay conformance: ", "")


def test_good_python_override_is_accepted(tmp_path: Path) -> None:
    """EXTRA=PATH with a known extra parses (the override is used for that extra's runner)."""
    from openai_replay.cli.conformance import interpreter
    from openai_replay.cli.main import build_parser

    args = build_parser().parse_args(["conformance", "--python", "openai=/opt/py", "--from-json", str(tmp_path / "x.json")])
    assert interpreter("openai", dict(args.python)) == "/opt/py"
