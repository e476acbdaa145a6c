"""The route table, the 404/405 fallbacks and the guard that turns server bugs into 500s."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from openai_replay import errors
from openai_replay.server.chat import create_chat_completion
from openai_replay.server.control import add_control_routes, control_errors
from openai_replay.server.http import create_response, delete_response, get_response
from openai_replay.server.httpjson import error_response
from openai_replay.server.keys import SESSIONS, STATE
from openai_replay.server.realtime import handle_realtime
from openai_replay.server.receive import CLIENT_FAULTS
from openai_replay.server.sessions import SESSIONS_KEY, Sessions
from openai_replay.server.state import ServerState
from openai_replay.server.websocket import handle_websocket

log = logging.getLogger("openai_replay.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROUTES: dict[str, dict[str, Handler]] = {
    "/v1/responses": {"POST": create_response, "GET": handle_websocket},
    "/v1/responses/{response_id}": {"GET": get_response, "DELETE": delete_response},
    "/v1/chat/completions": {"POST": create_chat_completion},
    "/v1/realtime": {"GET": handle_realtime},
}


@web.middleware
async def openai_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown routes, wrong methods and crashes answer in OpenAI's error body shape."""
    state = request.app[STATE]
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return error_response(state, errors.invalid_url(request.method, request.path))
    except web.HTTPMethodNotAllowed as exc:
        allowed = sorted(exc.allowed_methods)
        return error_response(
            state, errors.method_not_allowed(request.method, request.path, allowed), {"Allow": ", ".join(allowed)}
        )
    except web.HTTPRequestEntityTooLarge as exc:  # raised by request.read() past client_max_size
        return error_response(state, errors.body_too_large(exc.text or exc.reason))
    except web.HTTPException:
        raise
    except CLIENT_FAULTS as exc:  # the client hung up (mid-body, mid-handshake): its event, not our bug
        log.info("openai_replay.server: client left during %s %s (%s)", request.method, request.path, type(exc).__name__)
        response = error_response(state, errors.unreadable_request(type(exc).__name__))  # if anyone is left to read it
        response.force_close()
        return response
    except Exception:
        log.exception("openai_replay.server: internal error on %s %s", request.method, request.path)
        return error_response(state, errors.SERVER_ERROR)


def build_app(state: ServerState, sessions: Sessions | None = None, *, control: bool = False) -> web.Application:
    """The app; ``sessions`` turns on ``X-Replay-Session`` isolation, ``control`` the test-only
    control API under ``/__replay/``."""
    app = web.Application(middlewares=[openai_errors, control_errors], client_max_size=64 * 1024 * 1024)
    app[STATE] = state
    if sessions is not None:
        app[SESSIONS_KEY] = sessions
    if control:
        add_control_routes(app)
    app[SESSIONS] = set()
    for path, methods in ROUTES.items():
        for method, handler in methods.items():
            app.router.add_route(method, path, handler)
    app.on_shutdown.append(_close_sockets)
    return app


async def _close_sockets(app: web.Application) -> None:
    sessions: set[Any] = app[SESSIONS]
    for session in list(sessions):
        await session.ws.close(code=1001, message=b"server shutting down")
