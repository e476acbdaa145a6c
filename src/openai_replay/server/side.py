"""The plumbing the side endpoints share (models, embeddings, moderations): one request, one JSON body.

A side request goes through the same engine as a turn: it is logged (with its API and endpoint),
validated with the real 400s, handed to the source as a `Turn` (``turn.side`` names the API), and the
source's steps are carried out. The simulated model answers with one `Respond` body; a scenario rule
can fail it (any status, ``retry-after``), drop or stall it, or script its answer with ``reply`` text
(`openai_replay.side.scripted_answer`); a cassette replays it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.log import RequestRecord
from openai_replay.log.records import Api
from openai_replay.responses.events import ResponseBuilder
from openai_replay.responses.protocol import ConnectionState
from openai_replay.server.auth import auth_error
from openai_replay.server.execute import execute
from openai_replay.server.http import JsonChannel, Refused, finish, read_request
from openai_replay.server.httpjson import error_response, raw_json_response
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import Channel, TurnControl, reject, replay, run_turn
from openai_replay.side import scripted_answer
from openai_replay.source import Turn

Validate = Callable[[Any, ServerState], "ApiError | None"]


class SideChannel(JsonChannel):
    """Collects a side request's answer: a `Respond` body or a failure as is; the text of a scripted
    reply (Response events from a scenario's ``reply``) becomes the endpoint's own body."""

    def __init__(self, state: ServerState, request: web.Request, api: Api, payload: Any, record: RequestRecord) -> None:
        super().__init__(state, request)
        self.api, self.payload, self.record = api, payload, record

    def response(self) -> web.StreamResponse:
        if self.answer is not None:
            return self.answer
        if self.final is None:
            return error_response(self.state, errors.SERVER_ERROR)
        failed = self.final.get("error") if self.final.get("status") == "failed" else None
        if isinstance(failed, dict):  # a scenario's fail action: the endpoint answers with that error
            message, code = str(failed.get("message") or "The server had an error."), failed.get("code")
            return error_response(self.state, ApiError(500, message, type="server_error", code=code))
        text = "".join(
            str(part.get("text", ""))
            for item in self.final.get("output") or []
            if isinstance(item, dict) and item.get("type") == "message"
            for part in item.get("content") or []
            if isinstance(part, dict)
        )
        try:
            body = scripted_answer(self.api, self.payload, self.record.response_id, text)
        except ValueError as exc:
            problem = ApiError(
                500, f"openai-replay: the scenario's reply cannot answer {self.record.endpoint}: {exc}", type="server_error"
            )
            return error_response(self.state, problem)
        return raw_json_response(self.state, body)


async def serve_side(
    request: web.Request, api: Api, validate: Validate, payload: dict[str, Any] | None = None
) -> web.StreamResponse:
    """Serve one side request. ``payload`` is given for a GET (what the path says); a POST's body is read."""
    state = state_for(request)
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    if payload is None:
        read = await read_request(state, request, api=api, validate=lambda body: validate(body, state) is None)
        if isinstance(read, Refused):
            return read.answer(error_response(state, read.error))
        record, body = read
        record.endpoint = f"{request.method} {request.path}"
    else:
        body = payload
        endpoint = f"{request.method} {request.path}"
        record = state.log.add_request(transport="http", payload=payload, now=state.clock.time(), api=api, endpoint=endpoint)
    if api == "moderations":
        record.response_id = state.ids.moderation_id()
    channel = SideChannel(state, request, api, body, record)
    await run_turn(state, channel, record, body, serve=_serve(api, validate, request.path))
    return await finish(state, channel)


def _serve(api: Api, validate: Validate, path: str) -> Any:
    async def serve(
        state: ServerState,
        channel: Channel,
        record: RequestRecord,
        payload: Any,
        conn: ConnectionState | None,
        control: TurnControl,
    ) -> None:
        if getattr(state.source, "bypass_protocol", False):
            await replay(state, channel, record, payload, control)
            return
        problem = validate(payload, state)
        if problem is not None:
            await reject(state, channel, record, payload, None, problem)
            return
        created = state.clock.time()
        group = state.ids.group()
        builder = ResponseBuilder(
            {"model": payload.get("model"), "store": False},
            response_id=state.ids.make("resp", group, created),
            group=group,
            created_at=created,
            ids=state.ids,
            obfuscate=False,
        )
        context = record.input_items
        turn = Turn(
            payload=payload,
            transport="http",
            record=record,
            builder=builder,
            context=context,
            config=state.config,
            path=path,
            side=api,
        )
        await execute(state, channel, record, turn, control)
        if record.outcome.kind == "pending" and isinstance(channel, SideChannel) and channel.answer is not None:
            record.outcome.kind = "completed"  # a whole body answered (a Respond step)

    return serve
