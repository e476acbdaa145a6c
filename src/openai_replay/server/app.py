"""The route table, the 404/405 fallbacks and the guard that turns server bugs into 500s."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from openai_replay import errors
from openai_replay.server.audio import create_speech, create_transcription, create_translation
from openai_replay.server.chat import create_chat_completion
from openai_replay.server.chat_stored import delete_completion, get_completion, list_completions, update_completion
from openai_replay.server.coalesce import Burst
from openai_replay.server.control import add_control_routes, control_errors
from openai_replay.server.control_admin import add_admin_routes
from openai_replay.server.control_auth import CONTROL_TOKEN, control_token_guard
from openai_replay.server.control_recording import add_recording_routes
from openai_replay.server.conversations import CONVERSATION_ROUTES
from openai_replay.server.embeddings import create_embeddings
from openai_replay.server.httpjson import error_response
from openai_replay.server.inline import answers_paths, serve_inline
from openai_replay.server.keys import BACKGROUND, BURST, SESSIONS, STATE
from openai_replay.server.models import list_models, retrieve_model
from openai_replay.server.moderations import create_moderation
from openai_replay.server.realtime import handle_realtime
from openai_replay.server.receive import CLIENT_FAULTS
from openai_replay.server.recorded import serve_unrouted
from openai_replay.server.response_routes import cancel, compact, create, delete_response, get_response, input_items, input_tokens
from openai_replay.server.sessions import SESSIONS_KEY, Sessions
from openai_replay.server.state import ServerState
from openai_replay.server.websocket import handle_websocket

log = logging.getLogger("openai_replay.server")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ROUTES: dict[str, dict[str, Handler]] = {
    "/v1/responses": {"POST": create, "GET": handle_websocket},
    "/v1/responses/input_tokens": {"POST": input_tokens},  # before {response_id}, which would take them for ids
    "/v1/responses/compact": {"POST": compact},
    "/v1/responses/{response_id}": {"GET": get_response, "DELETE": delete_response},
    "/v1/responses/{response_id}/input_items": {"GET": input_items},
    "/v1/responses/{response_id}/cancel": {"POST": cancel},
    "/v1/chat/completions": {"POST": create_chat_completion, "GET": list_completions},
    "/v1/chat/completions/{completion_id}": {"GET": get_completion, "POST": update_completion, "DELETE": delete_completion},
    **CONVERSATION_ROUTES,
    "/v1/models": {"GET": list_models},
    "/v1/models/{model_id}": {"GET": retrieve_model},
    "/v1/embeddings": {"POST": create_embeddings},
    "/v1/moderations": {"POST": create_moderation},
    "/v1/audio/speech": {"POST": create_speech},
    "/v1/audio/transcriptions": {"POST": create_transcription},
    "/v1/audio/translations": {"POST": create_translation},
    "/v1/realtime": {"GET": handle_realtime},
}


def served_endpoints() -> list[str]:
    """``POST /v1/responses``, ...: what the server simulates (WebSocket mode is the GET on /v1/responses)."""
    return [f"{method} {path}" for path, methods in ROUTES.items() for method in methods]


@web.middleware
async def openai_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown routes, wrong methods and crashes answer in OpenAI's error body shape."""
    state = request.app[STATE]
    try:
        return await handler(request)
    except web.HTTPNotFound:
        if answers_paths(request):  # a scenario rule answers this path inline
            return await serve_inline(request, served_endpoints())
        if request.path.startswith("/v1/"):  # replayed from a cassette, or a 404 saying what is served
            return await serve_unrouted(request, served_endpoints())
        return error_response(state, errors.invalid_url(request.method, request.path))
    except web.HTTPMethodNotAllowed as exc:
        if answers_paths(request):
            return await serve_inline(request, served_endpoints())
        if request.path.startswith("/v1/") and getattr(state.source, "bypass_protocol", False):
            return await serve_unrouted(request, served_endpoints())
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


def build_app(
    state: ServerState, sessions: Sessions | None = None, *, control: bool = False, control_token: str | None = None
) -> web.Application:
    """The app; ``sessions`` turns on ``X-Replay-Session`` isolation, ``control`` the test-only
    control API under ``/__replay/`` (``control_token``: only for requests that carry it)."""
    middlewares = [control_token_guard, openai_errors, control_errors]
    app = web.Application(middlewares=middlewares, client_max_size=64 * 1024 * 1024)
    app[STATE] = state
    if control_token:
        app[CONTROL_TOKEN] = control_token
    if sessions is not None:
        app[SESSIONS_KEY] = sessions
    if control:
        add_control_routes(app)
        add_admin_routes(app)
        add_recording_routes(app)
    app[SESSIONS] = set()
    app[BURST] = Burst()
    app[BACKGROUND] = set()
    for path, methods in ROUTES.items():
        for method, handler in methods.items():
            app.router.add_route(method, path, handler)
    app.on_shutdown.append(_close_sockets)
    return app


async def _close_sockets(app: web.Application) -> None:
    tasks: set[Any] = app[BACKGROUND]
    for task in list(tasks):  # background responses stop with the server
        task.cancel()
    sessions: set[Any] = app[SESSIONS]
    for session in list(sessions):
        await session.ws.close(code=1001, message=b"server shutting down")
