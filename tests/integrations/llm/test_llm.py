"""Simon Willison's ``llm`` as a Python library against the fake server: the default OpenAI models read
OPENAI_BASE_URL and OPENAI_API_KEY (only those changed), on a Chat model (gpt-4o-mini) and a Responses
model (gpt-5-mini)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import llm
import pytest
from pydantic import BaseModel

MODEL = "gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")
BACKENDS = ["gpt-4o-mini", "gpt-5-mini"]  # llm's Chat and Responses classes


class Dog(BaseModel):
    name: str
    age: int
    tricks: list[str]


def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


@pytest.fixture(autouse=True)
def env(base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What a user sets: the base URL and the key (and a fresh llm home, so no user's keys are read)."""
    monkeypatch.setenv("OPENAI_BASE_URL", base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path))
    yield


@pytest.fixture(params=BACKENDS)
def model_id(request: pytest.FixtureRequest) -> str:
    return request.param


def test_prompt(model_id: str) -> None:
    """model.prompt(...).text() answers."""
    assert llm.get_model(model_id).prompt("Hello").text() == "You said: Hello"


def test_stream(model_id: str) -> None:
    """Iterating a response streams its chunks."""
    assert "".join(llm.get_model(model_id).prompt("Hi")) == "You said: Hi"


def test_system_prompt(model_id: str) -> None:
    """A system prompt is accepted beside the prompt."""
    assert llm.get_model(model_id).prompt("Sys", system="Be brief.").text() == "You said: Sys"


def test_conversation(model_id: str) -> None:
    """A conversation sends the earlier turns with the next prompt."""
    conversation = llm.get_model(model_id).conversation()
    conversation.prompt("one").text()
    assert conversation.prompt("two").text() == "You said: two"


def test_schema_pydantic(model_id: str) -> None:
    """prompt(schema=Model) answers JSON valid for the model, no scenario."""
    assert Dog.model_validate_json(llm.get_model(model_id).prompt("A dog", schema=Dog).text()).tricks


def test_schema_dsl_multi(model_id: str) -> None:
    """A schema from llm's DSL with multi=True answers an items array."""
    schema = llm.schema_dsl("name, age int", multi=True)
    data = json.loads(llm.get_model(model_id).prompt("Some dogs", schema=schema).text())
    assert data["items"] and set(data["items"][0]) == {"name", "age"}


def test_tools_chain(model_id: str) -> None:
    """model.chain with a Python function tool calls it and answers with its result."""
    reply = llm.get_model(model_id).chain("call get_weather", tools=[get_weather]).text()
    assert "sunny" in reply


async def test_async_prompt(model_id: str) -> None:
    """The async model answers."""
    assert await llm.get_async_model(model_id).prompt("async").text() == "You said: async"


async def test_async_stream(model_id: str) -> None:
    """The async model streams."""
    chunks = [c async for c in llm.get_async_model(model_id).prompt("as")]
    assert "".join(chunks) == "You said: as"


def test_usage(model_id: str) -> None:
    """A response reports token usage."""
    response = llm.get_model(model_id).prompt("count")
    response.text()
    assert response.usage().input > 0


def test_embed() -> None:
    """The embedding model embeds a text to the model's dimension."""
    assert len(llm.get_embedding_model("text-embedding-3-small").embed("hello")) == 1536


def test_embed_multi_similarity() -> None:
    """embed_multi: identical text identical vector, shared words closer than unrelated text."""
    model = llm.get_embedding_model("text-embedding-3-small")
    a, b, c, d = model.embed_multi(["the cat sat", "the cat sat", "the cat ran", "stock prices fell"])
    assert a == b and llm.cosine_similarity(a, c) > llm.cosine_similarity(a, d)


def test_collection_similar(tmp_path: Path) -> None:
    """An llm Collection stores embeddings in SQLite and finds the nearest text."""
    import sqlite_utils

    collection = llm.Collection("docs", sqlite_utils.Database(tmp_path / "e.db"), model_id="text-embedding-3-small")
    collection.embed_multi([("1", "the cat sat on the mat"), ("2", "stock prices fell sharply")])
    assert collection.similar("a cat on a mat", number=1)[0].id == "1"


def test_options(model_id: str) -> None:
    """Model options (max_tokens) are accepted."""
    assert llm.get_model(model_id).prompt("opts", max_tokens=50).text() == "You said: opts"


async def test_async_schema(model_id: str) -> None:
    """The async model answers a schema with valid JSON."""
    text = await llm.get_async_model(model_id).prompt("A dog", schema=Dog).text()
    assert Dog.model_validate_json(text)


def test_toolbox(model_id: str) -> None:
    """A Toolbox's method is offered as a tool and called."""

    class Memory(llm.Toolbox):
        def recall(self, key: str) -> str:
            """Recall a stored value."""
            return f"value of {key}"

    assert "value of" in llm.get_model(model_id).chain("call Memory_recall", tools=[Memory()]).text()


def test_json_object_option() -> None:
    """The json_object option on a Chat model answers a JSON object."""
    assert isinstance(json.loads(llm.get_model("gpt-4o-mini").prompt("JSON", json_object=True).text()), dict)
