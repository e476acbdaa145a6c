"""HTTP: stored chat completions (store: true): list with paging and filters, retrieve, update, delete."""

from __future__ import annotations

import openai
import pytest
from scenariokit import client_for
from testkit import spec

from fake_server import FakeServer


async def test_stored_completions_list_and_retrieve(server: FakeServer) -> None:
    """Only store: true completions are listed (oldest first, paged, filtered by model and metadata), and retrieve as created."""
    client = client_for(server)
    made = []
    for n in range(3):
        made.append(
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": f"hi {n}"}], store=True, metadata={"n": str(n)}
            )
        )
    await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "not kept"}])
    streamed = await client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "streamed"}], store=True, stream=True
    )
    chunks = [chunk async for chunk in streamed]
    listed = await client.chat.completions.list()
    assert [c.id for c in listed.data] == [m.id for m in made] + [chunks[0].id]
    assert spec().check("ChatCompletionList", listed.to_dict(), "chat.completion") == []
    page = await client.chat.completions.list(limit=2)
    assert len(page.data) == 2 and page.has_more
    assert [c.id async for c in client.chat.completions.list(limit=2)] == [c.id for c in listed.data]
    assert [c.id for c in (await client.chat.completions.list(metadata={"n": "1"})).data] == [made[1].id]
    assert [c.id for c in (await client.chat.completions.list(model="gpt-4.1")).data] == [chunks[0].id]
    got = await client.chat.completions.retrieve(made[0].id)
    assert got.choices[0].message.content == made[0].choices[0].message.content == "You said: hi 0"
    assert (await client.chat.completions.retrieve(chunks[0].id)).choices[0].message.content == "You said: streamed"


async def test_update_and_delete_a_stored_completion(server: FakeServer) -> None:
    """update replaces the metadata; delete answers chat.completion.deleted; an unknown id is a 404."""
    client = client_for(server)
    made = await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}], store=True)
    await client.chat.completions.update(made.id, metadata={"tag": "a"})
    assert [c.id for c in (await client.chat.completions.list(metadata={"tag": "a"})).data] == [made.id]
    deleted = await client.chat.completions.delete(made.id)
    assert deleted.deleted and spec().check("ChatCompletionDeleted", deleted.to_dict(), "chat.completion") == []
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.retrieve(made.id)
    with pytest.raises(openai.NotFoundError):
        await client.chat.completions.delete(made.id)


async def test_stored_completion_errors_are_written_as_chat_writes_them(server: FakeServer) -> None:
    """A 404 or 400 on the stored-completion routes has chat's 4-space error body (as a real chat error does)."""
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/chat/completions/chatcmpl-none", headers={"Authorization": "Bearer k"}) as resp:
            text = await resp.text()
    assert resp.status == 404 and text.startswith('{\n    "error": {') and text.endswith("}\n")
