"""The command-line server's settings: what `openai-replay serve` flags turn into."""

from __future__ import annotations

import argparse

import pytest
from servekit import cli_process

from openai_replay.cli.main import main
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
    cases = (("-3", "a whole number 0 or more (0 keeps every request), got -3"), ("many", "expected a number of requests"))
    for value, expected in cases:
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


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--port", "99999"], "expected a port: a whole number from 0 to 65535"),
        (["--port", "-1"], "expected a port: a whole number from 0 to 65535"),
        (["--port", "http"], "expected a port"),
        (["--connection-limit", "-3"], "expected a connection-time limit: a number of seconds, 0 or more"),
        (["--connection-limit", "inf"], "expected a connection-time limit"),
        (["--chunk-size", "0"], "expected characters per text delta: a whole number 1 or more, got 0"),
        (["--speed", "-1"], "expected a speed, 0 or more"),
    ],
)
def test_out_of_range_serve_values_are_usage_errors(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 12 item 15: `serve` with an out-of-range value exits 2 saying what was expected, before serving."""
    with pytest.raises(SystemExit) as exited:
        main(["serve", *argv])  # the parser refuses it: nothing is started in this process
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_the_serve_command_exits_2_on_a_bad_value_and_serves_nothing() -> None:
    """The same refusal from the installed command line: exit 2, one clear line, no listening banner."""
    done = cli_process("serve", "--port", "99999", timeout=30)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "expected a port: a whole number from 0 to 65535" in done.stderr and "Traceback" not in done.stderr
    assert "listening" not in done.stdout


def test_a_standalone_server_bounds_its_store_and_log_bytes_by_default() -> None:
    """`serve` keeps 10,000 stored responses and 16 KiB per logged payload; 0 lifts either bound."""
    from openai_replay.cli.serve import DEFAULT_LOG_PAYLOAD_LIMIT, DEFAULT_STORE_LIMIT

    assert (DEFAULT_STORE_LIMIT, DEFAULT_LOG_PAYLOAD_LIMIT) == (10_000, 16 * 1024)
    state = _config()
    assert state.store.limit == 10_000 and state.log.payload_limit == 16 * 1024
    state = _config("--store-limit", "0", "--log-payload-limit", "0")
    assert state.store.limit is None and state.log.payload_limit is None
    assert _config("--store-limit", "5").store.limit == 5


def test_a_standalone_server_bounds_event_types_per_request_by_default() -> None:
    """`serve` keeps 256 event types per logged request; --log-event-limit 0 keeps them all, and so does FakeServer."""
    from openai_replay.cli.serve import DEFAULT_LOG_EVENT_LIMIT

    assert DEFAULT_LOG_EVENT_LIMIT == 256 and _config().log.event_limit == 256
    assert _config("--log-event-limit", "0").log.event_limit is None
    assert _config("--log-event-limit", "9").log.event_limit == 9
    assert ServerState().log.event_limit is None and ServerState().log.limit is None


def test_timeouts_have_defaults_and_flags() -> None:
    """--header-timeout and --body-timeout default to 30 s and 60 s; 0 turns either off."""
    assert (_config().config.header_timeout, _config().config.body_timeout) == (30.0, 60.0)
    state = _config("--header-timeout", "2.5", "--body-timeout", "0")
    assert (state.config.header_timeout, state.config.body_timeout) == (2.5, None)


def test_a_port_in_use_suggests_port_0(capsys: pytest.CaptureFixture[str]) -> None:
    """`serve --port P` with P taken exits 2 with one line that suggests --port 0 and --ready-file."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        status = main(["serve", "--port", str(taken.getsockname()[1]), "--loop", "asyncio"])
    err = capsys.readouterr().err
    assert status == 2 and "cannot listen on 127.0.0.1" in err
    assert "pass --port 0 for any free port (with --ready-file PATH to learn which)" in err


def test_realtime_pace_paces_realtime_audio_and_refuses_negatives(capsys: pytest.CaptureFixture[str]) -> None:
    """--realtime-pace 1 paces Realtime reply audio at real time (default 0: as fast as possible); -1 exits 2."""
    assert _config().config.realtime_pace == 0.0
    assert _config("--realtime-pace", "1").config.realtime_pace == 1.0
    with pytest.raises(SystemExit) as exited:
        _config("--realtime-pace", "-1")
    assert exited.value.code == 2 and "a pace, 0 or more" in capsys.readouterr().err
