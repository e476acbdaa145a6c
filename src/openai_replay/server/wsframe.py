"""Text frames written straight to the transport, without aiohttp's writer: a short turn's hot path.

aiohttp's ``send_str`` is three calls deep per frame (``send_str`` → ``send_frame`` → its frame
writer, with a lock check, a compression branch and the drain bookkeeping); for a short turn's
ten events that is about an eighth of the server's CPU. A server's text frame without compression
is two bytes of header (four from 126 bytes, ten from 64 KiB) and the payload, unmasked (RFC 6455
§5.2), so `FrameWriter.write` builds exactly the bytes aiohttp builds, hands them to the same
transport (our coalescing one) and keeps aiohttp's own flow-control counter, so aiohttp's drain
still runs when a client reads slowly.

Written by hand because it must be byte-exact and fast. It reads aiohttp's private writer state
(``_writer``, ``compress``, ``use_mask``, ``_closing``, ``_output_size``, ``_limit``, the
protocol's ``_paused`` and ``_drain_helper``); `direct_writer` returns None, and the caller falls
back to ``send_str``, whenever that state is not what this module expects (another aiohttp writer
class, a missing attribute) or when permessage-deflate was negotiated. Pinned against the installed
aiohttp by tests/openai_replay/server/test_wsframe.py.
"""

from __future__ import annotations

import struct
from typing import Any

from aiohttp import web

try:  # a private module: if aiohttp moves it, every connection takes aiohttp's own writer
    from aiohttp._websocket.writer import WebSocketWriter as _AiohttpWriter
except ImportError:  # pragma: no cover - depends on the installed aiohttp
    _AiohttpWriter = None  # type: ignore[assignment,misc]

#: What `FrameWriter` touches on aiohttp's writer and its protocol.
_WRITER_ATTRS = ("transport", "protocol", "compress", "use_mask", "_closing", "_output_size", "_limit")
_PROTOCOL_ATTRS = ("_paused", "_drain_helper")

_LEN2 = struct.Struct("!BBH").pack
_LEN3 = struct.Struct("!BBQ").pack
#: Above this, header and payload are written apart (as aiohttp does), not copied into one buffer.
_JOIN_LIMIT = 16 * 1024


class FrameWriteError(ConnectionError):
    """The frame could not be written: the writer or the transport is closing."""


def direct_writer(ws: web.WebSocketResponse) -> FrameWriter | None:
    """A `FrameWriter` for a prepared ``ws``, or None when aiohttp's writer must do the writing."""
    writer = getattr(ws, "_writer", None)
    if _AiohttpWriter is None or type(writer) is not _AiohttpWriter:
        return None
    if any(not hasattr(writer, name) for name in _WRITER_ATTRS):
        return None
    protocol = writer.protocol
    if any(not hasattr(protocol, name) for name in _PROTOCOL_ATTRS):
        return None
    if writer.compress or writer.use_mask or not isinstance(writer._output_size, int):
        return None  # permessage-deflate (or a client's mask): aiohttp's writer owns the compressor
    return FrameWriter(writer)


class FrameWriter:
    """Writes unmasked, uncompressed text frames the way aiohttp's writer would."""

    __slots__ = ("_writer",)

    def __init__(self, writer: Any) -> None:
        self._writer = writer

    def write(self, text: str) -> bool:
        """Write one text frame (FIN, opcode 1) now. True when the caller must then await `drain`
        (aiohttp's flow control: past its limit while the transport is paused). Raises
        `FrameWriteError` when the connection is closing."""
        writer = self._writer
        transport = writer.transport
        if writer._closing or transport.is_closing():
            raise FrameWriteError("Cannot write to closing transport")
        data = text.encode()
        n = len(data)
        if n < 126:
            transport.write(bytes((0x81, n)) + data)
            n += 2
        elif n < 65536:
            if n > _JOIN_LIMIT:
                transport.write(_LEN2(0x81, 126, n))
                transport.write(data)
            else:
                transport.write(_LEN2(0x81, 126, n) + data)
            n += 4
        else:
            transport.write(_LEN3(0x81, 127, n))
            transport.write(data)
            n += 10
        size = writer._output_size + n
        if size > writer._limit:  # as aiohttp's writer: reset the count, wait if writing is paused
            writer._output_size = 0
            return bool(writer.protocol._paused)
        writer._output_size = size
        return False

    async def drain(self) -> None:
        """Wait until the transport takes writes again (aiohttp's own drain helper)."""
        await self._writer.protocol._drain_helper()
