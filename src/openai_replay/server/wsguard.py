"""What keeps one WebSocket from holding the server: frame read deadlines, masking, idle closes.

aiohttp parses frames in C and tells its user nothing until a whole message is there: not that a
frame has started, nor whether the client masked it. `FrameWatch` sits in front of aiohttp's parser
(the protocol's ``_payload_parser``, pinned by tests/openai_replay/server/test_wsguard.py) and reads
only the frame headers as the bytes go by: when the current frame began, and whether the client set
the mask bit. It is hand-written because no library exposes this for aiohttp's server; it walks
headers only (about 2-14 bytes a frame) and skips payloads by arithmetic, so it costs little beside
the C parser.

- Per-frame deadline: a frame whose first byte came more than ``ws_frame_timeout`` seconds ago and
  that is still incomplete closes the connection with 1008 (a frame that claims 64 MiB and never
  ends, or one byte every half second). The clock stops while the server itself has stopped reading
  (the connection's queue is full: back-pressure), since then the delay is ours.
- Masking: RFC 6455 section 5.1: a server MUST close the connection on an unmasked client frame;
  it is closed with 1002 (protocol error) and the frame is never parsed.
- Idle deadline: ``ws_idle_timeout`` seconds with nothing in flight and no frame from the client
  closes with 1000 ("idle"); see `IdleTimer`.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web

from openai_replay.config import ServerConfig
from openai_replay.server.wsread import one_text_frame

log = logging.getLogger("openai_replay.server")

#: Close codes (RFC 6455 section 7.4.1).
PROTOCOL_ERROR = 1002
POLICY_VIOLATION = 1008


class FrameWatch:
    """A stand-in for aiohttp's frame parser that watches frame headers, then hands the bytes on."""

    def __init__(self, parser: Any, on_unmasked: Callable[[], None]) -> None:
        self.parser = parser
        self._on_unmasked = on_unmasked
        self._head = b""  # the current frame's header bytes so far (empty: between frames)
        self._left = 0  # payload bytes of the current frame still to come
        #: Loop time when the current, unfinished frame began; None between frames.
        self.started_at: float | None = None
        self.refused = False
        #: A data frame's FIN was clear: its message goes on in continuation frames.
        self.fragmenting = False
        #: Offered each read that is one whole final text frame between messages (its payload,
        #: unmasked); True when it took the frame, which then never reaches aiohttp (`wsread`).
        self.take: Callable[[bytes], bool] | None = None

    def feed_data(self, data: bytes) -> tuple[bool, bytes]:
        if self.refused:
            return False, b""
        if self.take is not None and not self._left and not self._head and not self.fragmenting:
            payload = one_text_frame(data)
            if payload is not None and self.take(payload):
                return False, b""
        self._scan(data)
        if self.refused:  # the unmasked frame (and anything after it) never reaches the parser
            self._on_unmasked()
            return False, b""
        result: tuple[bool, bytes] = self.parser.feed_data(data)
        return result

    def feed_eof(self) -> None:
        self.parser.feed_eof()

    def __getattr__(self, name: str) -> Any:  # anything else aiohttp asks of its parser
        return getattr(self.parser, name)

    def _scan(self, data: bytes) -> None:
        if not self._left and not self._head and len(data) > 6 and data[1] & 0x80:
            # The usual read: exactly one whole masked frame (a client's turn). It starts and ends
            # here, so no deadline is ever running for it: skip the walk below.
            short = data[1] & 0x7F
            if short < 126:
                if len(data) == 6 + short:
                    self._note_fin(data[0])
                    return
            elif short == 126 and len(data) == 8 + int.from_bytes(data[2:4], "big"):
                self._note_fin(data[0])
                return
        at, end = 0, len(data)
        while at < end:
            if self._left:
                take = min(self._left, end - at)
                self._left -= take
                at += take
                if not self._left:
                    self.started_at = None
                continue
            if not self._head and self.started_at is None:
                self.started_at = asyncio.get_running_loop().time()
            need = _header_length(self._head) - len(self._head)
            self._head += data[at : at + need]
            at += need
            if len(self._head) < _header_length(self._head):
                continue  # the header itself is incomplete (or its length just grew): read on
            if not self._head[1] & 0x80:
                self.refused = True
                return
            self._note_fin(self._head[0])
            self._left = _payload_length(self._head)
            self._head = b""
            if not self._left:
                self.started_at = None

    def _note_fin(self, first: int) -> None:
        """Follow fragmented messages: a data frame (opcode 0-2) without FIN leaves one open."""
        if first & 0x0F < 3:
            self.fragmenting = not first & 0x80


def _header_length(head: bytes) -> int:
    """The full header length as far as ``head`` tells it (2 until the second byte is known)."""
    if len(head) < 2:
        return 2
    short = head[1] & 0x7F
    return 2 + (2 if short == 126 else 8 if short == 127 else 0) + (4 if head[1] & 0x80 else 0)


def _payload_length(head: bytes) -> int:
    short = head[1] & 0x7F
    if short == 126:
        return int.from_bytes(head[2:4], "big")
    if short == 127:
        return int.from_bytes(head[2:10], "big")
    return short


