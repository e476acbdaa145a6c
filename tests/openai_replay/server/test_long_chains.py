"""A long chain's turns read only their new items: usage and prompted JSON stay exact, from kept tallies."""

from __future__ import annotations

import json
from typing import Any

from sdkkit import async_sdk
from testkit import user

from fake_server import FakeServer
from openai_replay.items import items_tokens, tally

SCHEMA = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
FENCED = f"Answer with JSON matching {json.dumps(SCHEMA)}. Return the JSON within a ```json codeblock."


def _items(output: list[Any]) -> list[dict[str, Any]]:
    return [item.model_dump(exclude_none=True) for item in output]


async def test_a_websocket_chain_counts_every_turn_from_the_parent_s_tally(server: FakeServer) -> None:
    """Over 30 chained WebSocket turns, each usage counts the whole chain and the cached part is the parent's."""
    client = async_sdk(base_url=server.url, api_key="k")
    context: list[dict[str, Any]] = []
    previous = None
    async with client.responses.connect() as conn:
        for n in range(30):
            sent = [user(f"turn {n} " + "word " * n)]
            extra = {} if previous is None else {"previous_response_id": previous}
            await conn.response.create(model="m", input=sent, **extra)  # type: ignore[arg-type]
            async for event in conn:
                if event.type == "response.completed":
                    response = event.response
                    break
            usage = response.usage
            assert usage is not None
            assert usage.input_tokens == items_tokens(context + sent), n
            assert usage.input_tokens_details.cached_tokens == items_tokens(context), n
            context += sent + _items(response.output)
            previous = response.id
    kept = server.state.protocol.store.get(previous or "")
    assert kept is not None and kept.tally == tally(kept.context) and len(kept.context) == 60


async def test_a_stored_http_chain_keeps_the_fence_of_its_first_turn(server: FakeServer) -> None:
    """A ```json prompt in a stored chain's first turn still gets a fenced answer ten turns on; without it, none."""
    client = async_sdk(base_url=server.url, api_key="k")
    fenced = await client.responses.create(model="m", input=[user(FENCED)])
    plain = await client.responses.create(model="m", input=[user("no fence here")])
    for n in range(10):
        fenced = await client.responses.create(model="m", input=[user(f"more {n}")], previous_response_id=fenced.id)
        plain = await client.responses.create(model="m", input=[user(f"more {n}")], previous_response_id=plain.id)
    assert fenced.output_text.startswith("```json\n") and "name" in json.loads(fenced.output_text[8:-4])
    assert not plain.output_text.startswith("```")
    for response in (fenced, plain):
        kept = server.state.protocol.store.get(response.id)
        assert kept is not None and kept.tally == tally(kept.context)
