"""HTTP: any ``/v1/...`` call the server does not simulate (files, images, anything recorded).

With a cassette (``bypass_protocol``) it is matched like every request and answered as recorded,
byte for byte: a JSON body, SSE events, or the bytes of a file with their content type; a request
matching nothing gets the closest-recording error. Without one it is the real API's 404, which also
names the endpoints the server simulates and how to record this call so it can be replayed.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from openai_replay import errors
from openai_replay.cassette.forms import request_view
from openai_replay.errors import ApiError
from openai_replay.server.auth import auth_error
from openai_replay.server.http import SseChannel, finish
from openai_replay.server.httpjson import error_response, raw_json_response
from openai_replay.server.receive import BodyTimeout, read_body
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import run_turn

RECORD_HINT = (
    "To replay this call, record it first: through the recording proxy "
    "(`openai-replay record --upstream https://api.openai.com/v1 --out cassettes/NAME.json`, then point base_url at it), "
    "or run a test marked @pytest.mark.openai_replay(cassette=...) with --record-mode=once against the real API; "
    "a cassette replays any recorded /v1 call byte for byte."
)


class RecordedChannel(SseChannel):
    """Writes a recorded answer as it was: SSE events (``data:``-only ones too) or the exact body."""

    async def send_raw(self, data: str, event_type: str) -> None:
        if event_type:
            await super().send_raw(data, event_type)
        else:  # a stream recorded without ``event:`` lines (Chat Completions' framing)
            await self._write(f"data: {data}\n\n".encode())

    async def respond_exact(self, body: str | bytes, status: int, content_type: str | None) -> None:
        if self.stream is not None:
            raise TypeError("a whole-body answer (Respond) cannot follow SSE events on the same response")
        self.answer = raw_json_response(self.state, body, status, content_type)


def not_simulated(method: str, path: str, served: Iterable[str]) -> ApiError:
    """The real 404 (``Invalid URL (METHOD /path)``), followed by what is served and how to record this call."""
    listed = ", ".join(served)
    base = errors.invalid_url(method, path)
    return ApiError(404, f"{base.message}. openai-replay simulates {listed}. {RECORD_HINT}")


async def read_or_refuse(state: ServerState, request: web.Request) -> bytes | web.StreamResponse:
    """The whole body, or the real answer to one that does not arrive in time (the connection closed)."""
    try:
        return await read_body(request, state.config.body_timeout)
    except BodyTimeout:
        response = error_response(state, errors.body_timeout(state.config.body_timeout or 0))
        response.force_close()
        return response


async def serve_unrouted(request: web.Request, served: Iterable[str]) -> web.StreamResponse:
    """A ``/v1/...`` request no route takes: replayed from the cassette, else the 404 above."""
    state = state_for(request)
    if not getattr(state.source, "bypass_protocol", False):
        return error_response(state, not_simulated(request.method, request.path, served))
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    raw = await read_or_refuse(state, request)
    if isinstance(raw, web.StreamResponse):
        return raw
    view = request_view(request.headers.get("Content-Type", ""), raw) or {}
    record = state.log.add_request(
        transport="http",
        payload=view,
        now=state.clock.time(),
        valid=False,
        size=len(raw),
        endpoint=f"{request.method} {request.path}",
    )
    channel = RecordedChannel(state, request)
    await run_turn(state, channel, record, view)
    return await finish(state, channel)
