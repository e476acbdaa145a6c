"""The control API's optional token: with one set, every ``/__replay/`` request must carry it in the
``X-Replay-Control-Token`` header, or it gets a 401 in OpenAI's error shape (and nothing runs)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from openai_replay.exposure import CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER, token_matches
from openai_replay.server.control import PREFIX, problem

CONTROL_TOKEN: web.AppKey[str] = web.AppKey("replay_control_token", str)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _is_control(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


@web.middleware
async def control_token_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a control request without the right token (when the server has one)."""
    token = request.app.get(CONTROL_TOKEN)
    if token and _is_control(request.path) and not token_matches(token, request.headers.get(CONTROL_TOKEN_HEADER)):
        said = "a wrong" if request.headers.get(CONTROL_TOKEN_HEADER) is not None else "no"
        message = (
            f"this server's control API needs its token, and the request sent {said} token: send it in the "
            f"{CONTROL_TOKEN_HEADER} header (ReplayControl and the examples read {CONTROL_TOKEN_ENV})"
        )
        return problem(401, message, "invalid_control_token", CONTROL_TOKEN_HEADER)
    return await handler(request)
