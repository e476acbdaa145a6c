"""One WebSocket lane's channel: how a turn's events leave as text frames."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from openai_replay.errors import ApiError
from openai_replay.server.coalesce import FIRST_EVENTS, WS_EARLY, flush
from openai_replay.server.keys import BURST
from openai_replay.server.turns import ClientGone
from openai_replay.wire import compact, with_stream_id

if TYPE_CHECKING:
    from openai_replay.server.websocket import WsSession

#: Events that end a turn for the client.
ENDINGS = frozenset({"response.completed", "response.failed", "response.incomplete", "error"})


class WsChannel:
    """Sends one lane's events as text frames, echoing the lane's ``stream_id``."""

    transport: Literal["ws", "http"] = "ws"

    def __init__(self, session: WsSession, lane: str | None) -> None:
        self.session = session
        self.lane = lane
        self.events = 0  # of the response being sent
        #: `_put` when frames are written without aiohttp's writer (the turn then makes no coroutine
        #: per event); None with permessage-deflate, where every frame goes through `send`.
        self.put = self._put if session.frames is not None else None
        self._burst = session.request.app[BURST]
        #: The response being sent was the first to begin in its loop pass: its `WS_EARLY` events leave at once.
        self.early = False

    def _put(self, event: dict[str, Any]) -> bool:
        """`send` without a coroutine: True when the caller must then await `drain`."""
        text, out_now = self._prepare(event)
        session = self.session
        try:
            wait = session.frames.write(text)  # type: ignore[union-attr]  # set whenever `put` is
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc
        if out_now:
            flush(session.request)
        return wait

    def _prepare(self, event: dict[str, Any]) -> tuple[str, bool]:
        """The event's frame text, once the socket is known to be open, and whether it must leave at
        once: an ending, a long reply's start (`FIRST_EVENTS`), or a `WS_EARLY` mark of a burst's
        first response. Counts the response's events (asking, at its first, whether another began
        this pass). Both send paths start here, so each event costs one call."""
        text = compact(event if self.lane is None else with_stream_id(event, self.lane))
        session = self.session
        if session.closing or session.ws.closed:  # `WsSession.send_text`'s check, one coroutine less
            raise ClientGone()
        kind = event.get("type")
        if kind == "response.created":
            self.events, self.early = 1, self._burst.first()
        else:
            self.events += 1
        return text, kind in ENDINGS or self.events == FIRST_EVENTS or (self.early and self.events in WS_EARLY)

    async def drain(self) -> None:
        """Wait until a slow client reads again (after `_put` said so)."""
        try:
            await self.session.frames.drain()  # type: ignore[union-attr]
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc

    async def send(self, event: dict[str, Any]) -> None:
        if self.put is not None:
            if self.put(event):
                await self.drain()
            return
        # permessage-deflate: aiohttp's writer owns the compressor
        text, out_now = self._prepare(event)
        session = self.session
        try:
            await session.ws.send_str(text)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc
        if out_now:
            flush(session.request)

    async def send_raw(self, data: str, event_type: str) -> None:
        await self.session.send_text(data)

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        await self.send(error.ws_frame())

    async def close(self, code: int, reason: str) -> None:
        await self.session.close(code, reason, by="server")

    async def drop(self) -> None:
        self.session.drop()

    async def send_text(self, data: str) -> None:
        await self.session.send_text(data)

    async def send_binary(self, data: bytes) -> None:
        await self.session.send_bytes(data)

    async def respond(self, body: str, status: int) -> None:
        raise TypeError("a whole-body answer (Respond) is for non-streaming HTTP turns, not WebSocket mode")
