"""The openai SDK's own helpers against the fake server, only base_url and api_key changed."""

from __future__ import annotations

import enum
import json
import time

import pytest
from openai import AsyncOpenAI, OpenAI, pydantic_function_tool
from pydantic import BaseModel

MODEL = "gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")


class Color(str, enum.Enum):
    RED = "red"
    BLUE = "blue"


class Address(BaseModel):
    street: str
    city: str


class Person(BaseModel):
    """Every field kind the issue names: str, int, list, nested object, enum, optional."""

    name: str
    age: int
    hobbies: list[str]
    address: Address
    favourite: Color
    nickname: str | None


class GetWeather(BaseModel):
    city: str


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
RESPONSES_WEATHER = {"type": "function", **WEATHER_TOOL["function"]}


@pytest.fixture
def client(base_url: str) -> OpenAI:
    return OpenAI(base_url=base_url, api_key="sk-test")


@pytest.fixture
def aclient(base_url: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=base_url, api_key="sk-test")


def _person_checks(person: Person | None) -> None:
    assert isinstance(person, Person)
    assert person.hobbies and isinstance(person.address, Address) and isinstance(person.favourite, Color)


def test_chat_create(client: OpenAI) -> None:
    """chat.completions.create answers with an assistant message."""
    reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hello"}])
    assert reply.choices[0].message.content == "You said: Hello"


def test_chat_stream(client: OpenAI) -> None:
    """A streamed chat completion arrives in chunks that join to the reply."""
    stream = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True)
    text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "You said: Hi"


def test_chat_stream_usage(client: OpenAI) -> None:
    """stream_options.include_usage ends the stream with a usage chunk."""
    chunks = list(
        client.chat.completions.create(
            model=MODEL, messages=[{"role": "user", "content": "Hi"}], stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0


def test_chat_multi_turn(client: OpenAI) -> None:
    """A conversation replayed as messages is answered from its last user turn."""
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "One"},
            {"role": "assistant", "content": "You said: One"},
            {"role": "user", "content": "Two"},
        ],
    )
    assert reply.choices[0].message.content == "You said: Two"


def test_chat_tool_call(client: OpenAI) -> None:
    """A tool the user asks for is called with schema-valid arguments."""
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "call get_weather for Paris"}], tools=[WEATHER_TOOL]
    )
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather" and "city" in json.loads(call.function.arguments)
    assert reply.choices[0].finish_reason == "tool_calls"


def test_chat_tool_round_trip(client: OpenAI) -> None:
    """After the tool's output the model answers in text."""
    messages: list = [{"role": "user", "content": "call get_weather"}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    call = first.choices[0].message.tool_calls[0]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny"},
    ]
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    assert "sunny" in (second.choices[0].message.content or "")


def test_chat_forced_tool_choice(client: OpenAI) -> None:
    """tool_choice naming a function forces the call."""
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "weather?"}],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
    )
    assert reply.choices[0].message.tool_calls[0].function.name == "get_weather"


def test_chat_parallel_tool_calls(client: OpenAI) -> None:
    """Asking for two tools in one turn gives two tool calls in one message."""
    other = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "call get_weather and call get_time"}], tools=[WEATHER_TOOL, other]
    )
    assert [c.function.name for c in reply.choices[0].message.tool_calls] == ["get_weather", "get_time"]


def test_chat_parse_pydantic(client: OpenAI) -> None:
    """chat.completions.parse with a Pydantic model gives a parsed object, no scenario."""
    reply = client.chat.completions.parse(model=MODEL, messages=[{"role": "user", "content": "A person"}], response_format=Person)
    _person_checks(reply.choices[0].message.parsed)


def test_chat_parse_strict_tool(client: OpenAI) -> None:
    """parse with a strict pydantic_function_tool gives parsed arguments."""
    reply = client.chat.completions.parse(
        model=MODEL, messages=[{"role": "user", "content": "call GetWeather"}], tools=[pydantic_function_tool(GetWeather)]
    )
    assert isinstance(reply.choices[0].message.tool_calls[0].function.parsed_arguments, GetWeather)


