"""Runs one request from validation to its last event, the same way for WebSocket and HTTP.

The transport supplies a `Channel`; this module applies validation and the protocol rules, asks the
source for steps, carries them out, records the outcome and updates the connection cache.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import orjson

from openai_replay import errors
from openai_replay.conversations.store import Conversation, lookup
from openai_replay.errors import ApiError
from openai_replay.ids import group_of
from openai_replay.items import normalize_input, tally
from openai_replay.log import RequestRecord
from openai_replay.log.timeline import finished_line
from openai_replay.responses.events import ResponseBuilder
from openai_replay.responses.protocol import CachedResponse, ConnectionState, Resolution
from openai_replay.responses.resources import input_tokens
from openai_replay.responses.validation import validate_create
from openai_replay.server.state import ServerState
from openai_replay.source import Turn
from openai_replay.steps import Binary, Close, Drop, Emit, EmitRaw, Fail, RawText, Respond, Sleep
from openai_replay.wire import compact

log = logging.getLogger("openai_replay.server")
#: One INFO line per finished request (``serve -v``); ``extra["replay_record"]`` is the record itself.
requests_log = logging.getLogger("openai_replay.requests")

TERMINAL = {"response.completed": "completed", "response.failed": "failed", "response.incomplete": "incomplete"}


class ClientGone(Exception):
    """The client went away while we were sending."""


class Channel(Protocol):
    """How a transport delivers a turn's output."""

    transport: Literal["ws", "http"]

    async def send(self, event: dict[str, Any]) -> None: ...
    async def send_raw(self, data: str, event_type: str) -> None: ...
    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...
    async def drop(self) -> None: ...
    async def send_text(self, data: str) -> None: ...
    async def send_binary(self, data: bytes) -> None: ...
    async def respond(self, body: str, status: int) -> None: ...


