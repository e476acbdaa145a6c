"""HTTP: ``POST /v1/embeddings`` (the engine's side-request path; vectors from `openai_replay.embeddings`)."""

from __future__ import annotations

from aiohttp import web

from openai_replay.embeddings import validate_embeddings
from openai_replay.server.side import serve_side


async def create_embeddings(request: web.Request) -> web.StreamResponse:
    return await serve_side(request, "embeddings", lambda payload, state: validate_embeddings(payload, state.config.models))
