"""The command-line server's settings: what `openai-replay serve` flags turn into."""

from __future__ import annotations

import argparse

import pytest

from openai_replay.cli.serve import DEFAULT_LOG_LIMIT, add_serve_arguments, config_from_args
from openai_replay.server.state import ServerState


def _config(*argv: str) -> ServerState:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    return ServerState(config=config_from_args(parser.parse_args(list(argv))))


def test_a_standalone_server_bounds_its_log_by_default_and_0_keeps_all() -> None:
    """`serve` keeps the newest 1,000 requests unless told otherwise; --log-limit 0 keeps every request."""
    assert DEFAULT_LOG_LIMIT == 1000
    assert _config().log.limit == 1000
    assert _config("--log-limit", "50").log.limit == 50
    assert _config("--log-limit", "0").log.limit is None


def test_a_bad_log_limit_is_a_usage_error_naming_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    """--log-limit -3 or --log-limit many exits 2 with argparse's usage error saying what was expected."""
    for value, expected in (("-3", "expected 0 (keep every request) or more, got -3"), ("many", "expected a whole number")):
        with pytest.raises(SystemExit) as exited:
            _config("--log-limit", value)
        assert exited.value.code == 2
        assert expected in capsys.readouterr().err
