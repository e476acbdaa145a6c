"""--openai-replay-url: the openai_server fixture drives a server elsewhere over its control API."""

from __future__ import annotations

import textwrap

import pytest

from fake_server import FakeServer

INI = """
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
asyncio_default_fixture_loop_scope = function
"""

INNER = """
import pytest
from openai import OpenAI
from sdkkit import sync_sdk

def client(openai_server):
    return sync_sdk(base_url=openai_server.url, api_key="k", max_retries=0)

@pytest.mark.openai_replay(scenario="failed:code=\\"server_error\\"")
def test_scenario_loads_and_assertions_run_remotely(openai_server):
    assert openai_server.url == "{url}"
    reply = client(openai_server).responses.create(model="gpt-4o-mini", input="hi")
    assert reply.status == "failed"
    assert openai_server.log.requests[0]["outcome"]["kind"] == "failed"
    with pytest.raises(AssertionError, match="no request failed with 'rate_limit_exceeded'"):
        openai_server.log.assert_retried("rate_limit_exceeded")

def test_each_test_starts_from_a_reset_server(openai_server):
    assert len(openai_server.log) == 0
    first = client(openai_server).responses.create(model="gpt-4o-mini", input="hi")
    client(openai_server).responses.create(model="gpt-4o-mini", input="again", previous_response_id=first.id)
    openai_server.log.assert_chained(2)

@pytest.mark.openai_replay(scenario="cache_miss")
def test_a_rule_that_never_fired_fails_the_test(openai_server):
    pass

@pytest.mark.openai_replay(cassette="x.json")
def test_a_cassette_needs_the_server_in_process(openai_server):
    pass
"""


def test_remote_mode_runs_scenarios_and_assertions_on_the_server_elsewhere(pytester: pytest.Pytester) -> None:
    """Scenarios load over the API, log assertions pass and fail remotely, unfired rules and cassettes fail loudly."""
    with FakeServer(seed=1) as server:
        pytester.makeini(INI)
        pytester.makepyfile(test_inner=textwrap.dedent(INNER.replace("{url}", server.url)))
        result = pytester.runpytest("--openai-replay-url", server.url)
    result.assert_outcomes(passed=3, errors=2)  # an unfired rule fails at teardown, as in-process
    result.stdout.fnmatch_lines(
        [
            "*rule 1 'first chained request misses the cache': declared to fire 1 time, fired 0 times*",
            "*the 'cassette' setting needs the fake server in this process: run without --openai-replay-url*",
        ]
    )