class CancelFlag:
    """Set once, by ``response.cancel``. Like `asyncio.Event`, but one is made for every turn and an
    Event allocates a waiter deque (760 bytes) whether or not anyone ever waits."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self) -> None:
        if self._set:
            return
        if self._waiter is None or self._waiter.done():  # a cancelled wait leaves a done future
            self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter


@dataclass
class TurnControl:
    """Lets another task cancel the turn in flight (``response.cancel`` in honour mode)."""

    cancel: CancelFlag = field(default_factory=CancelFlag)
    #: The transport already ran `validate_create` on this very payload (for the log) and it passed:
    #: the turn does not run it a second time (it is a pure function of the payload).
    checked: bool = False


#: How one API surface serves a request (validation and rules, then `execute`): `_serve` is the
#: Responses API's; ``server/chat.py`` has the Chat Completions one.
Serve = Callable[[ServerState, Channel, RequestRecord, Any, "ConnectionState | None", TurnControl], Awaitable[None]]


async def run_turn(
    state: ServerState,
    channel: Channel,
    record: RequestRecord,
    payload: Any,
    conn: ConnectionState | None = None,
    control: TurnControl | None = None,
    serve: Serve | None = None,
) -> None:
    """Serve one request; never raises except for cancellation of the task itself."""
    try:
        await (serve or _serve)(state, channel, record, payload, conn, control or TurnControl())
    except ClientGone:
        record.outcome.kind = "closed_by_client"
    except (asyncio.CancelledError, GeneratorExit):
        raise
    except Exception:
        log.exception("openai_replay.server: internal error while serving turn %s", record.turn)
        record.outcome.kind, record.outcome.code = "error", "server_error"
        try:
            await channel.fail(errors.SERVER_ERROR, {}, 0)
            await channel.close(1011, "internal error")
            if channel.transport == "ws":
                record.outcome.close_code = 1011
        except Exception:  # the client may be gone already
            pass
    finally:
        record.finished_at = state.clock.time()
        if record.outcome.kind != "pending":
            record.ended(record.finished_at)
            note_finished(state, record)


def note_finished(state: ServerState, record: RequestRecord) -> None:
    """Log a request that has its outcome: its timeline line (after its session's name, if any), and
    the record and session for a JSON-lines handler."""
    if requests_log.isEnabledFor(logging.INFO):
        where = f"[session {state.session}] " if state.session is not None else ""
        extra = {"replay_record": record, "replay_session": state.session}
        requests_log.info("%s%s", where, finished_line(record), extra=extra)


async def _serve(
    state: ServerState,
    channel: Channel,
    record: RequestRecord,
    payload: Any,
    conn: ConnectionState | None,
    control: TurnControl,
) -> None:
    websocket = channel.transport == "ws"
    if getattr(state.source, "bypass_protocol", False):
        await _replay(state, channel, record, payload, control)
        return
    problem = None if control.checked else validate_create(payload, websocket=websocket)
    if problem is None and conn is not None:
        problem = state.protocol.limit_error(conn) or state.protocol.lane_error(conn, record.lane)
        limit_hit = problem is not None and problem.code == "websocket_connection_limit_reached"
    else:
        limit_hit = False
    resolution: Resolution | ApiError = problem or state.protocol.resolve(conn, payload)
    found = None if isinstance(resolution, ApiError) else conversation_of(state, payload)
    if isinstance(found, ApiError):
        resolution = found
    conversation = found if isinstance(found, Conversation) else None
    if isinstance(resolution, ApiError):
        await _reject(state, channel, record, payload, conn, resolution)
        if limit_hit and state.config.limit_close_code is not None:
            await channel.close(state.config.limit_close_code, "connection limit reached")
            record.outcome.close_code = state.config.limit_close_code
        return
    if conn is not None:
        state.protocol.touch_lane(conn, record.lane)

    now = state.clock.time()
    parent = resolution.parent
    group = (parent.group if parent else None) or group_of(payload.get("previous_response_id") or "") or state.ids.group()
    response_id = state.ids.make("resp", group, now)
    record.response_id = response_id
    context = resolution.context(payload)
    # A chained turn adds its new items to its parent's kept tally instead of reading the whole chain
    # again; an unchained one reads its own few items (and its response's tally waits for a child).
    counted = None if parent is None else resolution.tally(payload)
    if conversation is not None:  # a conversation's items come before the new input
        counted = tally(conversation.items).plus(context)
        context = list(conversation.items) + context
    builder = ResponseBuilder(
        payload,
        response_id=response_id,
        group=group,
        created_at=now,
        ids=state.ids,
        obfuscate=state.config.obfuscation,
        input_tokens=input_tokens(payload, context, None if counted is None else counted.tokens),
        cached_tokens=resolution.cached_tokens(),
        cache_write_tokens=state.config.usage_cache_write_tokens,
    )
    turn = Turn(
        payload=payload,
        transport=channel.transport,
        record=record,
        builder=builder,
        context=context,
        config=state.config,
        tally=counted,
    )  # type: ignore[arg-type]
    ended = await _execute(state, channel, record, turn, control)
    kind = record.outcome.kind
    if kind in ("completed", "incomplete", "cancelled"):
        store = payload.get("store", True) is not False
        response_json = builder.terminal_json or (compact(builder.terminal) if builder.terminal is not None else None)
        kept = None if counted is None else counted.plus(builder.output)
        if parent is not None and conversation is None:  # the chain's items are kept once, shared
            turn_items = normalize_input(payload.get("input")) + list(builder.output)
            cached = CachedResponse.following(parent, turn_items, response_id, group, store, response_json, kept)
        else:
            cached = CachedResponse(response_id, group, context + list(builder.output), store, response_json, kept)
        state.protocol.completed(conn, record.lane, cached)
        if conversation is not None:  # the conversation grows by this turn's input and output
            conversation.add(normalize_input(payload.get("input")) + list(builder.output))
    elif kind in ("failed", "error"):
        state.protocol.failed(conn, record.lane, payload)
        state.protocol.injected(conn, record.outcome.code, payload)  # the source's error, not a protocol rule's
    elif not ended and kind == "pending":
        record.outcome.kind = "closed_by_server"


def conversation_of(state: ServerState, payload: dict[str, Any]) -> Conversation | ApiError | None:
    """The conversation a create's ``conversation`` names (404 when it does not exist), or None."""
    return lookup(state.conversations, payload.get("conversation"))


async def _replay(state: ServerState, channel: Channel, record: RequestRecord, payload: Any, control: TurnControl) -> None:
    """Recorded truth: no validation, no protocol rules; the source answers as recorded."""
    body = payload if isinstance(payload, dict) else {}
    builder = ResponseBuilder(body, response_id="", group="", created_at=state.clock.time(), ids=state.ids)
    turn = Turn(payload=body, transport=channel.transport, record=record, builder=builder, context=[], config=state.config)
    http = getattr(channel, "request", None) if channel.transport == "http" else None
    if http is not None:  # a cassette matches on the request line too (GET resumes, queries)
        turn.method, turn.path, turn.query = http.method, http.path, http.query_string
    await _execute(state, channel, record, turn, control)
    if record.outcome.kind == "pending":
        record.outcome.kind = "closed_by_server"


async def _reject(
    state: ServerState,
    channel: Channel,
    record: RequestRecord,
    payload: Any,
    conn: ConnectionState | None,
    error: ApiError,
) -> None:
    log.info("openai_replay.server: request %s rejected: %s", record.turn, error.message)
    record.outcome.kind, record.outcome.code = "error", error.code or error.type
    record.ended(state.clock.time(), error.headers)
    await channel.fail(error, dict(error.headers), 0)
    if isinstance(payload, dict):
        state.protocol.failed(conn, record.lane, payload)


async def _execute(state: ServerState, channel: Channel, record: RequestRecord, turn: Turn, control: TurnControl) -> bool:
    """Carry out the source's steps. Returns True when the channel was closed or dropped."""
    cancel = control.cancel
    if cancel.is_set():
        await _cancelled(state, channel, record, turn)
        return False
    put = getattr(channel, "put", None)  # a channel that writes an event without a coroutine
    for step in state.source.plan(turn):
        if isinstance(step, Emit):  # most steps: checked first
            _note(record, step.event, state)
            if put is None:
                await channel.send(step.event)
            elif put(step.event):
                await channel.drain()  # type: ignore[attr-defined]  # a channel with `put` has `drain`
        elif isinstance(step, EmitRaw):
            _note(record, _raw_event(step), state)
            await channel.send_raw(step.data, step.event_type)
        elif isinstance(step, Fail):
            record.outcome.kind, record.outcome.code = "error", step.error.code or step.error.type
            record.ended(state.clock.time(), {**step.error.headers, **step.headers})
            await channel.fail(step.error, {**step.error.headers, **step.headers}, turn.builder.sequence)
        elif isinstance(step, Sleep):
            await _sleep(state, step.seconds, control, channel)
        elif isinstance(step, Close):
            if record.outcome.kind == "pending":
                record.outcome.kind = "closed_by_server"
            if channel.transport == "ws":  # an HTTP stream is cut: it has no close code to report
                record.outcome.close_code = step.code
            record.ended(state.clock.time())
            await channel.close(step.code, step.reason)
            return True
        elif isinstance(step, Drop):
            if record.outcome.kind == "pending":
                record.outcome.kind = "dropped"
            record.ended(state.clock.time())
            await channel.drop()
            return True
        elif isinstance(step, RawText):
            record.faults.append(f"raw text {step.data[:40]!r}")
            await channel.send_text(step.data)
        elif isinstance(step, Binary):
            record.faults.append(f"binary frame ({len(step.data)} bytes)")
            await channel.send_binary(step.data)
        elif isinstance(step, Respond):
            _note_body(record, step, state)
            exact = getattr(channel, "respond_exact", None)  # an optional hook: a body of any type, as recorded
            if exact is not None and (step.content_type is not None or isinstance(step.body, bytes)):
                await exact(step.body, step.status, step.content_type)
            else:
                text = step.body if isinstance(step.body, str) else step.body.decode("utf-8", "replace")
                await channel.respond(text, step.status)
        if cancel.is_set():  # before the loop builds the next step, so no sequence number is lost
            await _cancelled(state, channel, record, turn)
            return False
    return False


async def _sleep(state: ServerState, seconds: float, control: TurnControl, channel: Channel | None = None) -> None:
    """Wait on the server's clock, or until a cancel; ``inf`` waits for the cancel or the client's close alone."""
    if math.isinf(seconds):
        await _until_cancelled_or_gone(control, channel)
        return
    sleeper = asyncio.ensure_future(state.clock.sleep(seconds))
    waiter = asyncio.ensure_future(control.cancel.wait())
    try:
        await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sleeper, waiter):
            task.cancel()


