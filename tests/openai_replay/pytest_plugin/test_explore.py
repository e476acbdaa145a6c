"""Explore in pytest: the documented pattern runs, a failure's shrunk schedule is shown and written, and
the written file replays alone, with the marker and with `openai-replay serve --scenario`."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import openai
import pytest
from sdkkit import async_sdk
from servekit import serve

ROOT = Path(__file__).resolve().parents[3]
#: The README's worked example, quoted there byte for byte.
README_EXAMPLE = ROOT / "examples" / "explore" / "failing_example.py"

INI = """
[pytest]
addopts = --strict-markers --strict-config -p no:cacheprovider
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""

#: A client with a planted bug: it assumes every request is answered.
CLIENT = """
import openai, pytest
from hypothesis import HealthCheck, given, settings
from openai_replay.explore import fault_schedules
from openai_replay.pytest_plugin.explore import explore


async def ask(openai_server):
    client = openai.AsyncOpenAI(base_url=openai_server.url, api_key="k", max_retries=0)
    try:
        return (await client.responses.create(model="m", input="hello")).output_text
    except openai.APIError:
        return None
"""

PATTERN = (
    CLIENT
    + """
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True)
@given(schedule=fault_schedules(max_faults=2, faults=["error"], transport="http"))
async def test_client(openai_server, schedule):
    openai_server.use(schedule)
    assert len(openai_server.log) == 0 and all(n == 0 for n in schedule.fired().values())  # a clean server
    assert await ask(openai_server) == "You said: hello"
"""
)

HELPER = (
    CLIENT
    + """
@explore(max_examples=40, seed=7, max_faults=2, faults=["error"], transport="http")
async def test_helper(openai_server, schedule):
    openai_server.use(schedule)
    assert await ask(openai_server) == "You said: hello"
"""
)

REPLAY = (
    CLIENT
    + """
@pytest.mark.openai_replay(scenario=".openai-replay/failures/test_inner.test_client.json")
async def test_replayed(openai_server):
    assert await ask(openai_server) is None  # the shrunk failure, again
    assert openai_server.log[0].outcome.code == "server_error"
    assert await ask(openai_server) == "You said: hello"  # the rule fired once; the next request is answered
"""
)

MINIMAL = {
    "name": "explore",
    "description": "drawn by openai_replay.explore.fault_schedules",
    "rules": [{"times": 1, "optional": True, "do": [{"action": "error", "code": "server_error"}]}],
}


@pytest.mark.slow
def test_a_failure_shows_and_writes_the_shrunk_schedule_which_replays(pytester: pytest.Pytester) -> None:
    """The issue's pattern finds the bug, shrinks it to one plain rule, writes it beside the test, and it replays."""
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=textwrap.dedent(PATTERN))
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    written = pytester.path / ".openai-replay" / "failures" / "test_inner.test_client.json"
    assert json.loads(written.read_text()) == MINIMAL
    result.stdout.fnmatch_lines(
        [
            "*openai-replay exchange (call)*",
            "*<- error (server_error)*",
            "*openai-replay explore: the shrunk failing schedule*",
            f"The minimal failing schedule Hypothesis found was written to {written}.",
            '*@pytest.mark.openai_replay(scenario=".openai-replay/failures/test_inner.test_client.json")*'
            f"openai-replay serve --scenario {written}",
            "*rule 1 (every request): fired 1",
            '*"code": "server_error"*',
        ]
    )
    pytester.makepyfile(test_inner=textwrap.dedent(REPLAY))
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_readme_example_fails_and_writes_the_file_it_shows(pytester: pytest.Pytester) -> None:
    """The README's worked example, run as tests/test_chat.py, fails with the one-rule schedule the README shows."""
    example = README_EXAMPLE.read_text()
    assert f"```python\n{example}```" in (ROOT / "README.md").read_text()
    pytester.makeini(INI)
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_chat.py").write_text(example)
    pytester.runpytest("tests").assert_outcomes(failed=1)
    written = pytester.path / "tests" / ".openai-replay" / "failures" / "test_chat.test_client.json"
    assert json.loads(written.read_text()) == MINIMAL
    assert json.dumps({"name": "explore", "rules": MINIMAL["rules"]}) in (ROOT / "README.md").read_text()


@pytest.mark.slow
def test_the_one_decorator_helper_is_the_same_pattern(pytester: pytest.Pytester) -> None:
    """@explore(...) gives the test a schedule with the usual settings; a failure is written the same way."""
    pytester.makeini(INI)
    pytester.makepyfile(test_inner=textwrap.dedent(HELPER))
    pytester.runpytest().assert_outcomes(failed=1)
    written = pytester.path / ".openai-replay" / "failures" / "test_inner.test_helper.json"
    assert json.loads(written.read_text()) == MINIMAL


async def test_the_written_file_replays_with_openai_replay_serve(tmp_path: object) -> None:
    """`openai-replay serve --scenario FILE` answers from a written schedule: the first request fails as shrunk."""
    path = tmp_path / "schedule.json"  # type: ignore[operator]
    path.write_text(json.dumps(MINIMAL))
    async with serve("-m", "openai_replay.cli", "serve", "--scenario", str(path)) as served:
        client = async_sdk(base_url=served.url, api_key="k", max_retries=0)
        with pytest.raises(openai.InternalServerError):
            await client.responses.create(model="m", input="hello")
        assert (await client.responses.create(model="m", input="hello")).output_text == "You said: hello"
        await client.close()
    assert served.returncode == 0, served.stderr
