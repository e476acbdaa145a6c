"""One WebSocket lane: the FIFO of requests on one ``stream_id`` and the worker that serves them in order.

A request that finds its lane idle is served at once, in the reader's stack (`openai_replay.server.eager`):
a short turn that never waits is written before the reader returns. A turn that waits goes on as a
task; requests arriving meanwhile queue, and the lane's worker (a task made the first time one
queues) takes them once it ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from openai_replay.log import RequestRecord
from openai_replay.server.eager import start
from openai_replay.server.turns import TurnControl, run_turn
from openai_replay.server.wschannel import WsChannel

if TYPE_CHECKING:
    from openai_replay.server.websocket import WsSession

log = logging.getLogger("openai_replay.server")


class Lane:
    """A FIFO of requests on one ``stream_id`` and the task that serves them in order."""

    def __init__(self, session: WsSession, name: str | None) -> None:
        self.session = session
        # A list and one wake-up future, not an asyncio.Queue (three deques, 2.3 KB a connection).
        self.queue: list[tuple[RequestRecord, dict[str, Any], bool]] = []
        self._wakeup: asyncio.Future[None] | None = None
        #: The turn in flight (None: the lane is idle).
        self.control: TurnControl | None = None
        #: The rest of a turn started at once that had to wait.
        self.rest: asyncio.Task[None] | None = None
        self.channel = WsChannel(session, name)
        #: The worker, made when a request first has to queue (most lanes never need one).
        self.task: asyncio.Task[None] | None = None

    def put(self, record: RequestRecord, payload: dict[str, Any], checked: bool = False) -> None:
        if self.control is None and not self.queue:
            self._serve_now(record, payload, checked)
            return
        self.queue.append((record, payload, checked))
        if self.task is None:
            self.task = asyncio.ensure_future(self._work())
        self._wake()

    def tasks(self) -> list[asyncio.Task[None]]:
        """The worker and the rest of a started turn, those that exist (cancelled when the socket ends)."""
        return [task for task in (self.task, self.rest) if task is not None]

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def _begin(self, record: RequestRecord, payload: dict[str, Any], checked: bool) -> Coroutine[Any, Any, None]:
        """The lane takes a request: the turn in flight from now (its coroutine, not yet started)."""
        session = self.session
        session.room.made()
        self.control = TurnControl(checked=checked)
        return run_turn(session.state, self.channel, record, payload, session.conn, self.control)

    def _serve_now(self, record: RequestRecord, payload: dict[str, Any], checked: bool) -> None:
        rest = start(self._begin(record, payload, checked))
        if rest is None:
            self._ended()
        else:
            self.rest = rest
            rest.add_done_callback(self._rest_ended)

    def _rest_ended(self, rest: asyncio.Task[None]) -> None:
        self.rest = None
        if rest.cancelled():  # the socket ended: `WsSession.finish` cancelled it
            return
        problem = rest.exception()
        if problem is not None:  # run_turn catches every Exception: only a bug gets here
            log.error("openai_replay.server: a WebSocket turn ended with %r", problem)
        self._ended()

    def _ended(self) -> None:
        """A turn ended: the lane is idle again, or its worker takes the next request."""
        self.control = None
        session = self.session
        if session.closing:
            return
        if session.deadlines is not None:
            session.deadlines.activity()
        if self.queue:
            self._wake()
        else:
            session.maybe_idle()

    async def _work(self) -> None:
        """Serve what queued while a turn was in flight, in order."""
        while not self.session.closing:
            while not self.queue or self.control is not None:
                self._wakeup = asyncio.get_running_loop().create_future()
                await self._wakeup
            try:
                await self._begin(*self.queue.pop(0))
            finally:
                self._ended()
