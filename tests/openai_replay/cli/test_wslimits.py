"""`serve`'s WebSocket limit flags: documented defaults, each settable, 0 turning a deadline or the cap off."""

from __future__ import annotations

import argparse

import pytest

from openai_replay.cli.wslimits import add_ws_limit_arguments, ws_limit_settings
from openai_replay.config import ServerConfig


def _settings(*argv: str) -> dict[str, object]:
    parser = argparse.ArgumentParser()
    add_ws_limit_arguments(parser)
    return ws_limit_settings(parser.parse_args(list(argv)))


def test_defaults_are_the_documented_ones() -> None:
    """Idle 3,600 s (the real connection limit), frame 30 s, queue 64, 1,000 connections: ServerConfig's own."""
    assert _settings() == {"ws_idle_timeout": 3600.0, "ws_frame_timeout": 30.0, "ws_queue_limit": 64, "max_ws_connections": 1000}
    assert ServerConfig(**_settings()) == ServerConfig()


def test_flags_set_and_zero_turns_off() -> None:
    """Every flag sets its field; 0 turns the deadlines and the cap off."""
    on = _settings("--ws-idle-timeout", "5", "--ws-frame-timeout", "0.5", "--ws-queue-limit", "8", "--max-ws-connections", "3")
    assert on == {"ws_idle_timeout": 5.0, "ws_frame_timeout": 0.5, "ws_queue_limit": 8, "max_ws_connections": 3}
    off = _settings("--ws-idle-timeout", "0", "--ws-frame-timeout", "0", "--max-ws-connections", "0")
    assert (off["ws_idle_timeout"], off["ws_frame_timeout"], off["max_ws_connections"]) == (None, None, None)


@pytest.mark.parametrize("argv", [["--ws-queue-limit", "0"], ["--ws-idle-timeout", "-1"], ["--max-ws-connections", "x"]])
def test_bad_values_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A queue of 0, negative seconds or a word: argparse's one-line usage error (exit 2), no traceback."""
    with pytest.raises(SystemExit) as exited:
        _settings(*argv)
    assert exited.value.code == 2 and "Traceback" not in capsys.readouterr().err
