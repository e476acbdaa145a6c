"""HTTP: ``GET /v1/models`` and ``GET /v1/models/{model_id}`` (the engine's side-request path)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from openai_replay.errors import ApiError
from openai_replay.server.side import serve_side
from openai_replay.server.state import ServerState


def _no_problem(payload: Any, state: ServerState) -> ApiError | None:
    return None  # a GET has no body to refuse; an unknown id is the source's 404 (a scenario may script it)


async def list_models(request: web.Request) -> web.StreamResponse:
    return await serve_side(request, "models", _no_problem, payload={})


async def retrieve_model(request: web.Request) -> web.StreamResponse:
    return await serve_side(request, "models", _no_problem, payload={"model": request.match_info["model_id"]})