async def _until_cancelled_or_gone(control: TurnControl, channel: Channel | None) -> None:
    """A WebSocket lane is cancelled when its socket closes; an HTTP handler is not, so look at its socket."""
    request = getattr(channel, "request", None)
    waiter = asyncio.ensure_future(control.cancel.wait())
    try:
        while not waiter.done():
            transport = getattr(request, "transport", None)
            if request is not None and (transport is None or transport.is_closing()):
                raise ClientGone()
            await asyncio.wait({waiter}, timeout=0.5)
    finally:
        waiter.cancel()


async def _cancelled(state: ServerState, channel: Channel, record: RequestRecord, turn: Turn) -> None:
    event = turn.builder.incomplete(state.config.cancel_reason)
    _note(record, event, state)
    record.outcome.kind = "cancelled"
    await channel.send(event)


def _note_body(record: RequestRecord, step: Respond, state: ServerState) -> None:
    """What a whole JSON answer says about the outcome: its response's status, or its error."""
    try:  # orjson reads a 47 KB embeddings body in 0.14 ms, json in 1.3 ms
        body = orjson.loads(step.body)
    except orjson.JSONDecodeError:
        try:  # what orjson refuses but json reads (NaN, integers past 64 bits)
            body = json.loads(step.body)
        except ValueError:  # not JSON, or bytes that are not text
            body = {}
    body = body if isinstance(body, dict) else {}
    if body.get("object") == "response":
        kind = {"completed": "completed", "failed": "failed", "incomplete": "incomplete"}.get(
            str(body.get("status")), "completed"
        )
        _note(record, {"type": f"response.{kind}", "response": body}, state)
    elif step.status >= 400:
        record.outcome.kind, record.outcome.code = "error", (body.get("error") or {}).get("code")
        record.ended(state.clock.time())


