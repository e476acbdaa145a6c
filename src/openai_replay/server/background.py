"""HTTP: background responses: started by ``POST /v1/responses`` with ``background: true``, moved
along on the server's clock by their own task, polled with ``GET``, streamed again with
``GET ...?stream=true&starting_after=N``, cancelled with ``POST .../cancel``.

Their events come from the source like any turn's (so scenarios and faults apply); a `BufferChannel`
keeps them in the run (`openai_replay.responses.background`) instead of sending them, pausing on the
clock while the response is queued and while it runs.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.log import RequestRecord
from openai_replay.responses import background as bg
from openai_replay.responses.protocol import CachedResponse
from openai_replay.server.http import SseChannel, finish
from openai_replay.server.httpjson import error_response, json_response
from openai_replay.server.keys import BACKGROUND
from openai_replay.server.state import ServerState
from openai_replay.server.turns import ClientGone, run_turn
from openai_replay.wire import compact


class Signal:
    """Wakes every waiter when a run changes (a poller, each stream reading it)."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def notify(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self) -> None:
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await waiter
        finally:
            self._waiters.discard(waiter)


#: How often (wall-clock seconds) a run waiting on the clock looks at it again: a manual clock moves
#: only when a test advances it, and tells no one.
CLOCK_POLL = 0.01


async def wait_until(state: ServerState, deadline: float) -> None:
    """Wait until the server's clock reads ``deadline`` (never advancing it, unlike ``clock.sleep``)."""
    while (left := deadline - state.clock.time()) > 0:
        await asyncio.sleep(min(left, CLOCK_POLL))


async def catch_up(state: ServerState, run: bg.BackgroundRun) -> None:
    """Let the run reach the phase the clock says it is in before someone looks at it. Bounded (half a
    second): a run a scenario holds back (a stall) is shown as it is, not waited for."""
    signal = run.driver.signal if isinstance(run.driver, Driver) else None
    for _ in range(20):
        if signal is None or not run.behind(state.clock.time()):
            return
        try:
            await asyncio.wait_for(signal.wait(), CLOCK_POLL * 2.5)
        except asyncio.TimeoutError:
            pass


@dataclass
class Driver:
    """What moves a background run along: its task, the signal that wakes its readers, its log record."""

    task: asyncio.Future[None]
    signal: Signal
    record: RequestRecord


class BufferChannel:
    """A turn's channel that keeps its events in a background run, on the server's clock."""

    transport: Literal["ws", "http"] = "http"

    def __init__(self, state: ServerState, run: bg.BackgroundRun, record: RequestRecord) -> None:
        self.state = state
        self.run = run
        self.record = record

    async def send(self, event: dict[str, Any]) -> None:
        kind = str(event.get("type"))
        deadline = self.run.deadline(kind)
        if self.state.clock.time() < deadline:
            await wait_until(self.state, deadline)
            if kind in bg.TERMINAL:
                self.record.terminal_at = self.state.clock.time()  # the log noted the end before this pause
        if not self.run.done:
            self.run.add(event)

    async def send_raw(self, data: str, event_type: str) -> None:
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            return
        if isinstance(event, dict):
            await self.send(event)

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if not self.run.events:
            self.run.refuse(error)
        elif not self.run.done:
            self.run.add(error.sse_event(0))
            self._end()

    async def close(self, code: int, reason: str) -> None:
        self._end()

    async def drop(self) -> None:
        self._end()

    def _end(self) -> None:
        if not self.run.done:
            self.run.done = True
            self.run.on_change()

    async def send_text(self, data: str) -> None:
        """Raw faults have no socket to go to: the run keeps only events."""

    async def send_binary(self, data: bytes) -> None:
        """As `send_text`."""

    async def respond(self, body: str, status: int) -> None:
        """A whole-body answer cannot become a background run's events."""


async def start_background(
    state: ServerState, request: web.Request, record: RequestRecord, payload: dict[str, Any], streaming: bool
) -> web.StreamResponse:
    """Start the run; answer with its queued Response (or its stream), or the error that refused it."""
    signal = Signal()
    run = bg.BackgroundRun(response_id="", started_at=state.clock.time(), on_change=signal.notify)
    task = asyncio.ensure_future(_finish(state, run, record, payload))
    tasks = request.app[BACKGROUND]
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    run.driver = Driver(task, signal, record)
    while not run.events and not run.done:
        await signal.wait()
    if run.error is not None:
        return error_response(state, run.error, dict(run.error.headers))
    run.response_id = str(record.response_id)
    state.runs.put(run)
    if streaming:
        return await stream_run(state, request, run, None)
    return json_response(state, run.snapshot)


async def _finish(state: ServerState, run: bg.BackgroundRun, record: RequestRecord, payload: dict[str, Any]) -> None:
    await run_turn(state, BufferChannel(state, run, record), record, payload)
    if not run.done:
        run.done = True
        run.on_change()


async def stream_run(
    state: ServerState, request: web.Request, run: bg.BackgroundRun, starting_after: int | None
) -> web.StreamResponse:
    """The run's events after ``starting_after`` as SSE, following it until it ends (the run goes on
    if the client leaves)."""
    channel = SseChannel(state, request)
    assert isinstance(run.driver, Driver)
    signal = run.driver.signal
    position = -1 if starting_after is None else starting_after
    try:
        while True:
            fresh = run.after(position)
            for event in fresh:
                await channel.send_raw(compact(event), str(event.get("type")))
            position += len(fresh)
            if run.done and not run.after(position):
                break
            if not fresh:
                try:
                    await asyncio.wait_for(signal.wait(), CLOCK_POLL * 10)
                except asyncio.TimeoutError:
                    pass
    except ClientGone:
        return channel.answer or web.Response(status=499)
    if channel.answer is None:  # nothing after starting_after, and the run is over: an empty stream
        await channel._start()
    return await finish(state, channel)


def cancel_background(state: ServerState, response_id: str) -> tuple[int, Any] | ApiError:
    """``POST /v1/responses/{id}/cancel``: a running background response ends ``cancelled``."""
    run = state.runs.get(response_id)
    if run is None:
        stored = state.store.get(response_id)
        return bg.cannot_cancel_synchronous() if stored is not None else errors.response_not_found(response_id)
    if run.done:
        return 200, run.snapshot
    driver = run.driver if isinstance(run.driver, Driver) else None
    final = run.cancel()
    record = driver.record if driver is not None else None
    if driver is not None:
        driver.task.cancel()
    if record is not None:
        record.outcome.kind = "cancelled"
        record.ended(state.clock.time())
        context = list(record.input_items)
    else:
        context = []
    group = response_id.split("_", 1)[-1][:16]
    state.store.put(CachedResponse(id=response_id, group=group, context=context, store=True, response_json=compact(final)))
    return 200, final


def starting_after_of(request: web.Request) -> int | ApiError | None:
    raw = request.query.get("starting_after")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return errors.invalid_type("starting_after", "an integer", "a string")
