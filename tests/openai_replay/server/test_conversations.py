"""HTTP: /v1/conversations and the conversation parameter of responses.create, through the openai SDK."""

from __future__ import annotations

import aiohttp
import openai
import pytest
from scenariokit import client_for
from testkit import spec

from fake_server import FakeServer
from openai_replay.scenarios import scenario


async def raw(server: FakeServer, method: str, path: str, body: object = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, f"{server.url}{path}", json=body, headers={"Authorization": "Bearer k"}) as resp:
            return resp.status, await resp.json()


async def test_conversation_lifecycle(server: FakeServer) -> None:
    """Create with items and metadata, retrieve, update, add, list, retrieve and delete an item, delete: every body validates."""
    client = client_for(server)
    conv = await client.conversations.create(
        metadata={"topic": "demo"}, items=[{"type": "message", "role": "user", "content": "Hi"}]
    )
    assert conv.object == "conversation" and conv.metadata == {"topic": "demo"} and conv.id.startswith("conv_")
    assert (await client.conversations.retrieve(conv.id)).id == conv.id
    updated = await client.conversations.update(conv.id, metadata={"topic": "changed"})
    assert updated.metadata == {"topic": "changed"}
    added = await client.conversations.items.create(
        conv.id, items=[{"type": "message", "role": "assistant", "content": "Hello"}, {"role": "user", "content": "Bye"}]
    )
    assert len(added.data) == 2
    listed = await client.conversations.items.list(conv.id, order="asc")
    assert [i.content[0].text for i in listed.data] == ["Hi", "Hello", "Bye"]
    item = await client.conversations.items.retrieve(listed.data[1].id, conversation_id=conv.id)
    assert item.id == listed.data[1].id
    after_delete = await client.conversations.items.delete(listed.data[1].id, conversation_id=conv.id)
    assert after_delete.id == conv.id
    assert len((await client.conversations.items.list(conv.id)).data) == 2
    for body in (conv.to_dict(), updated.to_dict()):
        assert spec().check("ConversationResource", body, "conversation") == []
    assert spec().check("ConversationItemList", listed.to_dict(), "conversation") == []
    deleted = await client.conversations.delete(conv.id)
    assert deleted.deleted and spec().check("DeletedConversationResource", deleted.to_dict(), "conversation") == []
    with pytest.raises(openai.NotFoundError):
        await client.conversations.retrieve(conv.id)


async def test_responses_read_and_extend_a_conversation(server: FakeServer) -> None:
    """responses.create(conversation=...) sees the conversation's items, and its input and output join it."""
    client = client_for(server)
    conv = await client.conversations.create(items=[{"type": "message", "role": "user", "content": "my name is Ada"}])
    first = await client.responses.create(model="gpt-4o-mini", input="what is my name?", conversation=conv.id)
    assert first.conversation is not None and first.conversation.id == conv.id
    assert server.log.requests[-1].outcome.kind == "completed"
    items = (await client.conversations.items.list(conv.id, order="asc")).data
    assert [(i.role, i.content[0].text) for i in items] == [
        ("user", "my name is Ada"),
        ("user", "what is my name?"),
        ("assistant", "You said: what is my name?"),
    ]
    counted = await client.responses.input_tokens.count(model="gpt-4o-mini", input="x", conversation=conv.id)
    alone = await client.responses.input_tokens.count(model="gpt-4o-mini", input="x")
    assert counted.input_tokens > alone.input_tokens
    second = await client.responses.create(model="gpt-4o-mini", input="again", conversation={"id": conv.id}, stream=True)
    assert [e.type async for e in second][-1] == "response.completed"
    assert len((await client.conversations.items.list(conv.id)).data) == 5


async def test_conversation_errors_have_the_real_shape(server: FakeServer) -> None:
    """Unknown conversations and items are 404s; bad bodies are 400s naming the parameter; both in OpenAI's shape."""
    client = client_for(server)
    with pytest.raises(openai.NotFoundError, match="conv_missing"):
        await client.responses.create(model="gpt-4o-mini", input="x", conversation="conv_missing")
    conv = await client.conversations.create()
    with pytest.raises(openai.NotFoundError):
        await client.conversations.items.retrieve("msg_missing", conversation_id=conv.id)
    with pytest.raises(openai.BadRequestError) as caught:
        await client.responses.create(model="gpt-4o-mini", input="x", conversation=conv.id, previous_response_id="resp_x")
    assert caught.value.code == "mutually_exclusive_parameters"
    for method, path, body, param in [
        ("POST", "/conversations", {"items": "nope"}, "items"),
        ("POST", "/conversations", {"items": [{"role": "user", "content": "x"}] * 21}, "items"),
        ("POST", "/conversations", {"metadata": {"k": 1}}, "metadata.k"),
        ("POST", "/conversations", {"bogus": True}, "bogus"),
        ("POST", f"/conversations/{conv.id}", {}, "metadata"),
        ("POST", f"/conversations/{conv.id}/items", {}, "items"),
        ("GET", f"/conversations/{conv.id}/items?limit=500", None, "limit"),
    ]:
        status, answer = await raw(server, method, path, body)
        assert status == 400 and answer["error"]["param"] == param, (path, answer)
        assert spec().check_error_body(answer) == []
    status, answer = await raw(server, "GET", "/conversations/conv_nope")
    assert status == 404 and answer["error"]["message"] == "Conversation with id 'conv_nope' not found."


async def test_a_faulted_conversation_call_changes_nothing(server: FakeServer) -> None:
    """A scripted 500 on adding items (api 'conversations') adds none; a rule for 'responses' does not see it."""
    client = client_for(server)
    conv = await client.conversations.create()
    server.use(
        scenario("flaky").on(api="responses").error("server_error").on(api="conversations").times(1).error("server_error").build()
    )
    with pytest.raises(openai.InternalServerError):
        await client.conversations.items.create(conv.id, items=[{"role": "user", "content": "lost"}])
    assert (await client.conversations.items.list(conv.id)).data == []
    await client.conversations.items.create(conv.id, items=[{"role": "user", "content": "kept"}])
    assert len((await client.conversations.items.list(conv.id)).data) == 1


async def test_a_conversation_parameter_that_names_no_conversation(server: FakeServer) -> None:
    """An id that is no conversation id, or an object without one, is a 400 naming the parameter; a conv_ id not held is a 404."""
    for value, status, param in [("nope", 400, "conversation"), ({"x": 1}, 400, "conversation.id"), ("conv_missing", 404, None)]:
        code, answer = await raw(server, "POST", "/responses", {"model": "gpt-4o-mini", "input": "x", "conversation": value})
        assert code == status and answer["error"]["param"] == param, answer