def _raw_event(step: EmitRaw) -> dict[str, Any]:
    """A recorded event as far as the log needs it: only an ending or an error is parsed."""
    if step.event_type not in TERMINAL and step.event_type != "error":
        return {"type": step.event_type}
    try:
        event = json.loads(step.data)
    except json.JSONDecodeError:
        return {"type": step.event_type}
    return event if isinstance(event, dict) else {"type": step.event_type}


def _note(record: RequestRecord, event: dict[str, Any], state: ServerState) -> None:
    kind = event.get("type")
    kind = kind if type(kind) is str else str(kind)
    record.event_types.append(kind)
    if (kind not in TERMINAL and kind != "error") or record.outcome.kind != "pending":
        return  # an event in the middle of a stream: only its type goes in the log
    record.ended(state.clock.time())  # stamped before the client can see the event
    if kind in TERMINAL:
        record.outcome.kind = TERMINAL[kind]  # type: ignore[assignment]
        output = (event.get("response") or {}).get("output")
        record.output_items = [item for item in output if isinstance(item, dict)] if isinstance(output, list) else []
        if kind == "response.failed":
            error = (event.get("response") or {}).get("error") or {}
            record.outcome.code = error.get("code")
    elif kind == "error":
        record.outcome.kind = "error"
        record.outcome.code = (event.get("error") or {}).get("code")