def test_chat_stream_helper_parsed(client: OpenAI) -> None:
    """chat.completions.stream with a response_format model parses the final message."""
    with client.chat.completions.stream(
        model=MODEL, messages=[{"role": "user", "content": "A person"}], response_format=Person
    ) as s:
        for _ in s:
            pass
        final = s.get_final_completion()
    _person_checks(final.choices[0].message.parsed)


def test_chat_json_object(client: OpenAI) -> None:
    """response_format json_object answers a JSON object."""
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Reply in JSON"}], response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(reply.choices[0].message.content or ""), dict)


def test_chat_stored_list_retrieve(client: OpenAI) -> None:
    """A completion made with store=true can be listed and retrieved."""
    made = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "keep"}], store=True)
    assert client.chat.completions.retrieve(made.id).id == made.id
    assert made.id in [c.id for c in client.chat.completions.list()]


async def test_async_chat(aclient: AsyncOpenAI) -> None:
    """AsyncOpenAI's chat.completions.create answers."""
    reply = await aclient.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "async"}])
    assert reply.choices[0].message.content == "You said: async"


async def test_async_chat_stream(aclient: AsyncOpenAI) -> None:
    """AsyncOpenAI streams a chat completion."""
    stream = await aclient.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "s"}], stream=True)
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "You said: s"


def test_responses_create(client: OpenAI) -> None:
    """responses.create answers with output_text."""
    assert client.responses.create(model=MODEL, input="Hello").output_text == "You said: Hello"


def test_responses_stream(client: OpenAI) -> None:
    """responses.create(stream=True) yields events ending with response.completed."""
    events = list(client.responses.create(model=MODEL, input="Hi", stream=True))
    assert events[-1].type == "response.completed"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == "You said: Hi"


def test_responses_stream_helper(client: OpenAI) -> None:
    """The responses.stream helper gives the final response."""
    with client.responses.stream(model=MODEL, input="Hi") as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    assert final.output_text == "You said: Hi"


def test_responses_parse_pydantic(client: OpenAI) -> None:
    """responses.parse with a Pydantic model gives output_parsed, no scenario."""
    _person_checks(client.responses.parse(model=MODEL, input="A person", text_format=Person).output_parsed)


def test_responses_tool_call(client: OpenAI) -> None:
    """A Responses function tool is called, then its output is reported."""
    first = client.responses.create(model=MODEL, input="call get_weather", tools=[RESPONSES_WEATHER])
    call = next(i for i in first.output if i.type == "function_call")
    second = client.responses.create(
        model=MODEL,
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": call.call_id, "output": "rainy"}],
        tools=[RESPONSES_WEATHER],
    )
    assert "rainy" in second.output_text


def test_responses_strict_tool_parse(client: OpenAI) -> None:
    """responses.parse with a strict pydantic tool parses its arguments."""
    reply = client.responses.parse(model=MODEL, input="call GetWeather", tools=[pydantic_function_tool(GetWeather)])
    call = next(i for i in reply.output if i.type == "function_call")
    assert isinstance(call.parsed_arguments, GetWeather)


def test_responses_chain(client: OpenAI) -> None:
    """previous_response_id chains a second turn onto the first."""
    first = client.responses.create(model=MODEL, input="first")
    second = client.responses.create(model=MODEL, input="second", previous_response_id=first.id)
    assert second.output_text == "You said: second"


def test_responses_retrieve_delete(client: OpenAI) -> None:
    """A stored response can be retrieved and then deleted."""
    made = client.responses.create(model=MODEL, input="store me")
    assert client.responses.retrieve(made.id).output_text == made.output_text
    client.responses.delete(made.id)


def test_responses_input_items(client: OpenAI) -> None:
    """input_items lists what a response was given."""
    made = client.responses.create(model=MODEL, input="listed")
    items = client.responses.input_items.list(made.id)
    assert len(items.data) == 1


def test_responses_background_poll(client: OpenAI) -> None:
    """A background response is queued, then completes on polling."""
    made = client.responses.create(model=MODEL, input="later", background=True)
    assert made.status in {"queued", "in_progress"}
    deadline = time.monotonic() + 10
    while (got := client.responses.retrieve(made.id)).status in {"queued", "in_progress"} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert got.status == "completed" and got.output_text == "You said: later"


