"""litellm against the fake server: the openai/ provider with only api_base and api_key changed."""

from __future__ import annotations

import json
import os

import pytest

# litellm fetches its model price map from GitHub at import; this sandbox has no internet, so use the
# copy it ships (its documented switch). The server is not involved.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

import litellm
from pydantic import BaseModel

MODEL = "openai/gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
TIME = {
    "type": "function",
    "function": {"name": "get_time", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}}},
}
RESPONSES_WEATHER = {"type": "function", **WEATHER["function"]}


class Event(BaseModel):
    name: str
    date: str
    participants: list[str]


@pytest.fixture
def conn(base_url: str) -> dict[str, str]:
    """What a user passes: api_base and api_key."""
    return {"api_base": base_url, "api_key": "sk-test"}


def _user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_completion(conn: dict[str, str]) -> None:
    """completion answers a plain prompt."""
    assert litellm.completion(model=MODEL, messages=_user("Hello"), **conn).choices[0].message.content == "You said: Hello"


def test_completion_stream(conn: dict[str, str]) -> None:
    """completion(stream=True) yields chunks that join to the reply."""
    chunks = litellm.completion(model=MODEL, messages=_user("Hi"), stream=True, **conn)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "You said: Hi"


def test_stream_chunk_builder(conn: dict[str, str]) -> None:
    """stream_chunk_builder rebuilds a streamed response, usage included."""
    chunks = list(
        litellm.completion(model=MODEL, messages=_user("b"), stream=True, stream_options={"include_usage": True}, **conn)
    )
    rebuilt = litellm.stream_chunk_builder(chunks)
    assert rebuilt.choices[0].message.content == "You said: b" and rebuilt.usage.total_tokens > 0


async def test_acompletion(conn: dict[str, str]) -> None:
    """acompletion answers in async code."""
    reply = await litellm.acompletion(model=MODEL, messages=_user("async"), **conn)
    assert reply.choices[0].message.content == "You said: async"


async def test_acompletion_stream(conn: dict[str, str]) -> None:
    """acompletion(stream=True) streams in async code."""
    stream = await litellm.acompletion(model=MODEL, messages=_user("as"), stream=True, **conn)
    assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "You said: as"


def test_multi_turn(conn: dict[str, str]) -> None:
    """A message list is answered from its last user turn."""
    messages = [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "You said: one"},
        {"role": "user", "content": "two"},
    ]
    assert litellm.completion(model=MODEL, messages=messages, **conn).choices[0].message.content == "You said: two"


def test_tools(conn: dict[str, str]) -> None:
    """A requested tool is called with valid arguments."""
    reply = litellm.completion(model=MODEL, messages=_user("call get_weather"), tools=[WEATHER], **conn)
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)


def test_tool_round_trip(conn: dict[str, str]) -> None:
    """The tool's result gets a text answer."""
    messages: list = _user("call get_weather")
    first = litellm.completion(model=MODEL, messages=messages, tools=[WEATHER], **conn).choices[0].message
    messages += [
        first.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": first.tool_calls[0].id, "content": "sunny"},
    ]
    second = litellm.completion(model=MODEL, messages=messages, tools=[WEATHER], **conn)
    assert "sunny" in second.choices[0].message.content


def test_streamed_tool_call(conn: dict[str, str]) -> None:
    """A streamed tool call is rebuilt by stream_chunk_builder."""
    chunks = list(litellm.completion(model=MODEL, messages=_user("call get_weather"), tools=[WEATHER], stream=True, **conn))
    assert litellm.stream_chunk_builder(chunks).choices[0].message.tool_calls[0].function.name == "get_weather"


def test_parallel_tool_calls(conn: dict[str, str]) -> None:
    """Two tools asked for in one turn come back as two calls."""
    reply = litellm.completion(model=MODEL, messages=_user("call get_weather and call get_time"), tools=[WEATHER, TIME], **conn)
    assert [c.function.name for c in reply.choices[0].message.tool_calls] == ["get_weather", "get_time"]


def test_response_format_pydantic(conn: dict[str, str]) -> None:
    """response_format=<Pydantic model> gives JSON that the model validates."""
    reply = litellm.completion(model=MODEL, messages=_user("An event"), response_format=Event, **conn)
    assert Event.model_validate_json(reply.choices[0].message.content).participants


def test_response_format_json_schema(conn: dict[str, str]) -> None:
    """A json_schema response_format dict gives schema-valid JSON."""
    fmt = {"type": "json_schema", "json_schema": {"name": "event", "schema": Event.model_json_schema(), "strict": False}}
    reply = litellm.completion(model=MODEL, messages=_user("An event"), response_format=fmt, **conn)
    Event.model_validate_json(reply.choices[0].message.content)


def test_response_format_json_object(conn: dict[str, str]) -> None:
    """json_object gives a JSON object."""
    reply = litellm.completion(model=MODEL, messages=_user("JSON please"), response_format={"type": "json_object"}, **conn)
    assert isinstance(json.loads(reply.choices[0].message.content), dict)


