"""``openai-replay import-vcr`` and ``show`` from the command line entry point."""

from __future__ import annotations

from pathlib import Path

import pytest
from cassettekit import real_cassette

from openai_replay.cassette import interactions, load_cassette
from openai_replay.cli.main import main


def test_import_vcr_then_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """import-vcr writes a v1 cassette and says what it skipped; show prints its timeline."""
    out = tmp_path / "tools.json"
    assert main(["import-vcr", str(real_cassette("llm-openai-plugin__test_tools.yaml")), str(out)]) == 0
    assert "imported 2 interaction(s) (2 streamed) from " in capsys.readouterr().out
    assert len(interactions(load_cassette(out))) == 2
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"cassette {out}  (format v1)")
    assert "calls simple_tool(" in shown and "13 events" in shown and "41 events" in shown


def test_bad_files_exit_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A broken cassette or a non-vcrpy YAML file stops with exit 2 and a readable error."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1, "connections": [')
    assert main(["show", str(broken)]) == 2
    assert "is not valid JSON" in capsys.readouterr().err
    other = tmp_path / "other.yaml"
    other.write_text("a: 1\n")
    assert main(["import-vcr", str(other), str(tmp_path / "o.json")]) == 2
    assert "it is not a vcrpy cassette" in capsys.readouterr().err
    assert not (tmp_path / "o.json").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nests deeper than 200 levels"),
        ('{"version": 1, "connections": [], "meta": ' + '{"a":' * 500 + "1" + "}" * 500 + "}", "at $.meta.a.a"),
        ('{"version": 1, "connections": [{"transport": "ws", "started_at": NaN}]}', "NaN is not a JSON number"),
        (b'{"version": 1, \xff}', "is not UTF-8 text"),
        ('{"version": 1, "connections": [{"transport": "ws", "frames": true}]}', "does not match the cassette format"),
    ],
)
@pytest.mark.parametrize("command", [["show"], ["serve", "--port", "0", "--cassette"]])
def test_bad_cassettes_exit_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes, expected: str, command: list[str]
) -> None:
    """Deep JSON (RecursionError on main), NaN, bad bytes, wrong shapes: `show` and `serve --cassette` exit 2, one line."""
    path = tmp_path / "bad.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    assert main([*command, str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: cassette {path} ") and expected in err and err.count("\n") == 1
