"""Bearer-token check: any non-empty token passes, a missing one gets the real 401."""

from __future__ import annotations

from aiohttp import web

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.server.state import ServerState


def auth_error(state: ServerState, request: web.Request) -> ApiError | None:
    if not state.config.require_auth:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return None
    return errors.MISSING_API_KEY
