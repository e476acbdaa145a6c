"""The pytest plugin, run with pytester: registration, fixtures, marker, options, precedence, report."""

from __future__ import annotations

import importlib.metadata
import re
import textwrap

import pytest

INI = """
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def make(pytester: pytest.Pytester, source: str, ini: str = INI, name: str = "test_inner") -> None:
    pytester.makeini(ini)
    pytester.makepyfile(**{name: textwrap.dedent(source)})


def test_registered_through_the_pytest11_entry_point() -> None:
    """Installing the project registers openai_replay.pytest_plugin.plugin under pytest11 (nothing else needed)."""
    points = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="pytest11")}
    assert points.get("openai_replay") == "openai_replay.pytest_plugin.plugin"


def test_loaded_without_any_configuration_and_reports_its_settings(pytester: pytest.Pytester) -> None:
    """A project with no conftest gets the fixtures and a header line saying how it is set up."""
    make(pytester, "def test_x(openai_server):\n    assert openai_server.url.startswith('http://127.0.0.1:')\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["openai-replay: record_mode=none, cassette_dir=cassettes"])


def test_strict_markers_and_strict_config_with_every_option_set(pytester: pytest.Pytester) -> None:
    """The marker and both ini options are registered, so strict runs accept them."""
    ini = INI + "openai_replay_cassette_dir = recorded\nopenai_replay_upstream_url = http://127.0.0.1:9/v1\n"
    make(
        pytester,
        """
        import pytest

        @pytest.mark.openai_replay(scenario="tool_call", speed=0, allow_unplayed=True)
        def test_x(openai_replay_settings):
            assert openai_replay_settings.cassette_dir == "recorded"
            assert openai_replay_settings.upstream == "http://127.0.0.1:9/v1"
        """,
        ini,
    )
    pytester.runpytest("--strict-markers", "--strict-config").assert_outcomes(passed=1)
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.openai_replay(cassette=None, scenario=None, record_mode=None, speed=None*"])


@pytest.mark.slow
def test_no_fixture_is_autouse(pytester: pytest.Pytester) -> None:
    """A test that asks for nothing gets no server: no fixture of ours runs, no thread starts."""
    make(
        pytester,
        """
        import threading

        def test_plain(request):
            assert not [f for f in request.fixturenames if f.startswith("openai")]
            assert not [t for t in threading.enumerate() if t.name == "openai-replay-server"]
        """,
    )
    pytester.runpytest_subprocess(timeout=120).assert_outcomes(passed=1)  # a fresh process: no thread from us


def test_one_server_per_session_reset_for_every_test(pytester: pytest.Pytester) -> None:
    """Sync and async tests share one server (same port) and each starts with an empty log."""
    make(
        pytester,
        """
        import os
        from openai import OpenAI

        PORTS = []

        def test_sync_http_and_websocket(openai_server, openai_client):
            PORTS.append(openai_server.port)
            assert openai_client.responses.create(model="m", input="hi").output_text == "You said: hi"
            with openai_client.responses.connect() as conn:
                conn.response.create(model="m", input="again", store=False)
                for event in conn:
                    if event.type == "response.completed":
                        break
            assert len(openai_server.log) == 2
            openai_server.log.assert_all_closed()

        async def test_async(openai_server, async_openai_client):
            PORTS.append(openai_server.port)
            assert len(openai_server.log) == 0
            response = await async_openai_client.responses.create(model="m", input="hello")
            assert response.output_text == "You said: hello"
            assert [r.turn for r in openai_server.log] == [1]

        def test_env_points_code_under_test_at_the_server(openai_server):
            PORTS.append(openai_server.port)
            assert os.environ["OPENAI_BASE_URL"] == openai_server.url
            assert OpenAI().responses.create(model="m", input="env").output_text == "You said: env"
            assert len(set(PORTS)) == 1
        """,
    )
    pytester.runpytest().assert_outcomes(passed=3)


def test_use_and_reset_switch_what_answers_mid_test(pytester: pytest.Pytester) -> None:
    """use() takes a built-in scenario by name; reset() goes back to the simulated model."""
    make(
        pytester,
        """
        import openai, pytest

        def test_switch(openai_server, openai_client):
            openai_server.use("rate_limit")
            assert openai_server.mode == "scenario"
            with pytest.raises(openai.RateLimitError):
                openai_client.with_options(max_retries=0).responses.create(model="m", input="x")
            openai_server.reset()
            assert openai_server.mode == "simulated" and len(openai_server.log) == 0
            assert openai_client.responses.create(model="m", input="y").output_text == "You said: y"
        """,
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_marker_rejects_unknown_and_positional_arguments(pytester: pytest.Pytester) -> None:
    """A misspelt marker argument or a positional one stops the test with the valid names."""
    make(
        pytester,
        """
        import pytest

        @pytest.mark.openai_replay(senario="rate_limit")
        def test_typo(openai_server):
            pass

        @pytest.mark.openai_replay("rate_limit")
        def test_positional(openai_server):
            pass
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*test_typo: @pytest.mark.openai_replay: unknown setting(s) 'senario'; valid: cassette, scenario, record_mode*",
            "*test_positional: @pytest.mark.openai_replay takes keyword arguments only*",
        ]
    )


