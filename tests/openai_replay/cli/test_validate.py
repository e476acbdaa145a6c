"""``openai-replay validate FILE...``: cassettes, scenarios and vcrpy YAML checked without a server;
exit 0 or 2, one line per problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cassettekit import real_cassette

from openai_replay.cassette import Cassette, HttpExchange, save_cassette
from openai_replay.cli.main import main


def test_good_files_exit_0_with_one_ok_line_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A cassette, a scenario and a vcrpy YAML file: exit 0 and an ok line saying what each is."""
    cassette = save_cassette(
        Cassette([HttpExchange(method="POST", path="/v1/responses", request_body="{}", status=200)]), tmp_path / "c.json"
    )
    scenario = tmp_path / "s.json"
    scenario.write_text(
        json.dumps({"name": "flaky", "rules": [{"match": {"turn": 1}, "do": [{"action": "http_status", "status": 429}]}]})
    )
    vcr = real_cassette("llm-openai-plugin__test_tools.yaml")
    assert main(["validate", str(cassette), str(scenario), str(vcr)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"{cassette}: ok (cassette, 1 connection(s), 1 interaction(s))",
        f"{scenario}: ok (scenario 'flaky', 1 rule(s))",
        f"{vcr}: ok (vcrpy cassette, 2 Responses interaction(s), 0 skipped)",
    ]


def test_bad_files_exit_2_with_one_line_per_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Each problem of a bad scenario is its own line; a broken cassette, a missing file and a YAML bomb one each."""
    scenario = tmp_path / "bad.json"
    scenario.write_text(
        json.dumps(
            {
                "config": {"connection_limit_seconds": "soon"},
                "rules": [{"match": {"turn": 1}, "do": [{"action": "close", "reason": "x" * 200}]}],
            }
        )
    )
    broken = tmp_path / "broken.json"
    broken.write_text('{"version": 1, "connections": [')
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        "a: &a [x,x,x,x,x,x,x,x,x]\n"
        + "".join(f"{n}: &{n} [{','.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
    )
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"rules": []}))
    assert main(["validate", str(scenario), str(broken), str(tmp_path / "missing.json"), str(bomb), str(good)]) == 2
    captured = capsys.readouterr()
    errors = captured.err.splitlines()
    assert [line.split(": ", 1)[0] for line in errors].count(str(scenario)) == 2  # both problems, in one round
    assert any("config.connection_limit_seconds" in line for line in errors)
    assert any(line.startswith(f"{broken}: cassette {broken} is not valid JSON") for line in errors)
    assert any(line.startswith(f"{tmp_path / 'missing.json'}: cassette ") and "does not exist" in line for line in errors)
    assert any(line.startswith(f"{bomb}: ") and "alias bomb" in line for line in errors)
    assert captured.out == f"{good}: ok (scenario 'good', 0 rule(s))\n"
