"""`openai-replay explore`: minimal failing schedules per invariant for a real client, a summary table,
files that replay, the same run again from the same seed, and one-line errors for bad usage."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from openai_replay.cli.main import main
from openai_replay.scenarios import load_scenario

#: The openai SDK's HTTP stream, cut after its first event (no terminal event), ends the caller's
#: ``async for`` without an error: the turn ends silently, with neither an answer nor an error.
SILENT_CUT = [{"times": 1, "optional": True, "do": [{"action": "close", "code": 1011, "after": 1}]}]


def explore(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["explore", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_finds_writes_and_reproduces_a_real_client_bug(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The openai SDK's silent end of a cut HTTP stream is found, shrunk to one rule, written; same seed, same run."""
    args = ("--client", "openai-http", "--faults", "close", "--max-faults", "1", "--examples", "10", "--seed", "0")
    code, out, err = explore(capsys, *args, "--output", str(tmp_path / "a"))
    assert code == 1, err
    written = tmp_path / "a" / "openai-http.no_hang.json"
    assert json.loads(written.read_text())["rules"] == SILENT_CUT
    assert load_scenario(written).to_json()["rules"] == SILENT_CUT  # the file loads as a scenario
    assert "== no_hang: broken; found and shrunk within" in out
    assert "[no_hang] user turn 1 ended silently: no answer, no tool call and no error reached the caller." in out
    table = out[out.index("explore openai-http: 10 example(s), seed 0, up to 1 fault(s) each") :]
    assert f"no_hang                     broken       1  {written}" in table
    assert "no_stale_chain              held         -  -" in table
    again, out_again, _ = explore(capsys, *args, "--output", str(tmp_path / "b"))
    assert again == 1
    assert (tmp_path / "b" / written.name).read_text() == written.read_text()
    table_again = out_again[out_again.index("explore openai-http: 10 example(s), seed 0") :]
    assert table_again.replace(str(tmp_path / "b"), "X") == table.replace(str(tmp_path / "a"), "X")


@pytest.mark.slow
def test_every_invariant_held_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With only stalls below its timeout the HTTP client breaks nothing: exit 0, no file, every row 'held'."""
    code, out, err = explore(
        capsys, "--client", "openai-http", "--faults", "stall", "--examples", "5", "--max-faults", "1", "--output", str(tmp_path)
    )
    assert code == 0, err
    assert list(tmp_path.iterdir()) == []
    assert out.count(" held ") == 6


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--client", "nope"], "error: unknown client 'nope'; known: openai-ws"),
        (["--client", "openai-ws", "--faults", "explode"], "error: fault_schedules: unknown fault kind(s) 'explode'"),
        (["--client", "openai-ws", "--turns", "9"], "error: --turns is at most 5, got 9"),
        (["--client", "livekit-ws"], "error: client livekit-ws cannot run in this interpreter"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A wrong client, fault kind or turn count, or a client not installed here: one line, exit 2, nothing run."""
    code, out, err = explore(capsys, *argv, "--examples", "1")
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1, err


@pytest.mark.parametrize("argv", [["--examples", "0"], ["--max-faults", "-1"], ["--seed", "x"]])
def test_bad_numbers_are_refused_by_the_parser(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Non-positive examples, negative fault counts and non-numeric seeds are usage errors (exit 2)."""
    with pytest.raises(SystemExit) as info:
        main(["explore", "--client", "openai-ws", *argv])
    assert info.value.code == 2
    assert "error: argument" in capsys.readouterr().err


@pytest.mark.slow
def test_a_harness_error_exits_3_with_its_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A client whose set-up fails is our failure: exit 3, the traceback on stderr, no finding, no file."""
    from planted import FixedClient

    from openai_replay.conformance import clients

    class SetupFails(FixedClient):
        async def open(self) -> None:
            raise RuntimeError("planted set-up failure")

    client = clients.Client("openai-ws", "openai_sdk:OpenAIWebSocketAdapter", "openai", "openai")
    monkeypatch.setattr(clients.Client, "load", lambda self: SetupFails)
    monkeypatch.setattr(clients, "select", lambda names: [client])
    code, out, err = explore(capsys, "--client", "openai-ws", "--examples", "3", "--output", str(tmp_path))
    assert code == 3 and out == ""
    assert err.startswith("harness error (openai-replay's own failure, not a finding about openai-ws): the harness failed")
    assert "Traceback" in err and "RuntimeError: planted set-up failure" in err
    assert list(tmp_path.iterdir()) == []


def realtime_client(monkeypatch: pytest.MonkeyPatch, conversation: object) -> None:
    """``--client openai-realtime`` drives ``conversation`` instead of the SDK's careful one."""
    from openai_replay.conformance.realtime.explore import RealtimeClient

    monkeypatch.setattr(RealtimeClient, "load", lambda self: conversation)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--client", "nope"], "error: unknown client 'nope'; known: openai-ws"),
        (["--client", "openai-realtime", "--turns", "5"], "error: --turns is at most 4 for a Realtime client, got 5"),
        (["--client", "openai-realtime", "--faults", "drop"], "error: realtime_schedules: unknown or no fault kinds ['drop']"),
    ],
)
def test_realtime_bad_usage_is_one_line_and_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    """A wrong Realtime turn count or fault kind, or an unknown client (naming the Realtime ones): one line, exit 2."""
    code, out, err = explore(capsys, *argv, "--examples", "1")
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1, err
    if argv[1] == "nope":
        assert err.rstrip().endswith("; Realtime: openai-realtime"), err


