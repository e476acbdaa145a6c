"""Runs one request from validation to its last event, the same way for WebSocket and HTTP.

The transport supplies a `Channel` (`server/channel.py`); this module applies validation and the
protocol rules, asks the source for steps, has `server/execute.py` carry them out, records the outcome
and updates the connection cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

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
from openai_replay.server.channel import CancelFlag, Channel, ClientGone, TurnControl
from openai_replay.server.execute import execute
from openai_replay.server.state import ServerState
from openai_replay.source import Turn
from openai_replay.wire import compact

__all__ = ["CancelFlag", "Channel", "ClientGone", "Serve", "TurnControl", "note_finished", "reject", "replay", "run_turn"]

log = logging.getLogger("openai_replay.server")
#: One INFO line per finished request (``serve -v``); ``extra["replay_record"]`` is the record itself.
requests_log = logging.getLogger("openai_replay.requests")


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
        await replay(state, channel, record, payload, control)
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
        await reject(state, channel, record, payload, conn, resolution)
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
    new = normalize_input(payload.get("input"))
    context = resolution.context(new)
    # A chained turn adds its new items to its parent's kept tally instead of reading the whole chain
    # again; an unchained one reads its own few items (and its response's tally waits for a child).
    counted = None if parent is None else resolution.tally(new)
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
    ended = await execute(state, channel, record, turn, control)
    kind = record.outcome.kind
    if kind in ("completed", "incomplete", "cancelled"):
        store = payload.get("store", True) is not False
        response_json = builder.terminal_json or (compact(builder.terminal) if builder.terminal is not None else None)
        kept = None if counted is None else counted.plus(builder.output)
        if parent is not None and conversation is None:  # the chain's items are kept once, shared
            cached = CachedResponse.following(parent, new + builder.output, response_id, group, store, response_json, kept)
        else:
            cached = CachedResponse(response_id, group, context + builder.output, store, response_json, kept)
        state.protocol.completed(conn, record.lane, cached)
        if conversation is not None:  # the conversation grows by this turn's input and output
            conversation.add(new + builder.output)
    elif kind in ("failed", "error"):
        state.protocol.failed(conn, record.lane, payload)
        state.protocol.injected(conn, record.outcome.code, payload)  # the source's error, not a protocol rule's
    elif not ended and kind == "pending":
        record.outcome.kind = "closed_by_server"


def conversation_of(state: ServerState, payload: dict[str, Any]) -> Conversation | ApiError | None:
    """The conversation a create's ``conversation`` names (404 when it does not exist), or None."""
    return lookup(state.conversations, payload.get("conversation"))


async def replay(state: ServerState, channel: Channel, record: RequestRecord, payload: Any, control: TurnControl) -> None:
    """Recorded truth: no validation, no protocol rules; the source answers as recorded."""
    body = payload if isinstance(payload, dict) else {}
    builder = ResponseBuilder(body, response_id="", group="", created_at=state.clock.time(), ids=state.ids)
    turn = Turn(payload=body, transport=channel.transport, record=record, builder=builder, context=[], config=state.config)
    http = getattr(channel, "request", None) if channel.transport == "http" else None
    if http is not None:  # a cassette matches on the request line too (GET resumes, queries)
        turn.method, turn.path, turn.query = http.method, http.path, http.query_string
    await execute(state, channel, record, turn, control)
    if record.outcome.kind == "pending":
        record.outcome.kind = "closed_by_server"


async def reject(
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
