"""WebSocket mode at ``/v1/responses``: one reader loop per socket, one FIFO per lane (`wslane`).

Requests without ``stream_id`` share the default lane and run one at a time; each named lane runs
beside the others (protocol v2). Frames that are not a valid client event are answered at once with
an ``error`` frame and the connection stays usable.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
from collections.abc import Iterator
from typing import Any

from aiohttp import WSMessage, WSMsgType, web

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.inbound import JsonInputError, parse
from openai_replay.log import ConnectionRecord, RequestRecord
from openai_replay.responses.protocol import ConnectionState
from openai_replay.responses.validation import validate_create
from openai_replay.server.auth import auth_error
from openai_replay.server.coalesce import coalesce
from openai_replay.server.httpjson import error_response
from openai_replay.server.keys import BURST, SESSIONS
from openai_replay.server.receive import CLIENT_FAULTS
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import ClientGone, note_finished
from openai_replay.server.wsclose import CLOSE_TIMEOUT, send_close_frame
from openai_replay.server.wsframe import direct_writer
from openai_replay.server.wsguard import Deadlines, Room, guard
from openai_replay.server.wslane import Lane
from openai_replay.server.wsread import read_directly
from openai_replay.steps import Binary, Close, Drop, Emit, Fail, RawText, Sleep, Step
from openai_replay.wire import compact

log = logging.getLogger("openai_replay.server")

SUPPORTED_EVENTS = ["response.create"]
#: Text frames as bytes, UTF-8 checked by our parser (aiohttp 3.13+; older ones check and close 1007).
RAW_TEXT: dict[str, Any] = {"decode_text": False} if "decode_text" in inspect.signature(web.WebSocketResponse).parameters else {}


class WsSession:
    """One accepted WebSocket connection."""

    def __init__(self, state: ServerState, request: web.Request, ws: web.WebSocketResponse, record: ConnectionRecord) -> None:
        self.state = state
        self.request = request
        self.ws = ws
        self.record = record
        self.conn: ConnectionState = state.protocol.open_connection(record.id)
        self.lanes: dict[str | None, Lane] = {}
        self.closing = False
        self.idle_task: asyncio.Future[None] | None = None
        #: Requests on this connection so far, and those of them still unanswered (the log may be
        #: reset or trimmed under a live connection; these stay ours).
        self.turns = 0
        self.records: list[RequestRecord] = []
        #: Our close frame is out; frames until the client's close frame are discarded (and logged).
        self.close_sent = False
        self.close_timer: asyncio.TimerHandle | None = None
        #: Back-pressure on the reader, and the frame and idle deadlines (`openai_replay.server.wsguard`).
        self.room = Room(state.config.ws_queue_limit, lambda: sum(len(lane.queue) for lane in self.lanes.values()))
        self.deadlines: Deadlines | None = None
        self.closer: asyncio.Future[None] | None = None
        self.retry_header = {"x-stainless-retry-count": request.headers.get("x-stainless-retry-count", "")}
        #: Text frames written without aiohttp's writer; None when aiohttp's must write them (deflate).
        self.frames = direct_writer(ws)
        #: Frames taken past aiohttp's reader (`openai_replay.server.wsread`).
        self.taken = 0
        #: The reader task waits in aiohttp's ``receive()``: a frame may be taken past it.
        self.receiving = False

    def busy(self) -> bool:
        return any(lane.control is not None or lane.queue for lane in self.lanes.values())

    def deadline(self, code: int, reason: str) -> None:
        """A deadline passed or the client broke the protocol: close now, without waiting long for
        the client's close frame (a client stuck mid-frame cannot send one)."""
        if self.closing:
            return
        log.info("openai_replay.server: connection %s closed (%s): %s", self.record.id, code, reason)
        self.state.log.add_frame(self.record.id, self.state.clock.time(), None, f"closed by the server: {reason}")
        self.closer = asyncio.ensure_future(self._close_now(code, reason))

    async def _close_now(self, code: int, reason: str) -> None:
        await self.close(code, reason, by="server")
        transport = self.request.transport
        if transport is not None:
            transport.close()  # the close frame is flushed first; the reader loop then ends

    # No lock of our own around a send: aiohttp writes each frame to the transport in one piece
    # before it can yield (and locks its compressor itself), so frames from several lanes never
    # interleave.
    async def send_text(self, text: str) -> None:
        if self.closing or self.ws.closed:
            raise ClientGone()
        try:
            if self.frames is None:
                await self.ws.send_str(text)
            elif self.frames.write(text):
                await self.frames.drain()
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc

    async def send_bytes(self, data: bytes) -> None:
        if self.closing or self.ws.closed:
            raise ClientGone()
        try:
            await self.ws.send_bytes(data)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc

    def maybe_idle(self) -> None:
        """Nothing in flight: let the source push unprompted frames (its optional ``idle`` hook)."""
        hook = getattr(self.state.source, "idle", None)
        if hook is None or self.closing or self.idle_task is not None:
            return
        if self.busy():
            return
        steps = hook(self.record, self.turns)
        if steps is not None:
            self.idle_task = asyncio.ensure_future(self._push(iter(steps)))

    async def _push(self, steps: Iterator[Step]) -> None:
        try:
            for step in steps:
                if isinstance(step, Sleep) and math.isinf(step.seconds):
                    await asyncio.get_running_loop().create_future()  # until the next request or the close
                elif isinstance(step, Sleep):
                    await self.state.clock.sleep(step.seconds)
                elif isinstance(step, (Emit, Fail)):
                    frame = step.event if isinstance(step, Emit) else step.error.ws_frame()
                    await self.send_text(compact(frame))
                    code = (frame.get("error") or {}).get("code") if frame.get("type") == "error" else None
                    self.record.pushed.append(f"{frame.get('type')} ({code})" if code else str(frame.get("type")))
                    self.state.protocol.injected(self.conn, code, {})
                elif isinstance(step, RawText):
                    self.record.pushed.append(f"raw text {step.data[:40]!r}")
                    await self.send_text(step.data)
                elif isinstance(step, Binary):
                    self.record.pushed.append(f"binary frame ({len(step.data)} bytes)")
                    await self.send_bytes(step.data)
                elif isinstance(step, Close):
                    await self.close(step.code, step.reason, by="server")
                    return
                elif isinstance(step, Drop):
                    self.drop()
                    return
        except ClientGone:
            pass
        finally:
            if self.idle_task is asyncio.current_task():  # a cancelled push must not forget a newer one
                self.idle_task = None

    async def close(self, code: int, reason: str, *, by: str) -> None:
        if self.record.closed_by is None:
            self.record.closed_by = by  # type: ignore[assignment]
            self.record.close_code = code
            self.record.closed_at = self.state.clock.time()
        self.closing = True
        if self.close_sent:
            return
        try:
            self.close_sent = await send_close_frame(self.ws, code, reason.encode())
        except (ConnectionError, RuntimeError):
            self.close_sent = False
        if self.close_sent:  # the reader loop goes on until the client's close frame, or the timeout
            self.close_timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self._cut_off)
        else:
            await self.ws.close(code=code, message=reason.encode())

    def _cut_off(self) -> None:
        """The client never answered our close frame: drop the TCP connection."""
        transport = self.request.transport
        if transport is not None:
            transport.close()

    def drop(self) -> None:
        """Abort the TCP connection: no close frame reaches the client."""
        self.closing = True
        if self.record.closed_by is None:
            self.record.closed_by, self.record.close_code = "server", 1006
            self.record.closed_at = self.state.clock.time()
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def reply_error(self, error: ApiError) -> None:
        try:
            await self.send_text(compact(error.ws_frame()))
        except ClientGone:
            pass

    async def run(self) -> None:
        self.maybe_idle()
        try:
            while True:
                if not self.room.has_room() and not await self.room.wait(lambda: self.request.transport):
                    break  # the client left while we held its frames back
                self.receiving = True
                try:
                    msg = await self.ws.receive()
                finally:
                    self.receiving = False
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                    break
                if self.deadlines is not None:
                    self.deadlines.activity()
                if self.close_sent and msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    self.discarded(msg)
                elif msg.type == WSMsgType.TEXT:
                    await self.on_text(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    self.state.log.add_frame(self.record.id, self.state.clock.time(), None, "binary frame")
                    await self.reply_error(errors.BINARY_FRAME)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            if self.deadlines is not None:
                self.deadlines.cancel()
            await self.finish()

    async def finish(self) -> None:
        if self.record.closed_by is None:
            self.record.closed_by = "client"
            self.record.close_code = self.ws.close_code
            self.record.closed_at = self.state.clock.time()
        self.closing = True
        if self.close_timer is not None:
            self.close_timer.cancel()
        if self.idle_task is not None:
            self.idle_task.cancel()
        tasks = [task for lane in self.lanes.values() for task in lane.tasks()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for lane in self.lanes.values():
            lane.queue.clear()
        # Requests cut off by the close (in flight or still queued) end with who closed, and the code.
        now = self.state.clock.time()
        for record in self.records:
            if record.outcome.kind == "pending":
                record.outcome.kind = "closed_by_client" if self.record.closed_by == "client" else "closed_by_server"
                record.outcome.close_code = self.record.close_code
                record.ended(now)
                note_finished(self.state, record)

    def discarded(self, msg: WSMessage) -> None:
        """A frame that arrived after the server's close: logged, marked discarded, never answered."""
        data: Any = msg.data
        kind: str | None = None
        if msg.type == WSMsgType.TEXT:
            try:
                data = parse(msg.data)  # the depth-guarded parser: a discarded frame is client input too
            except JsonInputError:
                data = msg.data.decode(errors="replace") if isinstance(msg.data, bytes) else msg.data
            kind = data.get("type") if isinstance(data, dict) and isinstance(data.get("type"), str) else None
        else:
            data = f"binary frame ({len(msg.data)} bytes)"
        self.state.log.add_frame(self.record.id, self.state.clock.time(), kind, None, data, discarded=True, size=len(msg.data))

    async def on_text(self, data: str | bytes) -> None:
        """One text frame: bytes when aiohttp leaves the UTF-8 check to us (then invalid UTF-8 gets
        the documented error frame, not aiohttp's 1007 close), else str."""
        now = self.state.clock.time()
        try:
            event = parse(data)
        except JsonInputError as exc:
            shown = data.decode(errors="replace") if isinstance(data, bytes) else data
            self.state.log.add_frame(self.record.id, now, None, f"invalid JSON: {exc}", shown)
            log.info("openai_replay.server: connection %s sent invalid JSON: %s", self.record.id, exc)
            await self.reply_error(errors.invalid_ws_json(str(exc)))
            return
        if not isinstance(event, dict):
            self.state.log.add_frame(self.record.id, now, None, "not a JSON object", event, size=len(data))
            await self.reply_error(errors.invalid_ws_json("expected a JSON object"))
            return
        kind = event.get("type")
        if kind == "response.create":
            self.create(event, now, len(data))
        elif kind == "response.cancel" and self.state.config.cancel_mode == "honour":
            self.state.log.add_frame(self.record.id, now, kind, None, event, size=len(data))
            self.cancel(event)
        else:
            problem = errors.missing_parameter("type") if kind is None else errors.unknown_event_type(kind, SUPPORTED_EVENTS)
            self.state.log.add_frame(
                self.record.id, now, kind if isinstance(kind, str) else None, problem.message, event, size=len(data)
            )
            log.info("openai_replay.server: connection %s sent unsupported event %r", self.record.id, kind)
            await self.reply_error(problem)

    def take(self, data: bytes) -> bool:
        """A whole text frame read past aiohttp's reader (`openai_replay.server.wsread`): a
        ``response.create`` is taken as `run` takes it; anything else is declined (False) and goes
        to aiohttp, then `run`, so errors and closes keep one path."""
        if not self.receiving or self.closing or self.close_sent or not self.room.has_room():
            return False
        try:
            event = parse(data)
        except JsonInputError:
            return False
        if type(event) is not dict or event.get("type") != "response.create":
            return False
        self.taken += 1
        try:
            if self.deadlines is not None:
                self.deadlines.activity()
            self.create(event, self.state.clock.time(), len(data))
        except Exception:  # a bug of ours, as in `handle_websocket`: close with 1011
            log.exception("openai_replay.server: internal error on WebSocket connection %s", self.record.id)
            self.deadline(1011, "internal error")
        return True

    def create(self, event: dict[str, Any], now: float, size: int) -> None:
        del event["type"]  # the rest is the request's payload; the frame's log entry shares it
        self.state.log.add_frame(self.record.id, now, "response.create", None, event, size=size)
        self.enqueue(event, now, size)

    def enqueue(self, payload: dict[str, Any], now: float, size: int = 0) -> None:
        if self.idle_task is not None:  # a request arrived: the connection is no longer idle
            self.idle_task.cancel()
            self.idle_task = None
        stream_id = payload.get("stream_id")
        lane_name = stream_id if isinstance(stream_id, str) and stream_id else None
        # Validated before the log reads it; the error itself goes out in lane order, from the turn.
        bypass = getattr(self.state.source, "bypass_protocol", False)
        checked = not bypass and validate_create(payload, websocket=True) is None
        valid = bypass or checked
        record = self.state.log.add_request(
            transport="ws",
            payload=payload,
            now=now,
            connection=self.record,
            lane=lane_name,
            headers=self.retry_header,  # the upgrade's, the same for every request
            valid=valid,
            size=size,
        )
        lane = self.lanes.get(lane_name)
        if lane is None:
            lane = self.lanes[lane_name] = Lane(self, lane_name)
        self.turns += 1
        if len(self.records) >= 64:  # only unanswered requests matter when the connection ends
            self.records = [r for r in self.records if r.outcome.kind == "pending"]
        self.records.append(record)
        lane.put(record, payload, checked)

    def cancel(self, event: dict[str, Any]) -> None:
        stream_id = event.get("stream_id")
        lane = self.lanes.get(stream_id if isinstance(stream_id, str) else None)
        if lane is None or lane.control is None:
            log.info("openai_replay.server: connection %s sent response.cancel with nothing in flight", self.record.id)
            return
        lane.control.cancel.set()


async def handle_websocket(request: web.Request) -> web.StreamResponse:
    """The upgrade on ``GET /v1/responses``."""
    state = state_for(request)
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return error_response(state, errors.method_not_allowed("GET", request.path, ["POST"]), {"Allow": "POST"})
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    cap = state.config.max_ws_connections
    if cap is not None and len(request.app[SESSIONS]) >= cap:
        log.info("openai_replay.server: WebSocket handshake refused: %s connections open (the cap)", cap)
        return error_response(state, errors.too_many_connections(cap), {"Retry-After": "1"})
    record = state.log.open_connection(request.path, request.query_string, state.clock.time())
    refusal = refuse_handshake(state, request, record)
    if refusal is not None:
        return refusal
    ws = web.WebSocketResponse(max_msg_size=64 * 1024 * 1024, autoping=True, timeout=CLOSE_TIMEOUT, **RAW_TEXT)
    coalesce(request, request.app[BURST].reset)  # the frames ready in one loop tick leave in one write (see WS_EARLY)
    try:
        await ws.prepare(request)
    except Exception:
        record.closed_by, record.closed_at = "server", state.clock.time()
        raise
    session = WsSession(state, request, ws, record)
    request.app[SESSIONS].add(session)
    session.deadlines = guard(session, request, state.config)
    if session.frames is not None:  # not with permessage-deflate: aiohttp's reader inflates
        read_directly(ws, session.deadlines.watch, session.take)
    try:
        await session.run()
    except CLIENT_FAULTS as exc:
        log.info("openai_replay.server: connection %s: the client went away (%s)", record.id, type(exc).__name__)
    except Exception:  # a bug of ours: the socket is upgraded, so close it (1011), never answer in HTTP
        log.exception("openai_replay.server: internal error on WebSocket connection %s", record.id)
        await ws.close(code=1011, message=b"internal error")
    finally:
        request.app[SESSIONS].discard(session)
    return ws


def refuse_handshake(state: ServerState, request: web.Request, record: ConnectionRecord) -> web.StreamResponse | None:
    """Ask the source's optional ``handshake`` hook whether to refuse this upgrade (no 101)."""
    hook = getattr(state.source, "handshake", None)
    error: ApiError | None = hook(record, request.headers) if hook is not None else None
    if error is None:
        return None
    log.info("openai_replay.server: connection %s handshake refused with HTTP %s", record.id, error.status)
    record.handshake_status = error.status
    record.closed_by, record.closed_at = "server", state.clock.time()
    return error_response(state, error)
