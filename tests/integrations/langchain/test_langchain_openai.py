"""langchain-openai against the fake server: ChatOpenAI and OpenAIEmbeddings with only base_url and
api_key changed, on Chat Completions and on the Responses API (use_responses_api=True)."""

from __future__ import annotations

from typing import TypedDict

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI, OpenAIEmbeddings
from pydantic import BaseModel

MODEL = "gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")


class Joke(BaseModel):
    setup: str
    punchline: str
    rating: int
    tags: list[str]


class Movie(TypedDict):
    title: str
    year: int


@tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@tool
def get_time(zone: str) -> str:
    """The time in a zone."""
    return f"noon {zone}"


@pytest.fixture(params=["chat", "responses"])
def llm(request: pytest.FixtureRequest, base_url: str) -> ChatOpenAI:
    return ChatOpenAI(model=MODEL, base_url=base_url, api_key="sk-test", use_responses_api=request.param == "responses")


@pytest.fixture
def chat(base_url: str) -> ChatOpenAI:
    return ChatOpenAI(model=MODEL, base_url=base_url, api_key="sk-test")


@pytest.fixture
def embeddings(base_url: str) -> OpenAIEmbeddings:
    # check_embedding_ctx_length=False: the default splits text with tiktoken, which downloads its
    # encoding from the internet on first use (this sandbox has none); the server is not involved.
    return OpenAIEmbeddings(
        model="text-embedding-3-small", base_url=base_url, api_key="sk-test", check_embedding_ctx_length=False
    )


def test_invoke(llm: ChatOpenAI) -> None:
    """invoke answers a plain prompt."""
    assert llm.invoke("Hello").text == "You said: Hello"


def test_stream(llm: ChatOpenAI) -> None:
    """stream yields chunks that join to the reply."""
    assert "".join(c.text for c in llm.stream("Hi")) == "You said: Hi"


async def test_ainvoke(llm: ChatOpenAI) -> None:
    """ainvoke answers in async code."""
    assert (await llm.ainvoke("async")).text == "You said: async"


async def test_astream(llm: ChatOpenAI) -> None:
    """astream streams in async code."""
    assert "".join([c.text async for c in llm.astream("as")]) == "You said: as"


def test_multi_turn(llm: ChatOpenAI) -> None:
    """A message list is answered from its last user turn."""
    reply = llm.invoke([SystemMessage("Be brief."), HumanMessage("one"), AIMessage("You said: one"), HumanMessage("two")])
    assert reply.text == "You said: two"


def test_bind_tools(llm: ChatOpenAI) -> None:
    """bind_tools: a requested tool is called with valid arguments."""
    reply = llm.bind_tools([get_weather]).invoke("call get_weather")
    assert reply.tool_calls[0]["name"] == "get_weather" and "city" in reply.tool_calls[0]["args"]


def test_tool_round_trip(llm: ChatOpenAI) -> None:
    """A ToolMessage with the tool's result gets a text answer."""
    bound = llm.bind_tools([get_weather])
    messages: list = [HumanMessage("call get_weather")]
    first = bound.invoke(messages)
    messages += [first, ToolMessage("sunny", tool_call_id=first.tool_calls[0]["id"])]
    assert "sunny" in bound.invoke(messages).text


def test_strict_tools(llm: ChatOpenAI) -> None:
    """bind_tools(strict=True) sends strict schemas and gets a call back."""
    reply = llm.bind_tools([get_weather], strict=True).invoke("call get_weather")
    assert reply.tool_calls[0]["name"] == "get_weather"


def test_parallel_tool_calls(llm: ChatOpenAI) -> None:
    """Two tools asked for in one turn come back as two tool calls."""
    reply = llm.bind_tools([get_weather, get_time]).invoke("call get_weather and call get_time")
    assert [c["name"] for c in reply.tool_calls] == ["get_weather", "get_time"]


def test_structured_default(llm: ChatOpenAI) -> None:
    """The default with_structured_output (json_schema) gives a parsed Pydantic object."""
    joke = llm.with_structured_output(Joke).invoke("Tell a joke")
    assert isinstance(joke, Joke) and joke.tags


