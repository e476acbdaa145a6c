"""Exposure is explicit on the command line: a non-loopback --host needs --allow-remote, the control
API there needs a token, and what is exposed is printed."""

from __future__ import annotations

import pytest
from servekit import cli_process, serve

from openai_replay.cli.exposure import serve_exposure
from openai_replay.cli.main import build_parser
from openai_replay.control_client import ControlError, ReplayControl
from openai_replay.exposure import CONTROL_TOKEN_ENV


@pytest.mark.slow
def test_serve_and_record_refuse_a_non_loopback_host_without_allow_remote(tmp_path: object) -> None:
    """serve and record on 0.0.0.0 exit 2 naming --allow-remote; with it, serve still wants a control token."""
    served = cli_process("serve", "--host", "0.0.0.0", "--port", "0")
    assert served.returncode == 2 and "--allow-remote" in served.stderr and "listening" not in served.stdout
    recorded = cli_process("record", "--host", "0.0.0.0", "--port", "0", "--out", f"{tmp_path}/c.json")
    assert recorded.returncode == 2 and "--allow-remote" in recorded.stderr
    open_control = cli_process("serve", "--host", "0.0.0.0", "--port", "0", "--allow-remote")
    assert open_control.returncode == 2
    assert "control API would be open" in open_control.stderr and "--control-token" in open_control.stderr


def test_allow_remote_prints_what_is_exposed(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With --allow-remote and a token, serve says the API has no real auth and the control API needs the token."""
    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    args = build_parser(with_bench=False).parse_args(["serve", "--host", "0.0.0.0", "--allow-remote", "--control-token", "t"])
    assert serve_exposure(args) == (None, "t")
    said = capsys.readouterr().err
    assert "exposed on 0.0.0.0:8765" in said and "no real auth" in said and "control token" in said
    off = build_parser(with_bench=False).parse_args(["serve", "--host", "0.0.0.0", "--allow-remote", "--no-control"])
    assert serve_exposure(off) == (None, None) and "control API off" in capsys.readouterr().err


@pytest.mark.slow
async def test_serve_control_token_from_the_environment_guards_the_control_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """serve with $OPENAI_REPLAY_CONTROL_TOKEN: the control API refuses a client without it and serves one with it."""
    monkeypatch.setenv(CONTROL_TOKEN_ENV, "t0ken-cli")
    async with serve("-m", "openai_replay.cli", "serve") as served:
        with pytest.raises(ControlError, match="401"):
            ReplayControl(served.url, token="not-it").timeline()
        assert ReplayControl(served.url).verify()["ok"]  # reads the same variable
    assert served.returncode == 0, served.stderr
