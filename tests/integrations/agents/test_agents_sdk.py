"""The OpenAI Agents SDK (openai-agents) against the fake server: a default client with only
base_url and api_key changed, tracing off (it would export to api.openai.com)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from agents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    OpenAIConversationsSession,
    OpenAIResponsesCompactionSession,
    Runner,
    SQLiteSession,
    function_tool,
    handoff,
    input_guardrail,
    set_default_openai_api,
    set_default_openai_client,
    set_default_openai_responses_transport,
    set_tracing_disabled,
)
from openai import AsyncOpenAI
from pydantic import BaseModel

MODEL = "gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")
BACKENDS = ["responses", "chat_completions"]


class Answer(BaseModel):
    title: str
    score: int
    tags: list[str]


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@function_tool(strict_mode=False)
def get_time(zone: str = "UTC") -> str:
    """The time in a zone."""
    return f"noon {zone}"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, base_url: str) -> Iterator[str]:
    set_tracing_disabled(True)
    set_default_openai_client(AsyncOpenAI(base_url=base_url, api_key="sk-test"), use_for_tracing=False)
    set_default_openai_api(request.param)
    yield request.param
    set_default_openai_api("responses")


@pytest.fixture
def responses_only(base_url: str) -> Iterator[AsyncOpenAI]:
    set_tracing_disabled(True)
    client = AsyncOpenAI(base_url=base_url, api_key="sk-test")
    set_default_openai_client(client, use_for_tracing=False)
    set_default_openai_api("responses")
    yield client


def test_run_sync(backend: str) -> None:
    """Runner.run_sync answers a plain question."""
    result = Runner.run_sync(Agent(name="a", model=MODEL, instructions="Be brief."), "Hello")
    assert result.final_output == "You said: Hello"


async def test_run_async(backend: str) -> None:
    """Runner.run answers in async code."""
    result = await Runner.run(Agent(name="a", model=MODEL), "Hi")
    assert result.final_output == "You said: Hi"


async def test_run_streamed(backend: str) -> None:
    """Runner.run_streamed streams text deltas and a final output."""
    result = Runner.run_streamed(Agent(name="a", model=MODEL), "stream")
    events = [e async for e in result.stream_events()]
    assert events and result.final_output == "You said: stream"


async def test_function_tool(backend: str) -> None:
    """A function tool is called and its result reported."""
    agent = Agent(name="a", model=MODEL, tools=[get_weather])
    result = await Runner.run(agent, "call get_weather")
    assert "sunny" in result.final_output


async def test_non_strict_tool(backend: str) -> None:
    """A non-strict tool with an optional parameter is called."""
    result = await Runner.run(Agent(name="a", model=MODEL, tools=[get_time]), "call get_time")
    assert "noon" in result.final_output


async def test_output_type(backend: str) -> None:
    """output_type with a Pydantic model gives a parsed final output, no scenario."""
    result = await Runner.run(Agent(name="a", model=MODEL, output_type=Answer), "Rate this")
    assert isinstance(result.final_output, Answer) and result.final_output.tags


async def test_output_type_list(backend: str) -> None:
    """A non-object output_type (list[str]) is wrapped and unwrapped."""
    result = await Runner.run(Agent(name="a", model=MODEL, output_type=list[str]), "List things")
    assert isinstance(result.final_output, list) and result.final_output


async def test_handoff(backend: str) -> None:
    """A handoff moves the run to the other agent."""
    spanish = Agent(name="spanish", model=MODEL, instructions="Answer in Spanish.")
    triage = Agent(name="triage", model=MODEL, handoffs=[handoff(spanish)])
    result = await Runner.run(triage, "call transfer_to_spanish")
    assert result.last_agent.name == "spanish"


async def test_multi_turn_input_list(backend: str) -> None:
    """to_input_list carries the first turn into the second."""
    agent = Agent(name="a", model=MODEL)
    first = await Runner.run(agent, "one")
    second = await Runner.run(agent, [*first.to_input_list(), {"role": "user", "content": "two"}])
    assert second.final_output == "You said: two"


async def test_sqlite_session(backend: str, tmp_path: Path) -> None:
    """A local SQLiteSession keeps history across runs."""
    session = SQLiteSession("s1", str(tmp_path / "s.db"))
    agent = Agent(name="a", model=MODEL)
    await Runner.run(agent, "one", session=session)
    result = await Runner.run(agent, "two", session=session)
    assert result.final_output == "You said: two" and len(await session.get_items()) == 4


async def test_agent_as_tool(backend: str) -> None:
    """An agent used as a tool is run by the orchestrator."""
    helper = Agent(name="helper", model=MODEL)
    boss = Agent(name="boss", model=MODEL, tools=[helper.as_tool(tool_name="ask_helper", tool_description="Ask the helper")])
    result = await Runner.run(boss, "call ask_helper")
    assert "ask_helper returned" in result.final_output


async def test_input_guardrail(backend: str) -> None:
    """An input guardrail run by a structured-output agent can trip."""

    class Check(BaseModel):
        is_homework: bool

    checker = Agent(name="check", model=MODEL, output_type=Check)

    @input_guardrail
    async def homework(ctx, agent, text):  # type: ignore[no-untyped-def]
        result = await Runner.run(checker, text, context=ctx.context)
        return GuardrailFunctionOutput(output_info=result.final_output, tripwire_triggered=True)

    with pytest.raises(InputGuardrailTripwireTriggered):
        await Runner.run(Agent(name="a", model=MODEL, input_guardrails=[homework]), "solve x")


async def test_previous_response_id(responses_only: AsyncOpenAI) -> None:
    """previous_response_id chains runs on the server."""
    agent = Agent(name="a", model=MODEL)
    first = await Runner.run(agent, "one")
    second = await Runner.run(agent, "two", previous_response_id=first.last_response_id)
    assert second.final_output == "You said: two"


async def test_conversations_session(responses_only: AsyncOpenAI) -> None:
    """OpenAIConversationsSession keeps the history in a server-side conversation."""
    session = OpenAIConversationsSession()
    agent = Agent(name="a", model=MODEL)
    await Runner.run(agent, "one", session=session)
    result = await Runner.run(agent, "two", session=session)
    assert result.final_output == "You said: two"
    assert len(await session.get_items()) >= 4
    await session.clear_session()


async def test_compaction_session(responses_only: AsyncOpenAI, tmp_path: Path) -> None:
    """OpenAIResponsesCompactionSession compacts through responses.compact."""
    session = OpenAIResponsesCompactionSession(
        session_id="c1",
        underlying_session=SQLiteSession("c1", str(tmp_path / "c.db")),
        client=responses_only,
        should_trigger_compaction=lambda ctx: True,
    )
    agent = Agent(name="a", model=MODEL)
    await Runner.run(agent, "one", session=session)
    result = await Runner.run(agent, "two", session=session)
    assert result.final_output == "You said: two"


async def test_websocket_transport(responses_only: AsyncOpenAI) -> None:
    """The Responses WebSocket transport runs a turn."""
    set_default_openai_responses_transport("websocket")
    try:
        result = await Runner.run(Agent(name="a", model=MODEL, tools=[get_weather]), "call get_weather")
    finally:
        set_default_openai_responses_transport("http")
    assert "sunny" in result.final_output


async def test_streamed_output_type(backend: str) -> None:
    """run_streamed with an output_type ends with a parsed object."""
    result = Runner.run_streamed(Agent(name="a", model=MODEL, output_type=Answer), "Rate this")
    async for _ in result.stream_events():
        pass
    assert isinstance(result.final_output, Answer)


async def test_required_tool_stop_on_first(backend: str) -> None:
    """tool_choice='required' with stop_on_first_tool ends with the tool's output."""
    from agents import ModelSettings

    agent = Agent(
        name="a",
        model=MODEL,
        tools=[get_weather],
        model_settings=ModelSettings(tool_choice="required"),
        tool_use_behavior="stop_on_first_tool",
    )
    assert (await Runner.run(agent, "weather?")).final_output.startswith("sunny")


