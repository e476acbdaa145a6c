"""Fidelity of every side-endpoint body: it validates against OpenAI's OpenAPI component and parses with the SDK's own type.

Each body is read raw off the socket (not through the SDK, which would forgive a wrong shape) and
checked twice: `SpecChecker.check` against the spec's component, and the SDK model's strict parse.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from openai.types import CreateEmbeddingResponse, Model, ModerationCreateResponse
from openai.types.chat import ChatCompletion, ChatCompletionDeleted
from openai.types.conversations import Conversation, ConversationDeletedResource, ConversationItemList
from openai.types.conversations.conversation_item import ConversationItem
from openai.types.responses import CompactedResponse, Response, ResponseItem
from openai.types.responses.input_token_count_response import InputTokenCountResponse
from openai.types.responses.response_item_list import ResponseItemList
from pydantic import BaseModel, TypeAdapter
from testkit import spec

from fake_server import FakeServer

WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}


class Raw:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.session, self.url = session, url

    async def __call__(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        async with self.session.request(method, self.url + path, json=body, headers={"Authorization": "Bearer k"}) as resp:
            data = json.loads(await resp.read())
            assert resp.status == 200, data
            return data


def conforms(component: str, model: Any, body: dict[str, Any]) -> None:
    # A Response is checked with the known real-API deviations (null user and usage before completion).
    problems = spec().check_response(body) if component == "Response" else spec().check(component, body, component)
    assert problems == [], f"{component}: {problems}"
    if isinstance(model, type) and issubclass(model, BaseModel):
        model.model_validate(body, strict=True)
    else:
        TypeAdapter(model).validate_python(body, strict=True)


async def test_every_side_body_conforms() -> None:
    """input_items, input_tokens, compact, cancel, conversations, items, stored chat completions: spec and SDK accept them."""
    async with FakeServer(seed=3) as server, aiohttp.ClientSession() as session:
        call = Raw(session, server.url)
        response = await call(
            "POST",
            "/responses",
            {"model": "gpt-4o-mini", "input": [{"role": "user", "content": "call get_weather"}], "tools": [WEATHER]},
        )
        follow = await call(
            "POST",
            "/responses",
            {
                "model": "gpt-4o-mini",
                "previous_response_id": response["id"],
                "input": [{"type": "function_call_output", "call_id": response["output"][0]["call_id"], "output": "sunny"}],
            },
        )
        listed = await call("GET", f"/responses/{follow['id']}/input_items?order=asc")
        assert [i["type"] for i in listed["data"]] == ["message", "function_call", "function_call_output"]
        conforms("ResponseItemList", ResponseItemList, listed)
        conforms("TokenCountsResource", InputTokenCountResponse, await call("POST", "/responses/input_tokens", {"input": "hi"}))
        compacted = await call("POST", "/responses/compact", {"model": "gpt-4o-mini", "input": "hi"})
        # The spec's output items include user messages ("all user messages, then one compaction item");
        # the SDK types them as assistant output messages, so only its lenient parse (what the client
        # does, see test_response_routes) accepts them: the spec is checked, the SDK parse is not strict.
        assert spec().check("CompactResource", compacted, "compact") == []
        assert CompactedResponse.construct(**compacted).output[-1].type == "compaction"
        background = await call("POST", "/responses", {"model": "gpt-4o-mini", "input": "x", "background": True})
        conforms("Response", Response, background)
        conforms("Response", Response, await call("POST", f"/responses/{background['id']}/cancel"))
        conversation = await call(
            "POST", "/conversations", {"items": [{"role": "user", "content": "Hi"}], "metadata": {"a": "b"}}
        )
        conforms("ConversationResource", Conversation, conversation)
        await call("POST", "/responses", {"model": "gpt-4o-mini", "input": "more", "conversation": conversation["id"]})
        items = await call("GET", f"/conversations/{conversation['id']}/items")
        conforms("ConversationItemList", ConversationItemList, items)
        for item in items["data"]:
            conforms("ConversationItem", ConversationItem, item)
            conforms("ItemResource", ResponseItem, item)
        added = await call("POST", f"/conversations/{conversation['id']}/items", {"items": [{"role": "user", "content": "x"}]})
        conforms("ConversationItemList", ConversationItemList, added)
        deleted = await call("DELETE", f"/conversations/{conversation['id']}")
        conforms("DeletedConversationResource", ConversationDeletedResource, deleted)
        chat = await call(
            "POST", "/chat/completions", {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "x"}], "store": True}
        )
        conforms("CreateChatCompletionResponse", ChatCompletion, await call("GET", f"/chat/completions/{chat['id']}"))
        conforms("ChatCompletionList", Any, await call("GET", "/chat/completions"))
        conforms("ChatCompletionDeleted", ChatCompletionDeleted, await call("DELETE", f"/chat/completions/{chat['id']}"))


async def test_models_embeddings_and_moderations_bodies_conform() -> None:
    """The model list and a model, float and base64 embeddings, a clean and a multimodal moderation: spec and SDK accept them."""
    async with FakeServer(seed=3) as server, aiohttp.ClientSession() as session:
        call = Raw(session, server.url)
        models = await call("GET", "/models")
        assert spec().check("ListModelsResponse", models, "ListModelsResponse") == []
        for model in models["data"]:
            conforms("Model", Model, model)
        conforms("Model", Model, await call("GET", "/models/gpt-4o-mini"))
        body = {"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float", "dimensions": 32}
        conforms("CreateEmbeddingResponse", CreateEmbeddingResponse, await call("POST", "/embeddings", body))
        # base64 (the SDK's default): the spec says an array, real bodies a string (a listed deviation); the SDK
        # decodes the string before it builds its type, which test_embeddings checks through the client.
        encoded = await call("POST", "/embeddings", {**body, "encoding_format": "base64"})
        assert spec().check("CreateEmbeddingResponse", encoded, "CreateEmbeddingResponse") == []
        conforms("CreateModerationResponse", ModerationCreateResponse, await call("POST", "/moderations", {"input": ["a", "b"]}))
        parts = [{"type": "text", "text": "x"}, {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
        conforms("CreateModerationResponse", ModerationCreateResponse, await call("POST", "/moderations", {"input": parts}))
