"""``GET /v1/realtime?model=...``: the Realtime API's WebSocket, a thin carrier for `RealtimeSession`.

The reader loop hands each text frame to the core state machine and sends what it answers; a
response runs as its own task, step by step (pacing ``Sleep``, ``Close``, ``Drop`` and raw frames are
carried out here). Every send goes through one lock, and a response cancelled by the machine sends
nothing more. Writes are coalesced as on ``/v1/responses`` sockets (`coalesce`): the events ready in
one loop tick leave in one write, except that a response's first event and its first `FIRST_EVENTS`
go out at once; a paced step (``Sleep``) yields, so paced audio still leaves chunk by chunk.

The beta handshake (``OpenAI-Beta: realtime=v1``) is answered as the real API answers it today: the
upgrade succeeds, an ``error`` event says ``beta_api_shape_disabled``, the socket closes with 4000.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from aiohttp import WSMsgType, web

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.log import ConnectionRecord
from openai_replay.realtime import RealtimeSession, ResponseRun, recognize, speak
from openai_replay.realtime import errors as rt
from openai_replay.realtime.machine import LIMIT_CLOSE
from openai_replay.server.auth import auth_error
from openai_replay.server.coalesce import FIRST_EVENTS, coalesce, flush
from openai_replay.server.httpjson import error_response
from openai_replay.server.keys import SESSIONS
from openai_replay.server.realtime_replay import replay_for, serve_replay
from openai_replay.server.receive import CLIENT_FAULTS
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import note_finished
from openai_replay.server.websocket import refuse_handshake
from openai_replay.server.wsclose import CLOSE_TIMEOUT, send_close_frame
from openai_replay.server.wsguard import Deadlines, Room, guard
from openai_replay.steps import Binary, Close, Drop, Emit, EmitRaw, Fail, RawText, Sleep
from openai_replay.wire import compact

log = logging.getLogger("openai_replay.server")

#: The largest client frame read (a 15 MiB base64 append plus its envelope).
MAX_FRAME = 16 * 1024 * 1024
#: How often (real seconds) an idle session looks at the server's clock for the session limit.
LIMIT_POLL = 0.25

BINARY_FRAME = ApiError(
    400, "Binary WebSocket messages are not supported. Send each event as a JSON text frame.", code="invalid_value"
)


class RealtimeSocket:
    """One accepted Realtime connection."""

    def __init__(self, state: ServerState, request: web.Request, ws: web.WebSocketResponse, record: ConnectionRecord) -> None:
        self.state, self.request, self.ws, self.record = state, request, ws, record
        model = request.query.get("model") or "gpt-realtime"
        self.machine = RealtimeSession(
            ids=state.ids,
            clock=state.clock,
            config=state.config,
            source=state.source,
            log=state.log,
            connection=record,
            model=model,
            speak=speak,
            recognize=recognize,
            transcription=request.query.get("intent") == "transcription",
        )
        self.lock = asyncio.Lock()
        self.closing = False
        self.tasks: set[asyncio.Task[None]] = set()
        #: The read deadlines shared with /v1/responses sockets (frame and idle timeouts, masking);
        #: frames are answered as they come, so nothing queues and the room never fills.
        self.room = Room(state.config.ws_queue_limit, lambda: 0)
        self.deadlines: Deadlines | None = None

    def busy(self) -> bool:
        """A response is running (the idle deadline waits for it)."""
        return self.machine.active is not None

    def deadline(self, code: int, reason: str) -> None:
        """A read deadline passed or the client broke the protocol: close now."""
        if self.closing:
            return
        log.info("openai_replay.server: realtime connection %s closed (%s): %s", self.record.id, code, reason)
        self.state.log.add_frame(self.record.id, self.state.clock.time(), None, f"closed by the server: {reason}")
        self._spawn(self._close_now(code, reason))

    async def _close_now(self, code: int, reason: str) -> None:
        await self.close(code, reason)
        if self.request.transport is not None:
            self.request.transport.close()

    async def send(self, events: list[dict[str, Any]], run: ResponseRun | None = None) -> bool:
        """Send events in order; False (nothing sent) once the socket closes or ``run`` was cancelled."""
        async with self.lock:
            for event in events:
                if self.closing or self.ws.closed or (run is not None and run.cancelled):
                    return False
                try:
                    await self.ws.send_str(compact(event))
                except (ConnectionError, RuntimeError):
                    self.closing = True
                    return False
        return True

    def _sent(self, count: int) -> None:
        """After a response's ``count``-th event: its first, and its first `FIRST_EVENTS`, leave now
        (a response never waits on the work behind its ``response.created``, such as speech)."""
        if count == 1 or count == FIRST_EVENTS:
            flush(self.request)

    async def close(self, code: int, reason: str) -> None:
        if self.record.closed_by is None:
            self.record.closed_by, self.record.close_code = "server", code
            self.record.closed_at = self.state.clock.time()
        if self.closing:
            return
        self.closing = True
        try:
            sent = await send_close_frame(self.ws, code, reason.encode())
        except (ConnectionError, RuntimeError):
            sent = False
        if sent:
            asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self._cut_off)
        else:
            await self.ws.close(code=code, message=reason.encode())

    def _cut_off(self) -> None:
        if self.request.transport is not None:
            self.request.transport.close()

    def drop(self) -> None:
        self.closing = True
        if self.record.closed_by is None:
            self.record.closed_by, self.record.close_code = "server", 1006
            self.record.closed_at = self.state.clock.time()
        if self.request.transport is not None:
            self.request.transport.abort()

    # -- the reader ------------------------------------------------------------------------------
    async def run(self) -> None:
        self._spawn(self._watch_limit())
        await self.send(self.machine.opened())
        try:
            async for msg in self.ws:
                if self.deadlines is not None:
                    self.deadlines.activity()
                if self.closing and msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    self.state.log.add_frame(self.record.id, self.state.clock.time(), None, None, "after close", discarded=True)
                elif msg.type == WSMsgType.TEXT:
                    await self.on_text(msg.data)
                elif msg.type == WSMsgType.BINARY:
                    self.state.log.add_frame(self.record.id, self.state.clock.time(), None, "binary frame", size=len(msg.data))
                    await self.send([rt.error_event(self.state.ids, BINARY_FRAME)])
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            await self.finish()

    async def on_text(self, data: str) -> None:
        if self.machine.expired():
            await self.close(*LIMIT_CLOSE)
            return
        await self.send(self.machine.receive(data))
        run = self.machine.take_started()
        if run is not None:
            self._spawn(self.execute(run))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _watch_limit(self) -> None:
        while not self.closing:
            if self.machine.expired():
                await self.close(*LIMIT_CLOSE)
                return
            await asyncio.sleep(LIMIT_POLL)

    # -- a response ------------------------------------------------------------------------------
    async def execute(self, run: ResponseRun) -> None:
        """Carry out a response's steps until it ends, is cancelled, or the socket closes."""
        record = run.turn.record
        emitted = 0
        try:
            for step in run.steps():
                if run.cancelled or self.closing:
                    return
                if isinstance(step, Emit):
                    record.event_types.append(str(step.event.get("type")))
                    if not await self.send([step.event], run):
                        return
                    emitted += 1
                    self._sent(emitted)
                elif isinstance(step, Sleep):
                    await self._sleep(step.seconds, run)
                elif isinstance(step, Close):
                    record.outcome.kind, record.outcome.close_code = "closed_by_server", step.code
                    record.ended(self.state.clock.time())
                    await self.close(step.code, step.reason)
                    return
                elif isinstance(step, Drop):
                    record.outcome.kind, record.outcome.close_code = "dropped", 1006
                    record.ended(self.state.clock.time())
                    self.drop()
                    return
                elif isinstance(step, (RawText, EmitRaw)):
                    text = step.data
                    record.faults.append(f"raw text {text[:40]!r}")
                    async with self.lock:
                        await self.ws.send_str(text)
                elif isinstance(step, Binary):
                    record.faults.append(f"binary frame ({len(step.data)} bytes)")
                    async with self.lock:
                        await self.ws.send_bytes(step.data)
                elif isinstance(step, Fail):  # run.steps() turns failures into events; kept for safety
                    await self.send([rt.error_event(self.state.ids, step.error)], run)
                if self.machine.expired():
                    await self.close(*LIMIT_CLOSE)
                    return
        except (ConnectionError, RuntimeError):
            self.closing = True
        except Exception:  # a bug of ours or of a source: the error event, and the session goes on
            log.exception("openai_replay.server: internal error in realtime response %s", run.id)
            await self.send([rt.error_event(self.state.ids, rt.SERVER_ERROR)])
            run.cancel("client_cancelled")
        finally:
            if not run.finished and not self.closing:  # the source stopped without an ending
                run.finished = True
                self.machine.response_ended(run)
            if record.outcome.kind != "pending":
                note_finished(self.state, record)

    async def _sleep(self, seconds: float, run: ResponseRun) -> None:
        if math.isinf(seconds):
            while not (run.cancelled or self.closing):
                await asyncio.sleep(LIMIT_POLL)
            return
        await self.state.clock.sleep(seconds)

    async def finish(self) -> None:
        if self.deadlines is not None:
            self.deadlines.cancel()
        if self.record.closed_by is None:
            self.record.closed_by, self.record.close_code = "client", self.ws.close_code
            self.record.closed_at = self.state.clock.time()
        self.closing = True
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        now = self.state.clock.time()
        for record in self.state.log.requests[-64:]:
            if record.connection_id == self.record.id and record.outcome.kind == "pending":
                record.outcome.kind = "closed_by_client" if self.record.closed_by == "client" else "closed_by_server"
                record.outcome.close_code = self.record.close_code
                record.ended(now)
                note_finished(self.state, record)


