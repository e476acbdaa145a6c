"""Carrying out a source's steps over a channel, and what each step tells the request's log.

`execute` is the one loop every API surface runs (Responses, Chat Completions, the side endpoints,
audio): an `Emit` is logged by type and sent, a `Fail` ends the request with an API error, a `Sleep`
waits on the server's clock (or until a cancel), `Close` and `Drop` end the connection.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

import orjson

from openai_replay.log import RequestRecord
from openai_replay.server.channel import Channel, ClientGone, TurnControl
from openai_replay.server.state import ServerState
from openai_replay.source import Turn
from openai_replay.steps import Binary, Close, Drop, Emit, EmitRaw, Fail, RawText, Respond, Sleep

TERMINAL = {"response.completed": "completed", "response.failed": "failed", "response.incomplete": "incomplete"}


async def execute(state: ServerState, channel: Channel, record: RequestRecord, turn: Turn, control: TurnControl) -> bool:
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
