"""HTTP: ``POST /v1/responses`` (SSE or JSON), ``GET``/``DELETE /v1/responses/{id}``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.inbound import JsonInputError, parse
from openai_replay.log import RequestRecord
from openai_replay.log.records import Api
from openai_replay.responses.validation import validate_create
from openai_replay.server.auth import auth_error
from openai_replay.server.coalesce import FIRST_EVENTS, coalesce, flush
from openai_replay.server.httpjson import common_headers, error_response, json_response, raw_json_response
from openai_replay.server.receive import BodyTimeout, read_body
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import ClientGone, TurnControl, note_finished, run_turn
from openai_replay.wire import compact, sse

log = logging.getLogger("openai_replay.server")

SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8"
RATE_LIMIT_HEADERS = {
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-remaining-tokens": "29999000",
    "x-ratelimit-reset-requests": "6ms",
    "x-ratelimit-reset-tokens": "2ms",
}


class SseChannel:
    """Writes events as SSE; errors before the first byte become a JSON status response."""

    transport: Literal["ws", "http"] = "http"
    #: Headers beyond the common ones on a 200 stream (Chat Completions streams carry the rate limits).
    extra_headers: dict[str, str] = {}

    def __init__(self, state: ServerState, request: web.Request) -> None:
        self.state = state
        self.request = request
        self.stream: web.StreamResponse | None = None
        self.answer: web.StreamResponse | None = None
        self.events = 0
        self.closed = False

    async def _start(self) -> web.StreamResponse:
        if self.stream is None:
            headers = common_headers(self.state)
            headers["Content-Type"] = SSE_CONTENT_TYPE
            headers.update(self.extra_headers)
            self.stream = web.StreamResponse(status=200, headers=headers)
            self.stream.enable_chunked_encoding()
            coalesce(self.request)  # the events ready in one loop tick leave in one write
            await self.stream.prepare(self.request)
            self.answer = self.stream
        return self.stream

    async def _write(self, data: bytes) -> None:
        stream = self.stream or await self._start()
        try:
            await stream.write(data)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc
        self.events += 1
        if self.events == FIRST_EVENTS:  # a long reply's start reaches the client at once
            flush(self.request)

    async def send(self, event: dict[str, Any]) -> None:
        # `_write` written out: one coroutine less per event (most of a stream's writes)
        data = sse(str(event.get("type")), compact(event))
        stream = self.stream or await self._start()
        try:
            await stream.write(data)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc
        self.events += 1
        if self.events == FIRST_EVENTS:  # a long reply's start reaches the client at once
            flush(self.request)

    async def send_raw(self, data: str, event_type: str) -> None:
        await self._write(sse(event_type, data))

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if self.stream is None:
            self.answer = error_response(self.state, error, headers)
        else:
            await self.send(error.sse_event(sequence_number))

    async def close(self, code: int, reason: str) -> None:
        self.closed = True  # the stream ends here: nothing (no chat [DONE]) follows
        if self.stream is None:
            await self.drop()

    async def drop(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def send_text(self, data: str) -> None:
        await self._write(data.encode())

    async def send_binary(self, data: bytes) -> None:
        await self._write(data)

    async def respond(self, body: str, status: int) -> None:
        if self.stream is not None:
            raise TypeError("a whole-body answer (Respond) cannot follow SSE events on the same response")
        self.answer = raw_json_response(self.state, body, status)


class JsonChannel:
    """Collects a non-streaming turn and answers with the final Response (or the error)."""

    transport: Literal["ws", "http"] = "http"

    def __init__(self, state: ServerState, request: web.Request) -> None:
        self.state = state
        self.request = request
        self.final: dict[str, Any] | None = None
        self.answer: web.StreamResponse | None = None

    async def send(self, event: dict[str, Any]) -> None:
        if event.get("type") in ("response.completed", "response.failed", "response.incomplete"):
            self.final = dict(event["response"])
        elif event.get("type") == "error" and self.answer is None:
            inner = event.get("error") or {}
            self.answer = error_response(
                self.state,
                ApiError(
                    int(event.get("status") or 500),
                    str(inner.get("message")),
                    type=str(inner.get("type")),
                    code=inner.get("code"),
                    param=inner.get("param"),
                ),
            )

    async def send_raw(self, data: str, event_type: str) -> None:
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            return
        if isinstance(event, dict):
            await self.send(event)

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if self.answer is None:
            self.answer = error_response(self.state, error, headers)

    async def close(self, code: int, reason: str) -> None:
        if self.final is None and self.answer is None:
            await self.drop()

    async def drop(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def send_text(self, data: str) -> None:
        """A non-streaming answer is one JSON body: stray frames have nowhere to go (the log keeps them)."""

    async def send_binary(self, data: bytes) -> None:
        """As `send_text`: nothing to send mid-body for ``stream: false``."""

    async def respond(self, body: str, status: int) -> None:
        if self.answer is None:
            self.answer = raw_json_response(self.state, body, status)

    def response(self) -> web.StreamResponse:
        if self.answer is not None:
            return self.answer
        if self.final is None:
            return error_response(self.state, errors.SERVER_ERROR)
        body = dict(self.final)
        body["billing"] = {"payer": "developer"}
        ordered = {k: body[k] for k in sorted(body, key=_body_key)}
        return json_response(self.state, ordered, 200, RATE_LIMIT_HEADERS)


def _body_key(key: str) -> tuple[int, str]:
    head = ["id", "object", "created_at", "status"]
    if key in head:
        return (0, str(head.index(key)))
    if key in ("user", "metadata"):
        return (2, "0" if key == "user" else "1")
    return (1, key)


async def create_response(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    check = CreateCheck()
    read = await read_request(state, request, validate=check)
    if isinstance(read, Refused):
        return read.answer(error_response(state, read.error))
    record, payload = read
    return await answer_create(state, request, record, payload, checked=check.passed)


class CreateCheck:
    """`validate_create` for `read_request` that remembers its verdict, so the turn does not run it again."""

    passed = False

    def __call__(self, payload: Any) -> bool:
        self.passed = validate_create(payload, websocket=False) is None
        return self.passed


async def answer_create(
    state: ServerState, request: web.Request, record: RequestRecord, payload: Any, *, checked: bool = False
) -> web.StreamResponse:
    """Answer a create already read and logged: the SSE stream or the JSON Response (``checked``: the
    payload passed `validate_create` already)."""
    streaming = isinstance(payload, dict) and payload.get("stream") is True
    channel: SseChannel | JsonChannel = SseChannel(state, request) if streaming else JsonChannel(state, request)
    await run_turn(state, channel, record, payload, control=TurnControl(checked=checked))
    return await finish(state, channel)


@dataclass
class Refused:
    """A request body the server could not take: the error to answer with, and whether the
    connection is done (a body that timed out may still be arriving)."""

    error: ApiError
    close: bool = False

    def answer(self, response: web.Response) -> web.Response:
        if self.close:
            response.force_close()
        return response


async def read_request(
    state: ServerState,
    request: web.Request,
    api: Api = "responses",
    validate: Callable[[Any], bool] | None = None,
    endpoint: str | None = None,
) -> tuple[RequestRecord, Any] | Refused:
    """Read a POST body into the request log: its record and the parsed body, or why it was refused
    (a body that did not arrive in time, or is not JSON: logged as an error). ``validate`` runs before
    the log reads the payload; a payload it refuses is logged as sent but not read, and the turn
    answers with the validation error. ``endpoint``: the request line of a request that is not a
    create (the log numbers it apart from the API's turns)."""
    try:
        raw = await read_body(request, state.config.body_timeout)
    except BodyTimeout:
        log.info("openai_replay.server: request body not received within %s s", state.config.body_timeout)
        return Refused(errors.body_timeout(state.config.body_timeout or 0), close=True)
    try:
        payload = parse(raw) if raw else None
    except JsonInputError:
        record = state.log.add_request(
            transport="http",
            payload={"_invalid_json": raw[:200].decode(errors="replace")},
            now=state.clock.time(),
            api=api,
            valid=False,
            endpoint=endpoint,
        )
        record.outcome.kind = "error"
        note_finished(state, record)
        return Refused(errors.INVALID_JSON_BODY)
    headers = {k.lower(): v for k, v in request.headers.items() if k.lower().startswith("x-stainless-retry")}
    valid = getattr(state.source, "bypass_protocol", False) or validate is None or validate(payload)
    record = state.log.add_request(
        transport="http",
        payload=payload,
        now=state.clock.time(),
        headers=headers,
        api=api,
        valid=valid,
        size=len(raw),
        endpoint=endpoint,
    )
    return record, payload


async def finish(state: ServerState, channel: SseChannel | JsonChannel) -> web.StreamResponse:
    if isinstance(channel, JsonChannel):
        return channel.response()
    if channel.answer is None:  # the source produced nothing at all
        return error_response(state, errors.SERVER_ERROR)
    if channel.stream is not None:
        try:
            await channel.stream.write_eof()
        except (ConnectionError, RuntimeError):
            pass
    return channel.answer