def test_invalid_record_mode_on_the_command_line_is_a_usage_error(pytester: pytest.Pytester) -> None:
    """--record-mode only takes pytest-recording's values."""
    make(pytester, "def test_x():\n    pass\n")
    result = pytester.runpytest("--record-mode=sometimes")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--record-mode: invalid choice: 'sometimes'*"])


PRECEDENCE = """
import pytest

@pytest.fixture(scope="module")
def openai_replay_config():
    return {"record_mode": "all", "speed": 3, "upstream": "http://config/v1", "server": {"seed": 1}}

pytestmark = pytest.mark.openai_replay(speed=2, record_mode="rewrite")

@pytest.mark.openai_replay(record_mode="once", speed=1)
def test_layers(openai_replay_settings):
    s = openai_replay_settings
    print("RESOLVED", s.record_mode, s.origin["record_mode"], s.speed, s.origin["speed"], s.upstream, s.origin["upstream"])

def test_module_marker(openai_replay_settings):
    print("MODULE", openai_replay_settings.speed, openai_replay_settings.origin["speed"])
"""


def test_precedence_command_line_then_marker_then_config(pytester: pytest.Pytester) -> None:
    """--record-mode beats the marker, the closest marker beats the module one, which beats the config fixture."""
    make(pytester, PRECEDENCE)
    result = pytester.runpytest("-s", "--record-mode=new_episodes")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        ["*RESOLVED new_episodes command line 1.0 marker http://config/v1 openai_replay_config*", "*MODULE 2.0 marker*"]
    )
    result = pytester.runpytest("-s")
    result.stdout.fnmatch_lines(["*RESOLVED once marker 1.0 marker*"])


def test_shares_record_mode_with_pytest_recording(pytester: pytest.Pytester) -> None:
    """With pytest-recording loaded, one --record-mode (its own) drives both plugins, no clash."""
    make(
        pytester,
        """
        def test_x(request, openai_replay_settings):
            assert request.config.pluginmanager.has_plugin("recording")
            assert openai_replay_settings.record_mode == "once"
        """,
    )
    pytester.runpytest("--record-mode=once").assert_outcomes(passed=1)


def test_registers_record_mode_itself_when_pytest_recording_is_disabled(pytester: pytest.Pytester) -> None:
    """With -p no:recording the flag still exists (ours) and reaches the settings."""
    make(
        pytester,
        """
        def test_x(request, openai_replay_settings):
            assert not request.config.pluginmanager.has_plugin("recording")
            assert openai_replay_settings.record_mode == "rewrite"
        """,
    )
    pytester.runpytest("-p", "no:recording", "--record-mode=rewrite").assert_outcomes(passed=1)


FAILING = """
import pytest
from openai import OpenAI

@pytest.mark.openai_replay(scenario="cache_miss")
def test_client_forgets_history(openai_server):
    client = OpenAI(max_retries=0)
    with client.responses.connect() as conn:
        conn.response.create(model="m", input="hi", store=False)
        first = next(e for e in conn if e.type == "response.completed")
        conn.response.create(model="m", input="more", store=False, previous_response_id=first.response.id)
        next(e for e in conn if e.type == "error")
        conn.response.create(model="m", input="more", store=False)
        next(e for e in conn if e.type == "response.completed")
    openai_server.log.assert_full_context(3)
"""