def test_responses_background_cancel(client: OpenAI) -> None:
    """A background response can be cancelled."""
    made = client.responses.create(model=MODEL, input="cancel me", background=True)
    assert client.responses.cancel(made.id).status in {"cancelled", "completed"}


def test_responses_input_tokens(client: OpenAI) -> None:
    """responses.input_tokens.count counts the input's tokens."""
    assert client.responses.input_tokens.count(model=MODEL, input="count these tokens").input_tokens > 0


def test_responses_compact(client: OpenAI) -> None:
    """responses.compact compacts a conversation."""
    compacted = client.responses.compact(model=MODEL, input=[{"role": "user", "content": "long history"}])
    assert compacted.output


def test_conversations(client: OpenAI) -> None:
    """A conversation gathers the items of the responses that name it."""
    conv = client.conversations.create()
    client.responses.create(model=MODEL, input="remember", conversation=conv.id)
    items = client.conversations.items.list(conv.id)
    assert len(items.data) >= 2
    assert client.conversations.retrieve(conv.id).id == conv.id
    client.conversations.delete(conv.id)


def test_embeddings_default(client: OpenAI) -> None:
    """embeddings.create (the SDK asks for base64) gives vectors of the model's dimension."""
    reply = client.embeddings.create(model="text-embedding-3-small", input=["a cat", "a dog"])
    assert [len(d.embedding) for d in reply.data] == [1536, 1536]


def test_embeddings_dimensions_float(client: OpenAI) -> None:
    """dimensions and encoding_format float are honoured."""
    reply = client.embeddings.create(model="text-embedding-3-large", input="x", dimensions=256, encoding_format="float")
    assert len(reply.data[0].embedding) == 256


def test_models(client: OpenAI) -> None:
    """models.list lists models and models.retrieve finds one."""
    ids = [m.id for m in client.models.list()]
    assert ids and client.models.retrieve(ids[0]).id == ids[0]


def test_moderations(client: OpenAI) -> None:
    """moderations.create answers every category."""
    result = client.moderations.create(model="omni-moderation-latest", input="hello").results[0]
    assert result.flagged is False and result.categories is not None


async def test_async_responses_parse(aclient: AsyncOpenAI) -> None:
    """AsyncOpenAI's responses.parse gives output_parsed."""
    _person_checks((await aclient.responses.parse(model=MODEL, input="A person", text_format=Person)).output_parsed)


async def test_responses_websocket(aclient: AsyncOpenAI) -> None:
    """responses.connect (WebSocket mode) streams a response."""
    async with aclient.responses.connect() as conn:
        await conn.response.create(model=MODEL, input="ws", store=False)
        async for event in conn:
            if event.type == "response.completed":
                assert event.response.output_text == "You said: ws"
                break


def test_chat_n_choices(client: OpenAI) -> None:
    """n=2 gives two choices."""
    reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "twice"}], n=2)
    assert [c.index for c in reply.choices] == [0, 1]


def test_chat_logprobs(client: OpenAI) -> None:
    """logprobs with top_logprobs gives a logprob per token."""
    reply = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "lp"}], logprobs=True, top_logprobs=2
    )
    assert reply.choices[0].logprobs is not None and reply.choices[0].logprobs.content


def test_raw_response_headers(client: OpenAI) -> None:
    """with_raw_response exposes the x-request-id header."""
    raw = client.chat.completions.with_raw_response.create(model=MODEL, messages=[{"role": "user", "content": "h"}])
    assert raw.headers.get("x-request-id") and raw.parse().choices[0].message.content == "You said: h"


def test_responses_stream_parse(client: OpenAI) -> None:
    """responses.stream with text_format parses the final response."""
    with client.responses.stream(model=MODEL, input="A person", text_format=Person) as stream:
        for _ in stream:
            pass
        final = stream.get_final_response()
    _person_checks(final.output_parsed)


