"""Wire coalescing: what a connection writes during one event-loop tick leaves in one transport write.

aiohttp writes every WebSocket frame and every SSE chunk with its own ``transport.write``, and each is
a ``send`` syscall. A turn with ten events ready writes ten times. `CoalescingTransport` sits between
aiohttp and the socket's transport: writes are kept in order until the loop runs its ready callbacks
again (``call_soon``: the task that wrote has yielded) or until `LIMIT` bytes wait, then go out in one
write. aiohttp still builds every byte (frame headers, chunk framing, compression), so the bytes on
the wire are the same; only the number of syscalls changes. A short SSE turn leaves in one write,
a short WebSocket turn in three when it begins alone (`WS_EARLY`); a
stream paced by a ``Sleep`` yields to the loop between its events, so each of them still leaves on
its own; a long reply built without yielding leaves once its first `FIRST_EVENTS` events are out
(the channels call `flush`), then in `LIMIT`-sized writes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web

#: Bytes kept at most before they are written without waiting for the end of the tick.
LIMIT = 64 * 1024
#: The channels write what they keep once a response's first this many events are out (`flush`), so
#: a long reply built without yielding reaches the client at once, while a short SSE turn (10 events)
#: still leaves in one write.
FIRST_EVENTS = 16
#: A WebSocket response's events after which its channel writes what it keeps, when it is the first
#: response to begin in its event-loop pass (`Burst`): its first (as the real API sends
#: ``response.created`` before the model's first token) and its 8th. A short turn (10 events) then
#: leaves in three writes, not one: the client reads the first events while the server builds the
#: rest. In the peer harness that took the sequential short-turn p50 from 1.16x aimock's to 0.98x,
#: for two more ``send`` calls per turn. Responses begun later in the same pass (200 connections
#: sending at once) leave in one write as before: there the extra writes only add to every
#: client's wait (turn p99 under load 21 -> 50 ms with them). benchmarks/README.md, issue 27.
WS_EARLY = frozenset({1, 8})


class CoalescingTransport(asyncio.Transport):
    """Wraps a connected transport; everything but writing (and closing after a flush) is delegated."""

    __slots__ = ("_inner", "_loop", "_on_tick", "_pending", "_scheduled", "_size")

    def __init__(
        self, inner: asyncio.Transport, loop: asyncio.AbstractEventLoop, on_tick: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self._inner = inner
        self._loop = loop
        #: Called at the end-of-pass write (`Burst.reset`).
        self._on_tick = on_tick
        self._pending: list[bytes] = []
        self._size = 0
        self._scheduled = False

    # -- writing ---------------------------------------------------------------------------------
    def write(self, data: Any) -> None:
        if not data:
            return
        self._pending.append(data if type(data) is bytes else bytes(data))  # the caller may reuse its buffer
        self._size += len(data)
        if self._size >= LIMIT:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self._tick)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def _tick(self) -> None:
        self._scheduled = False
        if self._on_tick is not None:
            self._on_tick()
        self.flush()

    def flush(self) -> None:
        """Write what is kept, in one piece; dropped when the connection is already gone."""
        if not self._pending:
            return
        pending = self._pending
        data = pending[0] if len(pending) == 1 else b"".join(pending)
        self._pending = []
        self._size = 0
        if not self._inner.is_closing():
            self._inner.write(data)

    def get_write_buffer_size(self) -> int:
        return self._inner.get_write_buffer_size() + self._size

    # -- ending: what was written first still goes out first -------------------------------------
    def write_eof(self) -> None:
        self.flush()
        self._inner.write_eof()

    def close(self) -> None:
        self.flush()
        self._inner.close()

    def abort(self) -> None:
        self.flush()  # as before coalescing: what was written reaches the socket, then the reset
        self._inner.abort()

    # -- delegated -------------------------------------------------------------------------------
    def can_write_eof(self) -> bool:
        return self._inner.can_write_eof()

    def is_closing(self) -> bool:
        return self._inner.is_closing()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self._inner.get_extra_info(name, default)

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self._inner.set_protocol(protocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        return self._inner.get_protocol()

    def is_reading(self) -> bool:
        return self._inner.is_reading()

    def pause_reading(self) -> None:
        self._inner.pause_reading()

    def resume_reading(self) -> None:
        self._inner.resume_reading()

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        self._inner.set_write_buffer_limits(high, low)

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return self._inner.get_write_buffer_limits()  # type: ignore[attr-defined,no-any-return]


class Burst:
    """Counts the responses that began in the current event-loop pass, so that only the first of a
    burst writes its `WS_EARLY` marks. One per server; the coalescing transports' end-of-pass
    callback (`CoalescingTransport`, ``on_tick``), due after any response's first write, starts the
    count again, so it costs no callback of its own. Works on any event loop (uvloop has no ready
    queue to look at)."""

    __slots__ = ("_began",)

    def __init__(self) -> None:
        self._began = 0

    def first(self) -> bool:
        """A response begins: True when it is the first of this pass."""
        self._began += 1
        return self._began == 1

    def reset(self) -> None:
        self._began = 0


def coalesce(request: web.Request, on_tick: Callable[[], None] | None = None) -> None:
    """Coalesce the writes of ``request``'s connection from now on (before its response is prepared);
    ``on_tick`` is called at each end-of-pass write."""
    protocol = request.protocol
    transport = protocol.transport
    if transport is not None and not isinstance(transport, CoalescingTransport):
        protocol.transport = CoalescingTransport(transport, asyncio.get_running_loop(), on_tick)


def flush(request: web.Request) -> None:
    """Write what ``request``'s connection keeps now, without waiting for the end of the tick."""
    transport = request.transport
    if isinstance(transport, CoalescingTransport):
        transport.flush()
