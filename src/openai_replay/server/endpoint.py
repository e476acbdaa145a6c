"""The side endpoints' one path through the engine (Responses sub-routes, conversations, stored chat
completions): logged, scriptable, faultable and replayable like a create, answered with the
endpoint's own JSON body.

A side request is validated first (the real 400 costs nothing), then handed to the source as a turn
like any other, so a scenario rule can fail, delay, cut or answer it. When the source lets it
through (its turn completes), the endpoint's own ``answer`` runs, and only then does it change any
state: an injected fault leaves the server as the real fault would. A cassette (``bypass_protocol``)
answers it as recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from aiohttp import web

from openai_replay.errors import ApiError
from openai_replay.log import RequestRecord
from openai_replay.responses.events import ResponseBuilder
from openai_replay.responses.protocol import ConnectionState
from openai_replay.server.auth import auth_error
from openai_replay.server.execute import execute
from openai_replay.server.http import JsonChannel, Refused, SseChannel, finish, read_request
from openai_replay.server.httpjson import error_response, json_response
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import Channel, TurnControl, reject, run_turn
from openai_replay.source import Turn

Api = Literal["responses", "chat", "conversations"]
#: The endpoint's own answer once the source lets the request through: (status, body) or an error.
Answer = Callable[[dict[str, Any]], "tuple[int, Any] | ApiError"]
#: The real 400 for a body the endpoint cannot take (None: fine); runs before the source is asked.
Validate = Callable[[Any], "ApiError | None"]
#: How the endpoint's API writes an error answer (``error_response``; Chat Completions' ``chat_error``).
RenderError = Callable[..., web.Response]


class EndpointChannel(JsonChannel):
    """Takes the source's turn for its outcome only: a completion lets the endpoint answer, an error
    or a failed response becomes the error answer (rendered as the endpoint's API writes errors), a
    scripted body (``Respond``) goes out as given."""

    def __init__(self, state: ServerState, request: web.Request, render: RenderError = error_response) -> None:
        super().__init__(state, request)
        self.passed = False
        self.render = render

    async def send(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if self.answer is not None:
            return
        if kind in ("response.completed", "response.incomplete"):
            self.passed = True
        elif kind == "error":
            inner = event.get("error") or {}
            status = int(event.get("status") or 500)
            error = ApiError(
                status, str(inner.get("message")), type=str(inner.get("type")), code=inner.get("code"), param=inner.get("param")
            )
            self.answer = self.render(self.state, error)
        elif kind == "response.failed":
            failure = (event.get("response") or {}).get("error") or {}
            message = str(failure.get("message") or "The server had an error.")
            self.answer = self.render(self.state, ApiError(500, message, type="server_error", code=failure.get("code")))

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if self.answer is None:
            self.answer = self.render(self.state, error, headers)


async def serve_endpoint(
    request: web.Request,
    api: Api,
    answer: Answer,
    validate: Validate | None = None,
    *,
    render: RenderError = error_response,
) -> web.StreamResponse:
    """Serve one side request: auth, the log, validation, the source, then ``answer``; errors are
    written by ``render`` (Chat Completions writes them its own way)."""
    state = state_for(request)
    problem = auth_error(state, request)
    if problem is not None:
        return render(state, problem)
    endpoint = f"{request.method} {request.path}"
    bypass = getattr(state.source, "bypass_protocol", False)
    if request.method == "POST":
        read = await read_request(state, request, api=api, validate=lambda payload: False, endpoint=endpoint)
        if isinstance(read, Refused):
            return read.answer(render(state, read.error))
        record, payload = read
    else:
        record = state.log.add_request(
            transport="http", payload=dict(request.query), now=state.clock.time(), api=api, valid=False, endpoint=endpoint
        )
    record.endpoint = endpoint
    if bypass:  # a cassette answers as recorded, JSON body or SSE stream alike
        channel = SseChannel(state, request)
        await run_turn(state, channel, record, payload if request.method == "POST" else {})
        return await finish(state, channel)
    body = payload if request.method == "POST" else dict(request.query)
    endpoint_channel = EndpointChannel(state, request, render)
    await run_turn(state, endpoint_channel, record, body, serve=endpoint_serve(answer, validate))
    return await finish(state, endpoint_channel)


def endpoint_serve(answer: Answer, validate: Validate | None) -> Any:
    async def serve(
        state: ServerState,
        channel: Channel,
        record: RequestRecord,
        payload: Any,
        conn: ConnectionState | None,
        control: TurnControl,
    ) -> None:
        assert isinstance(channel, EndpointChannel)
        problem = validate(payload) if validate is not None else None
        if problem is not None:
            await reject(state, channel, record, payload, None, problem)
            return
        body: dict[str, Any] = payload if isinstance(payload, dict) else {}
        now = state.clock.time()
        group = state.ids.group()
        model = body.get("model") if isinstance(body.get("model"), str) else "gpt-4o-mini"
        builder = ResponseBuilder(
            {"model": model}, response_id=state.ids.make("resp", group, now), group=group, created_at=now, ids=state.ids
        )
        turn = Turn(payload=body, transport="http", record=record, builder=builder, context=[], config=state.config)
        turn.method, turn.path, turn.query = channel.request.method, channel.request.path, channel.request.query_string
        await execute(state, channel, record, turn, control)
        record.output_items, record.response_id = [], None  # the stand-in response is not this endpoint's answer
        if channel.answer is not None or not channel.passed:
            if record.outcome.kind == "pending":
                record.outcome.kind = "closed_by_server"
            return
        result = answer(body)
        if isinstance(result, ApiError):
            record.outcome.kind, record.outcome.code = "error", result.code or result.type
            channel.answer = channel.render(state, result)
        else:
            record.outcome.kind = "completed"
            status, value = result
            channel.answer = json_response(state, value, status)
        record.ended(state.clock.time())

    return serve
