"""HTTP: ``POST /v1/moderations`` (the engine's side-request path; bodies from `openai_replay.moderations`)."""

from __future__ import annotations

from aiohttp import web

from openai_replay.moderations import validate_moderations
from openai_replay.server.side import serve_side


async def create_moderation(request: web.Request) -> web.StreamResponse:
    return await serve_side(request, "moderations", lambda payload, state: validate_moderations(payload, state.config.models))
