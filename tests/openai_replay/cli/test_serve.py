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


def test_speed_is_a_rate_and_bad_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """--speed 2 means twice as fast; a negative or non-numeric --speed (or --time-scale) exits 2 saying what is expected."""
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    assert parser.parse_args(["--speed", "2"]).speed == 2.0
    assert "2 twice as fast" in " ".join(parser.format_help().split())
    for flag, value in (("--speed", "-1"), ("--speed", "fast"), ("--time-scale", "nan")):
        with pytest.raises(SystemExit) as exited:
            parser.parse_args([flag, value])
        assert exited.value.code == 2
        assert "expected a" in capsys.readouterr().err
