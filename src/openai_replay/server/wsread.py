"""A client's whole text frame read without aiohttp's reader: a short turn's other hot path.

A client's turn is usually one read holding exactly one masked text frame (``response.create``).
aiohttp parses it in C, then queues a message, wakes the connection's reader task, and runs
``receive()``'s Python before our code sees the bytes: about a tenth of a short turn's server CPU.
When the reader task waits in ``receive()`` and aiohttp's queue is empty (so no message can
be overtaken), `FrameWatch` (in front of aiohttp's parser) hands such a frame to `one_text_frame`,
and the session takes the event at once. Everything else goes to aiohttp exactly as before: a
frame split across reads or sharing one, control and binary frames, fragments, frames of 64 KiB or
more, unmasked frames (refused with 1002 by `FrameWatch`), and any frame the session declines
(not a ``response.create``, invalid JSON or UTF-8, a full queue, a closing connection), so every
error and close keeps aiohttp's behaviour.

Written by hand because it must be exact and fast: RFC 6455 §5.2-5.3 for one frame with FIN set,
no RSV bits, opcode 1 and a 7- or 16-bit length. It reads one private attribute of aiohttp, the
message queue's ``_buffer`` (``WebSocketDataQueue``, public in its C build); `read_directly` leaves
every frame to aiohttp when the installed aiohttp has another layout. Pinned against the
installed aiohttp by tests/openai_replay/server/test_wsread.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web


def one_text_frame(data: bytes) -> bytes | None:
    """The unmasked payload when ``data`` is exactly one masked, final, uncompressed text frame
    shorter than 64 KiB; None for anything else."""
    if len(data) < 6 or data[0] != 0x81:  # FIN, no RSV bits, opcode 1 (text)
        return None
    second = data[1]
    if second < 0x80:  # unmasked: FrameWatch refuses it
        return None
    n = second & 0x7F
    if n < 126:
        start = 6
    elif n == 126:
        n = (data[2] << 8) | data[3]
        start = 8
    else:
        return None  # a 64-bit length: aiohttp's reader
    if len(data) != start + n:
        return None
    if not n:
        return b""
    mask = data[start - 4 : start]
    key = int.from_bytes((mask * ((n + 3) >> 2))[:n], "little")
    return (int.from_bytes(data[start:], "little") ^ key).to_bytes(n, "little")


def read_directly(ws: web.WebSocketResponse, watch: Any, take: Callable[[bytes], bool]) -> bool:
    """Offer `take` each whole text frame ``watch`` (the connection's `FrameWatch`) sees while
    aiohttp's message queue is empty; `take` itself must decline unless the reader task waits in
    ``receive()``. False, and every frame left to aiohttp, when there is no watch or this
    aiohttp's queue is not the one we know."""
    queue: Any = getattr(ws, "_reader", None)
    if watch is None or queue is None or not hasattr(queue, "_buffer"):
        return False

    def offer(payload: bytes) -> bool:
        return not queue._buffer and take(payload)

    watch.take = offer
    return True
