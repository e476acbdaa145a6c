"""HTTP: ``/v1/conversations``: create, retrieve, update, delete, and items list/create/retrieve/delete.

The conversations live in `ServerState.conversations` (`openai_replay.conversations`);
``responses.create`` with ``conversation`` reads and extends them (`server.turns`).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from openai_replay.conversations.store import Conversation, item_not_found
from openai_replay.conversations.validation import validate_create, validate_items, validate_update
from openai_replay.errors import ApiError
from openai_replay.paging import page, page_query
from openai_replay.server.endpoint import Answer, serve_endpoint
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState

Result = tuple[int, Any] | ApiError


async def create(request: web.Request) -> web.StreamResponse:
    state = state_for(request)

    def answer(body: dict[str, Any]) -> Result:
        now = state.clock.time()
        conversation = Conversation(id=state.ids.make("conv", state.ids.group(), now), created_at=int(now))
        conversation.metadata = dict(body.get("metadata") or {})
        conversation.add(list(body.get("items") or []))
        state.conversations.put(conversation)
        return 200, conversation.resource()

    return await serve_endpoint(request, "conversations", answer, validate_create)


def _with(state: ServerState, request: web.Request, then: Any) -> Answer:
    """An answer that first finds the conversation the path names (404 when there is none)."""

    def answer(body: dict[str, Any]) -> Result:
        found = state.conversations.find(request.match_info["conversation_id"])
        return found if isinstance(found, ApiError) else then(found, body)

    return answer


async def retrieve(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    return await serve_endpoint(request, "conversations", _with(state, request, lambda c, _: (200, c.resource())))


async def update(request: web.Request) -> web.StreamResponse:
    state = state_for(request)

    def then(conversation: Conversation, body: dict[str, Any]) -> Result:
        conversation.metadata = dict(body.get("metadata") or {})
        return 200, conversation.resource()

    return await serve_endpoint(request, "conversations", _with(state, request, then), validate_update)


async def delete(request: web.Request) -> web.StreamResponse:
    state = state_for(request)

    def then(conversation: Conversation, body: dict[str, Any]) -> Result:
        state.conversations.delete(conversation.id)
        return 200, {"id": conversation.id, "object": "conversation.deleted", "deleted": True}

    return await serve_endpoint(request, "conversations", _with(state, request, then))


async def list_items(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    query = page_query(request.query, default_order="desc")

    def then(conversation: Conversation, body: dict[str, Any]) -> Result:
        assert not isinstance(query, ApiError)
        listed = page(conversation.items, query)
        return listed if isinstance(listed, ApiError) else (200, listed)

    validate = (lambda _: query) if isinstance(query, ApiError) else None
    return await serve_endpoint(request, "conversations", _with(state, request, then), validate)


async def create_items(request: web.Request) -> web.StreamResponse:
    state = state_for(request)

    def then(conversation: Conversation, body: dict[str, Any]) -> Result:
        added = conversation.add(list(body["items"]))
        return 200, {
            "object": "list",
            "data": added,
            "first_id": added[0]["id"] if added else None,
            "last_id": added[-1]["id"] if added else None,
            "has_more": False,
        }

    return await serve_endpoint(request, "conversations", _with(state, request, then), validate_items)


async def retrieve_item(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    item_id = request.match_info["item_id"]

    def then(conversation: Conversation, body: dict[str, Any]) -> Result:
        item = conversation.item(item_id)
        return (200, item) if item is not None else item_not_found(item_id)

    return await serve_endpoint(request, "conversations", _with(state, request, then))


async def delete_item(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    item_id = request.match_info["item_id"]

    def then(conversation: Conversation, body: dict[str, Any]) -> Result:
        item = conversation.item(item_id)
        if item is None:
            return item_not_found(item_id)
        conversation.items.remove(item)
        return 200, conversation.resource()

    return await serve_endpoint(request, "conversations", _with(state, request, then))


CONVERSATION_ROUTES: dict[str, dict[str, Any]] = {
    "/v1/conversations": {"POST": create},
    "/v1/conversations/{conversation_id}": {"GET": retrieve, "POST": update, "DELETE": delete},
    "/v1/conversations/{conversation_id}/items": {"GET": list_items, "POST": create_items},
    "/v1/conversations/{conversation_id}/items/{item_id}": {"GET": retrieve_item, "DELETE": delete_item},
}