def test_failure_report_shows_the_exchange_timeline_once(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """An assertion of ours prints the exchange; the report section then names the settings and does not repeat it."""
    # Under CI=true pytest itself repeats a failure's whole message in the short summary; that is
    # pytest's choice, not the report section's, so the count is taken outside it.
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("BUILD_NUMBER", raising=False)
    make(pytester, FAILING)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    assert result.stdout.str().count("conn 1  opened /v1/responses") == 1
    result.stdout.fnmatch_lines(
        [
            "*request #3's input does not reproduce the conversation of the step request #2 tried*",
            "*+0.*s  conn 1  opened /v1/responses",
            "*#1 conn 1  -> response.create  store=false  input=[[]user 'hi'[]]",
            "*#1 conn 1  <- completed  resp_...*  output=[[]assistant 'You said: hi'[]]",
            "*#2 conn 1  <- error (previous_response_not_found)  <rule 1 *first chained request misses the cache*>",
            "*#3 conn 1  -> response.create  attempt 2  store=false  input=[[]user 'more'[]]",
            "*conn 1  closed by client (1000)",
            "*- openai-replay exchange (call) -*",
            "answered by scenario 'cache_miss'; settings: record_mode=none (default), scenario='cache_miss' (marker)",
            "(the exchange is in the failure above)",
        ]
    )


def test_a_plain_assert_failure_gets_the_timeline_in_the_report(pytester: pytest.Pytester) -> None:
    """When the failure is the test's own assert, the report section carries the whole timeline, once."""
    make(
        pytester,
        """
        def test_x(openai_client):
            openai_client.responses.create(model="m", input="hi")
            assert False, "mine"
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*- openai-replay exchange (call) -*", "answered by the simulated model*", "*#1 http  -> POST /v1/responses*"]
    )
    assert result.stdout.str().count("#1 http  -> POST") == 1


def test_scenario_not_played_as_written_errors_at_teardown(pytester: pytest.Pytester) -> None:
    """A passing test whose scenario fault never fired gets a teardown error naming the rule."""
    make(
        pytester,
        """
        import pytest

        @pytest.mark.openai_replay(scenario="cache_miss")
        def test_never_chains(openai_client):
            openai_client.responses.create(model="m", input="one")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    text = result.stdout.str()
    assert "openai-replay: scenario: " in text and "first chained request misses the cache" in text
    assert re.search(r"#1 http  -> POST /v1/responses  input=\[user 'one'\]", text)


def test_server_settings_last_one_test_and_client_options_reach_the_clients(pytester: pytest.Pytester) -> None:
    """server={...} changes the server for its test only; config 'client' options reach both client fixtures."""
    make(
        pytester,
        """
        import pytest

        @pytest.fixture
        def openai_replay_config():
            return {"client": {"max_retries": 0, "timeout": 7}}

        @pytest.mark.openai_replay(server={"cancel_mode": "honour", "seed": 5})
        def test_changed(openai_server, openai_client):
            assert openai_server.server.config.cancel_mode == "honour"
            assert (openai_client.max_retries, openai_client.timeout) == (0, 7)

        def test_back_to_defaults(openai_server):
            assert openai_server.server.config.cancel_mode == "reject"

        async def test_async_options(async_openai_client):
            assert async_openai_client.max_retries == 0
        """,
    )
    pytester.runpytest().assert_outcomes(passed=3)


STRICT_INI = """
[pytest]
addopts = -p no:cacheprovider
asyncio_default_fixture_loop_scope = function
"""


def test_async_tests_in_strict_mode_run_when_marked_and_say_what_to_add_when_not(pytester: pytest.Pytester) -> None:
    """pytest-asyncio's default strict mode: a marked async test runs; an unmarked one fails saying what to add."""
    make(
        pytester,
        """
        import pytest

        @pytest.mark.asyncio
        async def test_marked(openai_server, async_openai_client):
            reply = await async_openai_client.responses.create(model="gpt-4o-mini", input="Hi")
            assert reply.output_text == "You said: Hi"

        async def test_unmarked(openai_server, async_openai_client):
            pass
        """,
        ini=STRICT_INI,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_unmarked is an async test but pytest-asyncio runs in strict mode*@pytest.mark.asyncio*"])
    result.stdout.no_fnmatch_line("*not natively supported*")


def test_an_unfired_rule_names_the_request_the_protocol_answered_first(pytester: pytest.Pytester) -> None:
    """cache_miss over HTTP with store=false: the teardown says the protocol's own miss came first, and what to do."""
    make(
        pytester,
        """
        import openai, pytest

        @pytest.mark.openai_replay(scenario="cache_miss")
        def test_http(openai_client):
            first = openai_client.responses.create(model="gpt-4o-mini", store=False, input="hi")
            with pytest.raises(openai.BadRequestError):
                openai_client.responses.create(model="gpt-4o-mini", store=False, previous_response_id=first.id, input="x")
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines([
        "*declared to fire 1 time, fired 0 times",
        "request #2 was answered by the server's protocol rules with previous_response_not_found before any scenario "
        "rule saw it (over HTTP a store=false response is never kept*send store=true, or use WebSocket mode*",
    ])  # fmt: skip


def test_setup_errors_print_once_without_a_traceback(pytester: pytest.Pytester) -> None:
    """A missing cassette, an unknown built-in and an unreadable scenario file each fail set-up with one message."""
    make(
        pytester,
        """
        import pytest

        @pytest.mark.openai_replay(cassette="nope.json")
        def test_missing_cassette(openai_client):
            pass

        @pytest.mark.openai_replay(scenario="no_such_scenario")
        def test_unknown_builtin(openai_client):
            pass

        @pytest.mark.openai_replay(scenario="missing.json")
        def test_missing_scenario_file(openai_client):
            pass
        """,
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=3)
    # The report before pytest's own one-line summary (which CI=true prints untruncated).
    out = result.stdout.str().split("short test summary info")[0]
    assert "During handling of the above exception" not in out and "Traceback" not in out and "raise " not in out
    assert out.count("openai-replay: no cassette at") == 1
    result.stdout.fnmatch_lines([
        "openai-replay: the scenario name is not valid:",
        "*no built-in scenario named 'no_such_scenario'; built-ins: cache_miss*",
        "openai-replay: scenario file missing.json is not valid:", "*cannot read it: No such file or directory",
    ], consecutive=False)  # fmt: skip