def watch_frames(request: web.Request, on_unmasked: Callable[[], None]) -> FrameWatch | None:
    """Put a `FrameWatch` in front of this upgraded request's parser; None when aiohttp's layout
    is not the one we know (then there is no frame deadline or mask check, and we say so)."""
    protocol = request.protocol
    parser = getattr(protocol, "_payload_parser", None)
    if parser is None or not hasattr(parser, "feed_data"):
        log.warning("openai_replay.server: this aiohttp has no parser to watch: no WebSocket frame deadline or mask check")
        return None
    watch = FrameWatch(parser, on_unmasked)
    protocol._payload_parser = watch  # type: ignore[union-attr]
    return watch


class Deadlines:
    """One connection's frame and idle deadlines on the event loop's clock (never the server's
    clock: a manual clock must not close sockets). ``close(code, reason)`` is called at most once."""

    def __init__(
        self,
        watch: FrameWatch | None,
        frame_timeout: float | None,
        idle_timeout: float | None,
        busy: Callable[[], bool],
        paused: Callable[[], bool],
        close: Callable[[int, str], None],
    ) -> None:
        self.watch = watch
        self.frame_timeout = frame_timeout
        self.idle_timeout = idle_timeout
        self._busy = busy
        self._paused = paused
        self._close = close
        self._loop = asyncio.get_running_loop()
        self.last_activity = self._loop.time()
        self._timer: asyncio.TimerHandle | None = None
        self.fired = False
        self._arm()

    def activity(self) -> None:
        """A message arrived or a turn ended: the idle clock starts again."""
        self.last_activity = self._loop.time()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self) -> None:
        steps = [t for t in (self.frame_timeout, self.idle_timeout) if t is not None]
        if not steps or self.fired:
            return
        # Checked at a quarter of the shortest deadline: a deadline is kept within 25 %.
        self._timer = self._loop.call_later(max(min(steps) / 4, 0.01), self._check)

    def _check(self) -> None:
        self._timer = None
        now = self._loop.time()
        started = self.watch.started_at if self.watch is not None else None
        if self._paused():
            if started is not None and self.watch is not None:
                self.watch.started_at = now  # our own back-pressure: the client is not slow
            self.last_activity = now
        elif self.frame_timeout is not None and started is not None and now - started > self.frame_timeout:
            self._fire(POLICY_VIOLATION, f"frame not received within {_num(self.frame_timeout)} s")
            return
        if self._busy():
            self.last_activity = now
        elif self.idle_timeout is not None and started is None and now - self.last_activity > self.idle_timeout:
            self._fire(1000, f"idle for {_num(self.idle_timeout)} s")
            return
        self._arm()

    def _fire(self, code: int, reason: str) -> None:
        self.fired = True
        self._close(code, reason)


def _num(seconds: float) -> str:
    return f"{seconds:g}"


class Guarded(Protocol):
    """What `guard` needs of a WebSocket session."""

    room: Room

    def busy(self) -> bool: ...

    def deadline(self, code: int, reason: str) -> None: ...


def guard(session: Guarded, request: web.Request, config: ServerConfig) -> Deadlines:
    """Watch this connection's frames and start its frame and idle deadlines."""
    watch = watch_frames(request, lambda: session.deadline(PROTOCOL_ERROR, "client frames must be masked"))
    return Deadlines(
        watch,
        config.ws_frame_timeout,
        config.ws_idle_timeout,
        busy=session.busy,
        paused=lambda: session.room.paused,
        close=session.deadline,
    )


class Room:
    """Back-pressure for one connection's reader: with ``limit`` requests queued, `wait` holds the
    reader until `made` says a lane took one. aiohttp's own message queue then fills (128 KiB) and it
    stops reading the socket, so TCP pushes back on the client instead of memory growing."""

    def __init__(self, limit: int, queued: Callable[[], int]) -> None:
        self.limit = limit
        self._queued = queued
        self._waiter: asyncio.Future[None] | None = None

    @property
    def paused(self) -> bool:
        return self._waiter is not None

    async def wait(self, transport: Callable[[], asyncio.BaseTransport | None]) -> bool:
        """Until there is room (True), or the client is gone (False). While reading is paused the
        event loop does not see the client leave, so each second the socket's TCP state is asked."""
        while self._queued() >= self.limit:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await asyncio.wait([self._waiter], timeout=1.0)
            finally:
                self._waiter = None
            if peer_gone(transport()):
                return False
        return True

    def has_room(self) -> bool:
        """Whether the reader may take another frame now (`wait` would return at once)."""
        return self._queued() < self.limit

    def made(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


#: Linux's TCP_ESTABLISHED in ``tcp_info.tcpi_state``: any other state means the peer closed or reset.
_ESTABLISHED = 1


def peer_gone(transport: asyncio.BaseTransport | None) -> bool:
    """Whether the client closed or reset its connection, asked of the kernel (Linux ``TCP_INFO``)
    rather than the event loop, which cannot tell while reading is paused. False when unknown."""
    if transport is None or transport.is_closing():
        return True
    sock = transport.get_extra_info("socket")
    if sock is None or not hasattr(socket, "TCP_INFO"):
        return False
    try:
        return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] != _ESTABLISHED)
    except OSError:
        return True
