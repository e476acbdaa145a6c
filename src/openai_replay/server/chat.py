"""HTTP: ``POST /v1/chat/completions``, the Chat Completions surface over the shared turn pipeline.

Validation and the translation into chat shapes are chat's own (`openai_replay.chat`); the source,
the steps, the request log and the transport plumbing (`server.turns`, `server.http`) are shared with
the Responses API. Sources yield engine events; the channels here write them as chat chunks or as one
``chat.completion`` body.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from openai_replay import errors
from openai_replay.chat.chunks import DONE, ChatStream, error_object, sse_line
from openai_replay.chat.messages import engine_payload
from openai_replay.chat.validation import validate_chat
from openai_replay.errors import ApiError
from openai_replay.log import RequestRecord
from openai_replay.responses.events import ResponseBuilder
from openai_replay.responses.protocol import ConnectionState
from openai_replay.responses.resources import input_tokens
from openai_replay.server.auth import auth_error
from openai_replay.server.execute import execute
from openai_replay.server.http import RATE_LIMIT_HEADERS, JsonChannel, Refused, SseChannel, finish, read_request
from openai_replay.server.httpjson import common_headers
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import Channel, ClientGone, TurnControl, reject, replay, run_turn
from openai_replay.source import Turn
from openai_replay.wire import compact, pretty

PATH = "/v1/chat/completions"
TERMINAL = ("response.completed", "response.incomplete")


def chat_error(state: ServerState, error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    """An error answer as the chat endpoint writes it: 4-space indent and a trailing newline (the
    recorded 404's content-length proves it), with the usual and rate-limit headers and any retry headers."""
    all_headers = common_headers(state)
    all_headers["Content-Type"] = "application/json"
    all_headers.update(RATE_LIMIT_HEADERS)
    if error.status == 429:
        all_headers["x-ratelimit-remaining-requests"] = "0"
    all_headers.update(error.headers)
    all_headers.update(headers or {})
    body = json.dumps(error.http_body(), indent=4) + "\n"
    return web.Response(body=body.encode(), status=error.status, headers=all_headers)


class ChatSseChannel(SseChannel):
    """Writes engine events as ``data:`` chunk lines; an error after the first byte is an error chunk."""

    extra_headers = RATE_LIMIT_HEADERS

    def __init__(self, state: ServerState, request: web.Request, chat: ChatStream) -> None:
        super().__init__(state, request)
        self.chat = chat
        self.final: dict[str, Any] | None = None
        self.terminal_type = "response.completed"

    async def send(self, event: dict[str, Any]) -> None:
        if event.get("type") in TERMINAL and self.final is None and not self.chat.finished:
            self.final, self.terminal_type = dict(event["response"]), str(event["type"])
        text = self.chat.frame(event)
        if text:
            await self._write(text.encode())

    async def send_raw(self, data: str, event_type: str) -> None:
        await self._write(sse_line(data).encode())

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if self.stream is None:
            self.answer = chat_error(self.state, error, headers)
        else:
            self.chat.finished = True
            await self._write(sse_line(compact(error.http_body())).encode())


class ChatJsonChannel(JsonChannel):
    """Collects a non-streaming chat turn and answers with one ``chat.completion`` (or the error)."""

    def __init__(self, state: ServerState, request: web.Request, chat: ChatStream) -> None:
        super().__init__(state, request)
        self.chat = chat
        self.terminal_type = "response.completed"

    async def send(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind in TERMINAL and self.final is None:
            self.final, self.terminal_type = dict(event["response"]), str(kind)
        elif kind in ("response.failed", "error") and self.answer is None and self.final is None:
            inner = error_object(event)["error"]
            status = int(event.get("status") or 500)
            error = ApiError(status, inner["message"], type=inner["type"], code=inner["code"], param=inner["param"])
            self.answer = chat_error(self.state, error)

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if self.answer is None:
            self.answer = chat_error(self.state, error, headers)

    def response(self) -> web.StreamResponse:
        if self.answer is not None:
            return self.answer
        if self.final is None:
            return chat_error(self.state, errors.SERVER_ERROR)
        headers = common_headers(self.state)
        headers["Content-Type"] = "application/json"
        headers.update(RATE_LIMIT_HEADERS)
        body = pretty(self.chat.completion(self.final, self.terminal_type)) + "\n"  # native JSON ends with a newline
        return web.Response(body=body.encode(), status=200, headers=headers)


def _serve_chat(chat: ChatStream) -> Any:
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
        problem = validate_chat(payload)
        if problem is not None:
            await reject(state, channel, record, payload, None, problem)
            return
        engine = engine_payload(payload)
        context: list[dict[str, Any]] = engine["input"]
        group = state.ids.group()
        builder = ResponseBuilder(
            engine,
            response_id=state.ids.make("resp", group, chat.created),
            group=group,
            created_at=chat.created,
            ids=state.ids,
            obfuscate=False,  # chat pads whole chunks itself
            input_tokens=input_tokens(engine, context),
        )
        record.response_id = chat.id
        turn = Turn(
            payload=engine,
            transport="http",
            record=record,
            builder=builder,
            context=context,
            config=state.config,
            path=PATH,
            chat=chat,
        )
        ended = await execute(state, channel, record, turn, control)
        if not ended and record.outcome.kind == "pending":
            record.outcome.kind = "closed_by_server"

    return serve


async def create_chat_completion(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    problem = auth_error(state, request)
    if problem is not None:
        return chat_error(state, problem)
    read = await read_request(state, request, api="chat", validate=lambda payload: validate_chat(payload) is None)
    if isinstance(read, Refused):
        return read.answer(chat_error(state, read.error))
    record, payload = read
    body = payload if isinstance(payload, dict) else {}
    chat = ChatStream(body, ids=state.ids, created=state.clock.time(), obfuscate=state.config.obfuscation)
    streaming = body.get("stream") is True
    channel = ChatSseChannel(state, request, chat) if streaming else ChatJsonChannel(state, request, chat)
    await run_turn(state, channel, record, payload, serve=_serve_chat(chat))
    stored = body.get("store") is True and record.outcome.kind in ("completed", "incomplete")
    if stored and channel.final is not None and not getattr(state.source, "bypass_protocol", False):
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        state.completions.put(chat.completion(channel.final, channel.terminal_type), metadata)
    if isinstance(channel, ChatSseChannel) and channel.answer is None:  # the source produced nothing at all
        channel.answer = chat_error(state, errors.SERVER_ERROR)
    if isinstance(channel, ChatSseChannel) and chat.ended and not channel.closed:
        try:
            await channel.send_text(DONE)
        except ClientGone:
            record.outcome.kind = "closed_by_client"
    return await finish(state, channel)