async def test_default_model(backend: str) -> None:
    """An Agent with no model (the SDK's default model) runs."""
    result = await Runner.run(Agent(name="a", instructions="Be brief."), "default")
    assert result.final_output == "You said: default"


async def test_streamed_tool_calls(backend: str) -> None:
    """run_streamed through a tool call reports the tool's output."""
    result = Runner.run_streamed(Agent(name="a", model=MODEL, tools=[get_weather]), "call get_weather")
    kinds = [e.type async for e in result.stream_events()]
    assert "run_item_stream_event" in kinds and "sunny" in result.final_output


async def test_parallel_tool_calls(backend: str) -> None:
    """Two tools asked for at once are both run before the answer."""
    agent = Agent(name="a", model=MODEL, tools=[get_weather, get_time])
    result = await Runner.run(agent, "call get_weather and call get_time")
    assert "sunny" in result.final_output and "noon" in result.final_output


async def test_conversation_id(responses_only: AsyncOpenAI) -> None:
    """Runner.run(conversation_id=...) keeps the history in a server conversation."""
    conv = await responses_only.conversations.create()
    agent = Agent(name="a", model=MODEL)
    await Runner.run(agent, "one", conversation_id=conv.id)
    result = await Runner.run(agent, "two", conversation_id=conv.id)
    assert result.final_output == "You said: two"
    items = await responses_only.conversations.items.list(conv.id)
    assert len(items.data) >= 4