def test_chat_stream_helper_tools(client: OpenAI) -> None:
    """chat.completions.stream with a strict tool gives parsed arguments in the final completion."""
    with client.chat.completions.stream(
        model=MODEL, messages=[{"role": "user", "content": "call GetWeather"}], tools=[pydantic_function_tool(GetWeather)]
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    assert isinstance(final.choices[0].message.tool_calls[0].function.parsed_arguments, GetWeather)


def test_background_stream_resume(client: OpenAI) -> None:
    """A streamed background response can be streamed again from a sequence number."""
    events = list(client.responses.create(model=MODEL, input="resume", background=True, stream=True))
    response_id = events[0].response.id
    again = list(client.responses.retrieve(response_id, stream=True, starting_after=1))
    assert again and again[0].sequence_number == 2 and again[-1].type == "response.completed"


def test_conversation_items_crud(client: OpenAI) -> None:
    """Conversation items can be added, retrieved and deleted; the conversation's metadata updated."""
    conv = client.conversations.create(items=[{"type": "message", "role": "user", "content": "hi"}])
    added = client.conversations.items.create(conv.id, items=[{"type": "message", "role": "user", "content": "more"}])
    item_id = added.data[0].id
    assert client.conversations.items.retrieve(item_id, conversation_id=conv.id).id == item_id
    client.conversations.items.delete(item_id, conversation_id=conv.id)
    assert client.conversations.update(conv.id, metadata={"k": "v"}).metadata == {"k": "v"}


def test_unknown_model_is_404(client: OpenAI) -> None:
    """models.retrieve of an unknown id raises NotFoundError with model_not_found."""
    import openai

    with pytest.raises(openai.NotFoundError) as caught:
        client.models.retrieve("no-such-model")
    assert caught.value.code == "model_not_found"


def test_input_items_paging(client: OpenAI) -> None:
    """input_items pages with limit and has_more."""
    made = client.responses.create(
        model=MODEL, input=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}, {"role": "user", "content": "c"}]
    )
    page = client.responses.input_items.list(made.id, limit=2)
    assert len(page.data) == 2 and page.has_more
    assert len(list(client.responses.input_items.list(made.id, limit=2))) == 3


def test_moderations_batch(client: OpenAI) -> None:
    """A list of inputs gives one moderation result each."""
    assert len(client.moderations.create(input=["a", "b"]).results) == 2


def test_chat_image_input(client: OpenAI) -> None:
    """A user message with text and an image part is answered from its text."""
    content = [
        {"type": "text", "text": "Describe"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
    ]
    reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": content}])
    assert "Describe" in (reply.choices[0].message.content or "")


def test_chat_json_schema_dict(client: OpenAI) -> None:
    """A hand-written strict json_schema response_format is answered with valid JSON."""
    schema = {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "string"}, "minItems": 2}, "total": {"type": "number"}},
        "required": ["items", "total"],
        "additionalProperties": False,
    }
    reply = client.chat.completions.create(
        model=MODEL,
        messages=[{"role": "user", "content": "A list"}],
        response_format={"type": "json_schema", "json_schema": {"name": "cart", "schema": schema, "strict": True}},
    )
    data = json.loads(reply.choices[0].message.content or "")
    assert len(data["items"]) >= 2 and isinstance(data["total"], int | float)


def test_responses_reasoning_model(client: OpenAI) -> None:
    """A reasoning model with reasoning effort answers with output_text."""
    reply = client.responses.create(model="gpt-5-mini", input="Think", reasoning={"effort": "low"})
    assert reply.output_text == "You said: Think"


def test_responses_instructions_and_image(client: OpenAI) -> None:
    """instructions plus an input_image part are accepted."""
    reply = client.responses.create(
        model=MODEL,
        instructions="Be brief.",
        input=[
            {
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "What is this"},
                    {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="},
                ],
            }
        ],
    )
    assert "What is this" in reply.output_text


def test_responses_tool_choice_required(client: OpenAI) -> None:
    """tool_choice='required' makes the model call a tool."""
    reply = client.responses.create(model=MODEL, input="anything", tools=[RESPONSES_WEATHER], tool_choice="required")
    assert reply.output[0].type == "function_call"


def test_responses_conversation_stream(client: OpenAI) -> None:
    """A streamed response in a conversation appends to it."""
    conv = client.conversations.create()
    events = list(client.responses.create(model=MODEL, input="streamed", conversation=conv.id, stream=True))
    assert events[-1].type == "response.completed"
    texts = [c.text for i in client.conversations.items.list(conv.id) if i.type == "message" for c in i.content]
    assert "You said: streamed" in texts
