"""POST /v1/embeddings over real sockets: SDK types, the spec, base64 and float, dimensions, 400s, scenarios."""

from __future__ import annotations

import json
import math
from typing import Any

import openai
import pytest
from openai.types import CreateEmbeddingResponse
from scenariokit import client_for
from sidekit import assert_conforms, assert_error_conforms, call

from fake_server import FakeServer
from openai_replay.scenarios import scenario


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


async def test_sdk_default_base64_gives_unit_vectors_of_the_models_dimension(server: FakeServer) -> None:
    """The SDK asks for base64 and decodes it: each model's real dimension, unit length, usage counted."""
    client = client_for(server)
    small = await client.embeddings.create(model="text-embedding-3-small", input=["a cat sat", "a dog ran"])
    large = await client.embeddings.create(model="text-embedding-3-large", input="a cat sat")
    assert [len(d.embedding) for d in small.data] == [1536, 1536] and len(large.data[0].embedding) == 3072
    assert all(abs(sum(x * x for x in d.embedding) - 1) < 1e-5 for d in small.data)
    assert small.usage.prompt_tokens > 0 and small.usage.total_tokens == small.usage.prompt_tokens
    assert [d.index for d in small.data] == [0, 1]


async def test_float_and_dimensions_match_the_spec(server: FakeServer) -> None:
    """encoding_format float with dimensions: a float list of that length, valid against the spec and SDK type."""
    status, body = await call(
        server,
        "POST",
        "/embeddings",
        {"model": "text-embedding-3-small", "input": "hi", "dimensions": 64, "encoding_format": "float"},
    )
    assert status == 200 and len(body["data"][0]["embedding"]) == 64
    assert_conforms("CreateEmbeddingResponse", CreateEmbeddingResponse, body)
    status, encoded = await call(
        server, "POST", "/embeddings", {"model": "text-embedding-3-small", "input": "hi", "encoding_format": "base64"}
    )
    assert status == 200 and isinstance(encoded["data"][0]["embedding"], str)


async def test_vectors_make_retrieval_meaningful(server: FakeServer) -> None:
    """Identical text gives the identical vector; shared words give a higher cosine than unrelated text."""
    client = client_for(server)
    texts = ["the quick brown fox jumps", "the quick brown fox jumps", "a quick brown fox sleeps", "quarterly revenue forecast"]
    vectors = [d.embedding for d in (await client.embeddings.create(model="text-embedding-3-small", input=texts)).data]
    assert vectors[0] == vectors[1]
    assert cosine(vectors[0], vectors[2]) > 0.5 > cosine(vectors[0], vectors[3])
    again = await client.embeddings.create(model="text-embedding-3-small", input=texts[0])
    assert again.data[0].embedding == vectors[0]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"model": "text-embedding-3-small"}, 400, "Missing required parameter: 'input'"),
        ({"model": "text-embedding-3-small", "input": ""}, 400, "'$.input' is invalid"),
        ({"model": "text-embedding-3-small", "input": []}, 400, "'$.input' is invalid"),
        ({"input": "x"}, 400, "you must provide a model parameter"),
        (
            {"model": "text-embedding-3-small", "input": "x", "encoding_format": "hex"},
            400,
            "Supported values are: 'float', 'base64'",
        ),
        ({"model": "text-embedding-ada-002", "input": "x", "dimensions": 8}, 400, "does not support specifying dimensions"),
        ({"model": "text-embedding-3-small", "input": "x", "dimensions": 5000}, 400, "above maximum value"),
        ({"model": "text-embedding-3-small", "input": "x", "colour": 1}, 400, "Unrecognized request argument supplied: colour"),
        ({"model": "nonexistent", "input": "x"}, 404, "The model `nonexistent` does not exist"),
    ],
)
async def test_bad_requests_get_the_real_errors(server: FakeServer, body: dict[str, Any], status: int, words: str) -> None:
    """Each malformed request gets its 400 (or the 404 for an unknown model) in OpenAI's error shape."""
    got, answer = await call(server, "POST", "/embeddings", body)
    assert got == status and words in answer["error"]["message"]
    assert_error_conforms(answer)


async def test_a_scenario_scripts_a_vector_and_injects_a_429(server: FakeServer) -> None:
    """A reply of JSON numbers is the vector; a 429 with retry-after is retried by the SDK; the log shows both."""
    rules = scenario().on(api="embeddings", attempt=1).http_status(429, headers={"retry-after-ms": "10"})
    server.use(rules.on(api="embeddings", text_contains="pinned").reply(json.dumps([0.6, 0.8])).build())
    client = client_for(server, max_retries=2)
    answer = await client.embeddings.create(model="text-embedding-3-small", input="pinned text", encoding_format="float")
    assert answer.data[0].embedding == [0.6, 0.8]
    assert [(r.endpoint, r.outcome.kind, r.attempt) for r in server.log.requests] == [
        ("POST /v1/embeddings", "error", 1),
        ("POST /v1/embeddings", "completed", 2),
    ]


async def test_a_reply_that_is_not_a_vector_fails_loudly(server: FakeServer) -> None:
    """A scenario reply that is no vector is a 500 saying what an embeddings reply must look like."""
    server.use(scenario().on(api="embeddings").reply("hello").build())
    status, body = await call(server, "POST", "/embeddings", {"model": "text-embedding-3-small", "input": "x"})
    assert status == 500 and "JSON list of numbers" in body["error"]["message"]


async def test_a_bad_request_through_the_sdk_raises_its_error(server: FakeServer) -> None:
    """The SDK raises BadRequestError for an empty input, with OpenAI's message."""
    with pytest.raises(openai.BadRequestError, match="input"):
        await client_for(server).embeddings.create(model="text-embedding-3-small", input="")
