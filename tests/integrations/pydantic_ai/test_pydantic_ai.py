"""pydantic-ai against the fake server: OpenAIProvider with only base_url and api_key changed, on both
the Chat Completions model and the Responses model."""

from __future__ import annotations

import pytest
from pydantic import BaseModel
from pydantic_ai import Agent, Embedder, NativeOutput, PromptedOutput, RunContext, StructuredDict, ToolOutput, UsageLimits
from pydantic_ai.embeddings.openai import OpenAIEmbeddingModel
from pydantic_ai.models.openai import OpenAIChatModel, OpenAIResponsesModel
from pydantic_ai.providers.openai import OpenAIProvider

MODEL = "gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")


class City(BaseModel):
    name: str
    country: str
    population: int
    districts: list[str]


class Fail(BaseModel):
    reason: str


@pytest.fixture
def provider(base_url: str) -> OpenAIProvider:
    return OpenAIProvider(base_url=base_url, api_key="sk-test")


@pytest.fixture(params=["chat", "responses"])
def model(request: pytest.FixtureRequest, provider: OpenAIProvider) -> OpenAIChatModel | OpenAIResponsesModel:
    cls = OpenAIChatModel if request.param == "chat" else OpenAIResponsesModel
    return cls(MODEL, provider=provider)


def test_run_sync(model: OpenAIChatModel) -> None:
    """Agent.run_sync answers a plain prompt."""
    assert Agent(model, instructions="Be brief.").run_sync("Hello").output == "You said: Hello"


async def test_run_async(model: OpenAIChatModel) -> None:
    """Agent.run answers in async code."""
    assert (await Agent(model).run("Hi")).output == "You said: Hi"


async def test_run_stream_text(model: OpenAIChatModel) -> None:
    """run_stream streams text that ends as the reply."""
    async with Agent(model).run_stream("stream") as result:
        chunks = [c async for c in result.stream_text(delta=True)]
    assert "".join(chunks) == "You said: stream"


def test_run_stream_sync(model: OpenAIChatModel) -> None:
    """run_stream_sync streams in sync code."""
    result = Agent(model).run_stream_sync("sync stream")
    assert "".join(result.stream_text(delta=True)) == "You said: sync stream"


async def test_tool_plain(model: OpenAIChatModel) -> None:
    """A plain tool is called and its result reported."""
    agent = Agent(model)

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """The weather in a city."""
        return f"sunny in {city}"

    result = await agent.run("call get_weather")
    assert "sunny" in result.output


async def test_default_output_type(model: OpenAIChatModel) -> None:
    """The default (tool) output mode with a Pydantic model gives a parsed object."""
    result = await Agent(model, output_type=City).run("A city")
    assert isinstance(result.output, City) and result.output.districts


async def test_native_output(model: OpenAIChatModel) -> None:
    """NativeOutput (json_schema response format) gives a parsed object, no scenario."""
    result = await Agent(model, output_type=NativeOutput(City)).run("A city")
    assert isinstance(result.output, City)


async def test_prompted_output(model: OpenAIChatModel) -> None:
    """PromptedOutput (schema in the instructions) gives a parsed object."""
    result = await Agent(model, output_type=PromptedOutput(City)).run("A city")
    assert isinstance(result.output, City)


async def test_tool_output_union(model: OpenAIChatModel) -> None:
    """Two output tools (ToolOutput) give one of the types."""
    result = await Agent(model, output_type=[ToolOutput(City, name="city"), ToolOutput(Fail, name="fail")]).run("A city")
    assert isinstance(result.output, City | Fail)


async def test_structured_dict_native(model: OpenAIChatModel) -> None:
    """StructuredDict with NativeOutput gives a dict matching the JSON schema."""
    schema = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}}, "required": ["a", "b"]}
    result = await Agent(model, output_type=NativeOutput(StructuredDict(schema, name="AB"))).run("x")
    assert set(result.output) == {"a", "b"}


async def test_stream_structured(model: OpenAIChatModel) -> None:
    """run_stream with a structured output streams partial objects and a final one."""
    async with Agent(model, output_type=City).run_stream("A city") as result:
        outputs = [o async for o in result.stream_output()]
    assert isinstance(outputs[-1], City)


async def test_message_history(model: OpenAIChatModel) -> None:
    """message_history carries the first run into the second."""
    agent = Agent(model)
    first = await agent.run("one")
    second = await agent.run("two", message_history=first.all_messages())
    assert second.output == "You said: two"


async def test_count_tokens(provider: OpenAIProvider) -> None:
    """UsageLimits(count_tokens_before_request=True) counts through /v1/responses/input_tokens."""
    agent = Agent(OpenAIResponsesModel(MODEL, provider=provider))
    result = await agent.run("count me", usage_limits=UsageLimits(input_tokens_limit=10_000, count_tokens_before_request=True))
    assert result.output == "You said: count me"


async def test_embedder(provider: OpenAIProvider) -> None:
    """Embedder with the OpenAI embedding model embeds a query and documents."""
    embedder = Embedder(OpenAIEmbeddingModel("text-embedding-3-small", provider=provider))
    result = await embedder.embed_documents(["a cat", "a dog"])
    assert len(result.embeddings) == 2 and len(result.embeddings[0]) == 1536


async def test_iter_nodes(model: OpenAIChatModel) -> None:
    """agent.iter walks the run's nodes to the end."""
    async with Agent(model).iter("nodes") as run:
        nodes = [node async for node in run]
    assert nodes and run.result is not None and run.result.output == "You said: nodes"


async def test_usage(model: OpenAIChatModel) -> None:
    """A run reports the tokens the server counted."""
    result = await Agent(model).run("usage")
    assert result.usage().input_tokens > 0 and result.usage().output_tokens > 0


@pytest.mark.parametrize("spec", ["openai:gpt-4o-mini", "openai-responses:gpt-5-mini"])
async def test_model_string_from_env(spec: str, base_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Agent('openai:...') reads OPENAI_BASE_URL and OPENAI_API_KEY."""
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert (await Agent(spec).run("env")).output == "You said: env"


async def test_tool_with_deps(model: OpenAIChatModel) -> None:
    """A tool taking RunContext reads the run's deps."""
    agent = Agent(model, deps_type=str)

    @agent.tool
    def whoami(ctx: RunContext[str]) -> str:
        """Who the user is."""
        return f"user {ctx.deps}"

    assert "user ada" in (await agent.run("call whoami", deps="ada")).output


async def test_model_settings(model: OpenAIChatModel) -> None:
    """model_settings (temperature, max_tokens) are accepted."""
    result = await Agent(model).run("settings", model_settings={"temperature": 0, "max_tokens": 64})
    assert result.output == "You said: settings"


async def test_previous_response_id_auto(provider: OpenAIProvider) -> None:
    """openai_previous_response_id='auto' sends only the new turn, chained on the server."""
    from pydantic_ai.models.openai import OpenAIResponsesModelSettings

    agent = Agent(OpenAIResponsesModel(MODEL, provider=provider))
    first = await agent.run("one")
    settings = OpenAIResponsesModelSettings(openai_previous_response_id="auto")
    second = await agent.run("two", message_history=first.all_messages(), model_settings=settings)
    assert second.output == "You said: two"