def test_structured_function_calling(llm: ChatOpenAI) -> None:
    """with_structured_output(method='function_calling') gives a parsed object."""
    assert isinstance(llm.with_structured_output(Joke, method="function_calling").invoke("joke"), Joke)


def test_structured_json_mode(chat: ChatOpenAI) -> None:
    """with_structured_output(method='json_mode') parses the JSON object."""
    result = chat.with_structured_output(None, method="json_mode").invoke("Return a JSON object")
    assert isinstance(result, dict)


def test_structured_include_raw(llm: ChatOpenAI) -> None:
    """include_raw=True gives the raw message, the parsed object and no parsing error."""
    result = llm.with_structured_output(Joke, include_raw=True).invoke("joke")
    assert isinstance(result["parsed"], Joke) and result["parsing_error"] is None


def test_structured_typed_dict(chat: ChatOpenAI) -> None:
    """A TypedDict schema gives a dict with its keys."""
    assert set(chat.with_structured_output(Movie).invoke("a movie")) == {"title", "year"}


async def test_structured_async(llm: ChatOpenAI) -> None:
    """ainvoke on a structured runnable gives a parsed object."""
    assert isinstance(await llm.with_structured_output(Joke).ainvoke("joke"), Joke)


def test_lcel_chain(chat: ChatOpenAI) -> None:
    """prompt | llm | StrOutputParser runs end to end."""
    chain = ChatPromptTemplate.from_messages([("system", "Be brief."), ("user", "{q}")]) | chat | StrOutputParser()
    assert chain.invoke({"q": "chained"}) == "You said: chained"


def test_batch(chat: ChatOpenAI) -> None:
    """batch answers several prompts."""
    assert [m.text for m in chat.batch(["a", "b"])] == ["You said: a", "You said: b"]


def test_responses_previous_id(base_url: str) -> None:
    """use_previous_response_id chains Responses turns on the server."""
    llm = ChatOpenAI(model=MODEL, base_url=base_url, api_key="sk-test", use_responses_api=True, use_previous_response_id=True)
    first = llm.invoke("one")
    assert llm.invoke([HumanMessage("one"), first, HumanMessage("two")]).text == "You said: two"


def test_embed_query(embeddings: OpenAIEmbeddings) -> None:
    """embed_query gives one vector of the model's dimension."""
    assert len(embeddings.embed_query("hello")) == 1536


def test_embed_documents(embeddings: OpenAIEmbeddings) -> None:
    """embed_documents gives a vector per document, identical text identical vector."""
    vectors = embeddings.embed_documents(["a cat", "a cat", "stocks"])
    assert vectors[0] == vectors[1] and vectors[0] != vectors[2]


async def test_aembed(embeddings: OpenAIEmbeddings) -> None:
    """aembed_query works in async code."""
    assert len(await embeddings.aembed_query("hi")) == 1536


def test_structured_strict(llm: ChatOpenAI) -> None:
    """with_structured_output(strict=True) gives a parsed object."""
    assert isinstance(llm.with_structured_output(Joke, strict=True).invoke("joke"), Joke)


def test_stream_usage(chat: ChatOpenAI) -> None:
    """Streaming with stream_usage reports usage metadata."""
    chunks = list(ChatOpenAI(model=MODEL, base_url=chat.openai_api_base, api_key="sk-test", stream_usage=True).stream("u"))
    total = chunks[0]
    for chunk in chunks[1:]:
        total += chunk
    assert total.usage_metadata and total.usage_metadata["total_tokens"] > 0


def test_logprobs(chat: ChatOpenAI) -> None:
    """logprobs=True puts token logprobs in the response metadata."""
    reply = chat.bind(logprobs=True).invoke("lp")
    assert reply.response_metadata["logprobs"]["content"]


def test_reasoning_model(base_url: str) -> None:
    """A reasoning model with reasoning settings answers (langchain picks the Responses API)."""
    llm = ChatOpenAI(model="gpt-5-mini", base_url=base_url, api_key="sk-test", reasoning={"effort": "low"})
    assert llm.invoke("think").text == "You said: think"