def test_responses(conn: dict[str, str]) -> None:
    """litellm.responses answers through /v1/responses."""
    reply = litellm.responses(model=MODEL, input="Hello", **conn)
    assert reply.output[0].content[0].text == "You said: Hello"


def test_responses_stream(conn: dict[str, str]) -> None:
    """litellm.responses(stream=True) streams Responses events."""
    events = list(litellm.responses(model=MODEL, input="Hi", stream=True, **conn))
    assert "".join(getattr(e, "delta", "") or "" for e in events if e.type == "response.output_text.delta") == "You said: Hi"


async def test_aresponses(conn: dict[str, str]) -> None:
    """litellm.aresponses answers in async code."""
    reply = await litellm.aresponses(model=MODEL, input="async", **conn)
    assert reply.output[0].content[0].text == "You said: async"


def test_responses_tools(conn: dict[str, str]) -> None:
    """litellm.responses with a function tool gets a function_call item."""
    reply = litellm.responses(model=MODEL, input="call get_weather", tools=[RESPONSES_WEATHER], **conn)
    assert any(i.type == "function_call" for i in reply.output)


def test_responses_previous_id(conn: dict[str, str]) -> None:
    """previous_response_id chains a second Responses turn."""
    first = litellm.responses(model=MODEL, input="one", **conn)
    second = litellm.responses(model=MODEL, input="two", previous_response_id=first.id, **conn)
    assert second.output[0].content[0].text == "You said: two"


def test_responses_text_format(conn: dict[str, str]) -> None:
    """litellm.responses with a json_schema text format gives schema-valid JSON."""
    fmt = {"format": {"type": "json_schema", "name": "event", "schema": Event.model_json_schema(), "strict": False}}
    reply = litellm.responses(model=MODEL, input="An event", text=fmt, **conn)
    Event.model_validate_json(reply.output[0].content[0].text)


def test_embedding(conn: dict[str, str]) -> None:
    """embedding gives vectors of the model's dimension."""
    reply = litellm.embedding(model="openai/text-embedding-3-small", input=["a", "b"], **conn)
    assert [len(d["embedding"]) for d in reply.data] == [1536, 1536]


async def test_aembedding(conn: dict[str, str]) -> None:
    """aembedding with dimensions works in async code."""
    reply = await litellm.aembedding(model="openai/text-embedding-3-small", input="a", dimensions=64, **conn)
    assert len(reply.data[0]["embedding"]) == 64


def test_moderation(conn: dict[str, str]) -> None:
    """moderation answers every category, not flagged."""
    reply = litellm.moderation(model="omni-moderation-latest", input="hello", **conn)
    assert reply.results[0].flagged is False


def test_router(base_url: str) -> None:
    """A Router with one deployment routes a completion."""
    router = litellm.Router(
        model_list=[{"model_name": "fast", "litellm_params": {"model": MODEL, "api_base": base_url, "api_key": "sk-test"}}]
    )
    assert router.completion(model="fast", messages=_user("routed")).choices[0].message.content == "You said: routed"


def test_text_completion(conn: dict[str, str]) -> None:
    """text_completion with a chat model answers."""
    reply = litellm.text_completion(model=MODEL, prompt="legacy", **conn)
    assert "legacy" in reply.choices[0].text


def test_n_choices(conn: dict[str, str]) -> None:
    """n=2 gives two choices."""
    assert len(litellm.completion(model=MODEL, messages=_user("n"), n=2, **conn).choices) == 2


def test_logprobs(conn: dict[str, str]) -> None:
    """logprobs with top_logprobs come back on the choice."""
    reply = litellm.completion(model=MODEL, messages=_user("lp"), logprobs=True, top_logprobs=2, **conn)
    assert reply.choices[0].logprobs["content"]


async def test_acompletion_stream_tools(conn: dict[str, str]) -> None:
    """A streamed async tool call is rebuilt by stream_chunk_builder."""
    stream = await litellm.acompletion(model=MODEL, messages=_user("call get_weather"), tools=[WEATHER], stream=True, **conn)
    chunks = [c async for c in stream]
    assert litellm.stream_chunk_builder(chunks).choices[0].message.tool_calls[0].function.name == "get_weather"


def test_get_and_delete_response(conn: dict[str, str]) -> None:
    """get_responses and delete_responses reach the stored response."""
    made = litellm.responses(model=MODEL, input="keep", **conn)
    got = litellm.get_responses(response_id=made.id, custom_llm_provider="openai", **conn)
    assert got.id == made.id
    litellm.delete_responses(response_id=made.id, custom_llm_provider="openai", **conn)


def test_responses_reasoning(conn: dict[str, str]) -> None:
    """litellm.responses with a reasoning model and effort answers."""
    reply = litellm.responses(model="openai/gpt-5-mini", input="think", reasoning={"effort": "low"}, **conn)
    assert any(i.type == "message" for i in reply.output)