def test_a_realtime_client_not_installed_is_exit_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A Realtime client whose library is missing here: one line naming its environment, exit 2, nothing run."""
    from openai_replay.conformance.realtime import explore as realtime

    absent = realtime.RealtimeClient("absent-realtime", "realtime_openai:converse", "absent", "no_such_module_here")
    monkeypatch.setitem(realtime.CLIENTS, "absent-realtime", absent)
    code, out, err = explore(capsys, "--client", "absent-realtime")
    assert code == 2 and out == ""
    assert err.startswith("error: client absent-realtime cannot run in this interpreter: no_such_module_here"), err
    assert err.count("\n") == 1 and ".venv-absent/bin/openai-replay explore --client absent-realtime" in err


def test_a_realtime_harness_error_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A conversation driver that raises is our failure: exit 3, the traceback and schedule on stderr, no finding, no file."""

    async def raises(url: str, texts: list[str], outcomes: list[object]) -> None:
        raise RuntimeError("planted driver failure")

    realtime_client(monkeypatch, raises)
    code, out, err = explore(capsys, "--client", "openai-realtime", "--examples", "3", "--output", str(tmp_path))
    assert code == 3 and out == ""
    assert err.startswith("harness error (openai-replay's own failure, not a finding about openai-realtime): the conversation")
    assert "RuntimeError: planted driver failure" in err and "schedule: {" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_realtime_findings_written_and_summarised(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A planted Realtime client breaking two invariants: exit 1, both shrunk, written, loadable, and in the table."""
    from planted_realtime import cancels_first

    realtime_client(monkeypatch, cancels_first)
    args = ("--client", "openai-realtime", "--faults", "fail", "--max-faults", "1", "--examples", "6", "--seed", "1")
    code, out, err = explore(capsys, *args, "--output", str(tmp_path))
    assert code == 1, err
    protocol, lost = tmp_path / "openai-realtime.realtime_protocol.json", tmp_path / "openai-realtime.turn_accounted.json"
    assert sorted(tmp_path.iterdir()) == [protocol, lost]
    assert load_scenario(protocol).to_json()["rules"] == []  # broken with no fault at all
    (rule,) = load_scenario(lost).to_json()["rules"]
    assert [d["action"] for d in rule["do"]] == ["fail"], rule
    assert "[realtime_protocol] the client broke the Realtime protocol: " in out and "response_cancel_not_active" in out
    assert "[turn_accounted] turn 1 ended with neither a reply nor an error" in out
    table = out[out.index("explore openai-realtime: 6 example(s), seed 1, up to 1 fault(s) each") :]
    assert f"turn_accounted     broken       1  {lost}" in table
    assert f"realtime_protocol  broken       0  {protocol}" in table
    assert "no_hang            held         -  -" in table


@pytest.mark.slow
def test_the_openai_sdk_realtime_client_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The openai SDK's realtime.connect(), read carefully, against drawn Realtime faults: every invariant held, exit 0."""
    code, out, err = explore(capsys, "--client", "openai-realtime", "--examples", "8", "--seed", "2", "--output", str(tmp_path))
    assert code == 0, out + err
    assert list(tmp_path.iterdir()) == []
    assert "explore openai-realtime: 8 example(s), seed 2, up to 3 fault(s) each" in out
    assert out.count(" held ") == 3


def test_without_hypothesis_names_the_extra(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Without Hypothesis installed, explore exits 2 with one line naming the explore extra, not a traceback."""
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # what a missing package looks like to `import`
    code, out, err = explore(capsys, "--client", "openai-ws")
    assert code == 2 and out == ""
    assert err.strip() == "error: explore needs Hypothesis: pip install 'openai-replay[explore]' (or pip install hypothesis)"
