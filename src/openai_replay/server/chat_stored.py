"""HTTP: stored chat completions (``store: true``): ``GET /v1/chat/completions`` (paged, filtered by
``model`` and ``metadata[key]``), ``GET``/``POST``/``DELETE /v1/chat/completions/{id}``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from openai_replay.chat.stored import completion_not_found
from openai_replay.conversations.validation import validate_update
from openai_replay.errors import ApiError
from openai_replay.paging import page, page_query
from openai_replay.server.chat import chat_error
from openai_replay.server.endpoint import serve_endpoint
from openai_replay.server.sessions import state_for


async def list_completions(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    query = page_query(request.query, default_order="asc")

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        assert not isinstance(query, ApiError)
        listed = page(state.completions.matching(request.query), query)
        return listed if isinstance(listed, ApiError) else (200, listed)

    return await serve_endpoint(
        request, "chat", answer, lambda _: query if isinstance(query, ApiError) else None, render=chat_error
    )


async def get_completion(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    completion_id = request.match_info["completion_id"]

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        found = state.completions.get(completion_id)
        return (200, found) if found is not None else completion_not_found(completion_id)

    return await serve_endpoint(request, "chat", answer, render=chat_error)


async def update_completion(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    completion_id = request.match_info["completion_id"]

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        found = state.completions.update(completion_id, body.get("metadata") or {})
        return (200, found) if found is not None else completion_not_found(completion_id)

    return await serve_endpoint(request, "chat", answer, validate_update, render=chat_error)


async def delete_completion(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    completion_id = request.match_info["completion_id"]

    def answer(body: dict[str, Any]) -> tuple[int, Any] | ApiError:
        if not state.completions.delete(completion_id):
            return completion_not_found(completion_id)
        return 200, {"object": "chat.completion.deleted", "id": completion_id, "deleted": True}

    return await serve_endpoint(request, "chat", answer, render=chat_error)
