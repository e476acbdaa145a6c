"""Beside pytest-recording and a user's own modules: --block-network lets the loopback server through,
--disable-recording is refused for cassette tests, the shared --record-mode help names both plugins,
and a user's fake_server.py does not shadow the implementation."""

from __future__ import annotations

import textwrap

import pytest
from pluginkit import RECORDING_INI as INI

from openai_replay.server import FakeServer

TESTS = """
import socket

import pytest


@pytest.mark.openai_replay(scenario="rate_limit", allow_unplayed=True)
def test_scenario(openai_client):
    import openai
    with pytest.raises(openai.RateLimitError):
        openai_client.with_options(max_retries=0).responses.create(model="m", input="hi")


@pytest.mark.openai_replay
def test_records(openai_client):
    assert openai_client.responses.create(model="m", input="hi").output_text == "You said: hi"


def test_plain_loopback_is_blocked(openai_replay_session_server):
    with pytest.raises(RuntimeError, match="Network is disabled"):
        socket.create_connection(("127.0.0.1", openai_replay_session_server.port), timeout=2)
"""


def project(pytester: pytest.Pytester, upstream: FakeServer, source: str = TESTS) -> None:
    pytester.makeini(INI.format(url=upstream.url))
    pytester.makepyfile(test_inner=textwrap.dedent(source))


def test_block_network_lets_the_fake_server_and_a_recording_through(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """Under --block-network, scenario and recording tests reach loopback; a bare connect is still blocked."""
    pytest.importorskip("pytest_recording")
    project(pytester, upstream)
    pytester.runpytest("--block-network", "--record-mode=once").assert_outcomes(passed=3)
    assert len(upstream.log) == 1
    pytester.runpytest("--block-network").assert_outcomes(passed=3)  # and the replay


def test_disable_recording_is_refused_for_cassette_tests_only(pytester: pytest.Pytester, upstream: FakeServer) -> None:
    """--disable-recording fails a cassette test with a message saying why and what to do; scenarios run."""
    pytest.importorskip("pytest_recording")
    project(pytester, upstream)
    result = pytester.runpytest("--disable-recording", "--record-mode=once", "-k", "not plain")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_records replays or records a cassette, and --disable-recording asks for no cassettes*"])
    assert len(upstream.log) == 0 and not (pytester.path / "cassettes").exists()


@pytest.mark.parametrize("args", [(), ("-p", "no:recording")], ids=["with-pytest-recording", "alone"])
def test_the_record_mode_help_names_openai_replay(pytester: pytest.Pytester, args: tuple[str, ...]) -> None:
    """`pytest --help` describes --record-mode as openai-replay's (and VCR.py's), with or without pytest-recording."""
    pytester.makeini(INI.format(url="http://127.0.0.1:9/v1"))
    result = pytester.runpytest(*args, "--help")
    assert "Cassette record mode for openai-replay" in " ".join(result.stdout.str().split())


@pytest.mark.slow
def test_a_users_own_fake_server_module_does_not_shadow_the_plugin(pytester: pytest.Pytester) -> None:
    """A project with its own fake_server.py (imported first on sys.path) still gets a working plugin."""
    pytester.makeini(INI.format(url="http://127.0.0.1:9/v1"))
    pytester.makepyfile(fake_server="WHOSE = 'the user'\n")
    pytester.makepyfile(
        test_inner="""
        import fake_server


        def test_chat(openai_client):
            assert fake_server.WHOSE == "the user"
            assert openai_client.responses.create(model="m", input="hi").output_text == "You said: hi"
        """
    )
    result = pytester.runpytest_subprocess("--import-mode=prepend")
    result.assert_outcomes(passed=1)
