"""instructor against the fake server: instructor.from_openai over an OpenAI client with only base_url
and api_key changed, in every OpenAI mode. Runs in its own venv (instructor 1.17 pins jiter<0.15, so
an older openai than the other libraries')."""

from __future__ import annotations

import enum
from collections.abc import Iterable

import instructor
import pytest
from openai import AsyncOpenAI, OpenAI
from pydantic import BaseModel, field_validator

MODEL = "gpt-4o-mini"
pytestmark = pytest.mark.asyncio(loop_scope="session")
Mode = instructor.Mode


class Role(str, enum.Enum):
    ADMIN = "admin"
    USER = "user"


class Address(BaseModel):
    city: str
    zip_code: str


class User(BaseModel):
    name: str
    age: int


class Profile(BaseModel):
    """The field kinds the issue names: str, int, list, nested object, enum, optional."""

    name: str
    age: int
    emails: list[str]
    address: Address
    role: Role
    nickname: str | None = None


class Weather(BaseModel):
    city: str


class Search(BaseModel):
    query: str


@pytest.fixture
def openai_client(base_url: str) -> OpenAI:
    return OpenAI(base_url=base_url, api_key="sk-test")


@pytest.fixture
def async_openai(base_url: str) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=base_url, api_key="sk-test")


def _msg(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.TOOLS_STRICT, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON, Mode.FUNCTIONS])
def test_create_chat_modes(openai_client: OpenAI, mode: instructor.Mode) -> None:
    """create(response_model=User) gives a validated object in each Chat Completions mode."""
    client = instructor.from_openai(openai_client, mode=mode)
    user = client.chat.completions.create(model=MODEL, response_model=User, messages=_msg('Extract: "Jason" is 25'))
    assert isinstance(user, User)


@pytest.mark.parametrize("mode", [Mode.RESPONSES_TOOLS, Mode.RESPONSES_TOOLS_WITH_INBUILT_TOOLS])
def test_create_responses_modes(openai_client: OpenAI, mode: instructor.Mode) -> None:
    """The Responses modes give a validated object through /v1/responses."""
    client = instructor.from_openai(openai_client, mode=mode)
    user = client.responses.create(model=MODEL, response_model=User, input="Extract: Jason is 25")
    assert isinstance(user, User)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.JSON_SCHEMA, Mode.MD_JSON])
def test_nested_profile(openai_client: OpenAI, mode: instructor.Mode) -> None:
    """A nested model with a list, an enum and an optional field validates."""
    client = instructor.from_openai(openai_client, mode=mode)
    profile = client.chat.completions.create(model=MODEL, response_model=Profile, messages=_msg("A profile"))
    assert isinstance(profile.address, Address) and profile.emails


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON, Mode.MD_JSON])
def test_create_iterable(openai_client: OpenAI, mode: instructor.Mode) -> None:
    """create_iterable streams a list of validated objects."""
    client = instructor.from_openai(openai_client, mode=mode)
    users = list(client.chat.completions.create_iterable(model=MODEL, response_model=User, messages=_msg("Two users")))
    assert users and all(isinstance(u, User) for u in users)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON])
def test_create_partial(openai_client: OpenAI, mode: instructor.Mode) -> None:
    """create_partial streams partial objects ending in a complete one."""
    client = instructor.from_openai(openai_client, mode=mode)
    partials = list(client.chat.completions.create_partial(model=MODEL, response_model=User, messages=_msg("A user")))
    assert partials and partials[-1].name is not None and partials[-1].age is not None


def test_parallel_tools(openai_client: OpenAI) -> None:
    """PARALLEL_TOOLS with Iterable[Weather | Search] gives one object per tool call."""
    client = instructor.from_openai(openai_client, mode=Mode.PARALLEL_TOOLS)
    results = list(
        client.chat.completions.create(
            model=MODEL, response_model=Iterable[Weather | Search], messages=_msg("call Weather and call Search")
        )
    )
    assert {type(r) for r in results} == {Weather, Search}


def test_create_with_completion(openai_client: OpenAI) -> None:
    """create_with_completion gives the object and the raw completion."""
    client = instructor.from_openai(openai_client)
    user, completion = client.chat.completions.create_with_completion(model=MODEL, response_model=User, messages=_msg("A user"))
    assert isinstance(user, User) and completion.usage is not None


def test_validator_passes(openai_client: OpenAI) -> None:
    """A field validator runs on the answer (retries are available but not needed)."""

    class Named(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def not_empty(cls, value: str) -> str:
            assert value.strip(), "empty name"
            return value

    client = instructor.from_openai(openai_client)
    assert client.chat.completions.create(model=MODEL, response_model=Named, messages=_msg("A name"), max_retries=2).name


def test_from_provider(base_url: str) -> None:
    """instructor.from_provider('openai/...') with base_url and api_key."""
    client = instructor.from_provider(f"openai/{MODEL}", base_url=base_url, api_key="sk-test")
    assert isinstance(client.chat.completions.create(response_model=User, messages=_msg("A user")), User)


@pytest.mark.parametrize("mode", [Mode.TOOLS, Mode.JSON])
async def test_async_create(async_openai: AsyncOpenAI, mode: instructor.Mode) -> None:
    """The async client gives a validated object."""
    client = instructor.from_openai(async_openai, mode=mode)
    assert isinstance(await client.chat.completions.create(model=MODEL, response_model=User, messages=_msg("A user")), User)


async def test_async_create_iterable(async_openai: AsyncOpenAI) -> None:
    """The async create_iterable yields validated objects."""
    client = instructor.from_openai(async_openai)
    users = [u async for u in client.chat.completions.create_iterable(model=MODEL, response_model=User, messages=_msg("users"))]
    assert users and all(isinstance(u, User) for u in users)


async def test_async_create_partial(async_openai: AsyncOpenAI) -> None:
    """The async create_partial yields partial objects."""
    client = instructor.from_openai(async_openai)
    partials = [p async for p in client.chat.completions.create_partial(model=MODEL, response_model=User, messages=_msg("u"))]
    assert partials and partials[-1].age is not None


def test_responses_create_iterable(openai_client: OpenAI) -> None:
    """create_iterable through the Responses API (RESPONSES_TOOLS) yields validated objects."""
    client = instructor.from_openai(openai_client, mode=Mode.RESPONSES_TOOLS)
    users = list(client.responses.create_iterable(model=MODEL, response_model=User, input="users"))
    assert users and all(isinstance(u, User) for u in users)


def test_md_json_partial(openai_client: OpenAI) -> None:
    """create_partial in MD_JSON mode ends in a complete object."""
    client = instructor.from_openai(openai_client, mode=Mode.MD_JSON)
    partials = list(client.chat.completions.create_partial(model=MODEL, response_model=User, messages=_msg("u")))
    assert partials and partials[-1].age is not None


def test_literal_and_union(openai_client: OpenAI) -> None:
    """A model with a Literal and a union field validates."""
    from typing import Literal

    class Ticket(BaseModel):
        priority: Literal["low", "high"]
        assignee: User | None
        labels: list[Literal["bug", "feature"]]

    client = instructor.from_openai(openai_client)
    ticket = client.chat.completions.create(model=MODEL, response_model=Ticket, messages=_msg("a ticket"))
    assert ticket.priority in ("low", "high")


def test_json_o1_mode(openai_client: OpenAI) -> None:
    """JSON_O1 mode (schema in the user message, no system message) gives a validated object."""
    client = instructor.from_openai(openai_client, mode=Mode.JSON_O1)
    assert isinstance(client.chat.completions.create(model="o1-mini", response_model=User, messages=_msg("A user")), User)
