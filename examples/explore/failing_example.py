import openai
from hypothesis import HealthCheck, given, settings

from openai_replay.explore import fault_schedules


async def ask(base_url: str, text: str) -> str | None:
    """The client under test: one question over HTTP, None when the API says no."""
    client = openai.AsyncOpenAI(base_url=base_url, api_key="sk-test", max_retries=0)
    try:
        return (await client.responses.create(model="gpt-4.1", input=text)).output_text
    except openai.APIError:
        return None


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule=fault_schedules(max_faults=3, transport="http"))
async def test_client(openai_server, schedule):
    openai_server.use(schedule)  # a clean server each example: log, caches, ids, rule counts
    assert await ask(openai_server.url, "hello") == "You said: hello"  # the bug: it assumes an answer
    openai_server.log.assert_invariants()  # no hang, no stale chain, full context after a miss, ...