def _beta(request: web.Request) -> bool:
    return "realtime=v1" in request.headers.get("OpenAI-Beta", "").replace(" ", "").lower()


async def handle_realtime(request: web.Request) -> web.StreamResponse:
    """The upgrade on ``GET /v1/realtime``."""
    state = state_for(request)
    if request.headers.get("Upgrade", "").lower() != "websocket":
        return error_response(
            state, ApiError(400, "The Realtime API at /v1/realtime is a WebSocket: send GET with Upgrade: websocket.")
        )
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    cap = state.config.max_ws_connections
    if cap is not None and len(request.app[SESSIONS]) >= cap:  # the same cap as /v1/responses sockets
        return error_response(state, errors.too_many_connections(cap), {"Retry-After": "1"})
    record = state.log.open_connection(request.path, request.query_string, state.clock.time())
    refusal = refuse_handshake(state, request, record)
    if refusal is not None:
        return refusal
    ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, autoping=True, timeout=CLOSE_TIMEOUT)
    coalesce(request)  # the frames ready in one loop tick leave in one write
    await ws.prepare(request)
    socket = RealtimeSocket(state, request, ws, record)
    if _beta(request):
        await socket.send([rt.error_event(state.ids, rt.BETA_DISABLED)])
        await ws.close(code=rt.BETA_CLOSE_CODE, message=b"")
        record.closed_by, record.close_code, record.closed_at = "server", rt.BETA_CLOSE_CODE, state.clock.time()
        return ws
    replay = replay_for(state, record)
    if replay is not None:
        await serve_replay(state, ws, record, replay)
        return ws
    request.app[SESSIONS].add(socket)
    socket.deadlines = guard(socket, request, state.config)
    try:
        await socket.run()
    except CLIENT_FAULTS as exc:
        log.info("openai_replay.server: realtime connection %s: the client went away (%s)", record.id, type(exc).__name__)
    except Exception:
        log.exception("openai_replay.server: internal error on realtime connection %s", record.id)
        await ws.close(code=1011, message=b"internal error")
    finally:
        request.app[SESSIONS].discard(socket)
    return ws
