"""Raw-socket clients that keep every byte the server wrote after its headers, for byte-exact checks.

An SSE answer is read to the end of its chunked body; a WebSocket turn is read frame by frame (server
frames are unmasked) until the frame that ends the turn. Each read is bounded by ``timeout``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import struct
import zlib
from typing import Any

AUTH = "Bearer test-key"
ENDS = (b'{"type":"response.completed"', b'{"type":"response.failed"', b'{"type":"response.incomplete"', b'{"type":"error"')


async def _headers(reader: asyncio.StreamReader, timeout: float) -> bytes:
    return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)


async def sse_body(port: int, body: dict[str, Any], timeout: float = 10) -> bytes:
    """POST /v1/responses with ``body``; the raw body bytes as written (chunk framing included)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        data = json.dumps(body).encode()
        head = (
            f"POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {AUTH}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\nConnection: close\r\n\r\n"
        )
        writer.write(head.encode() + data)
        head_in = await _headers(reader, timeout)
        assert head_in.startswith(b"HTTP/1.1 200"), head_in
        received = b""
        while not received.endswith(b"\r\n0\r\n\r\n"):
            chunk = await asyncio.wait_for(reader.read(1 << 16), timeout)
            if not chunk:
                break
            received += chunk
        return received
    finally:
        writer.close()


class WsWire:
    """A WebSocket client on a raw socket: sends masked text frames, keeps the server's frames as bytes."""

    def __init__(self, port: int, *, deflate: bool = False, path: str = "/v1/responses") -> None:
        self.port = port
        self.deflate = deflate
        self.path = path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.inflater = zlib.decompressobj(-15)

    async def __aenter__(self) -> WsWire:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        key = base64.b64encode(os.urandom(16)).decode()
        extension = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if self.deflate else ""
        self.writer.write(
            (
                f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: {AUTH}\r\n{extension}\r\n"
            ).encode()
        )
        head = await _headers(self.reader, 10)
        assert head.startswith(b"HTTP/1.1 101"), head
        assert (b"permessage-deflate" in head) == self.deflate, head
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.close()

    async def send(self, event: dict[str, Any]) -> None:
        assert self.writer is not None
        payload = json.dumps(event).encode()
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        n = len(payload)
        head = struct.pack("!BB", 0x81, 0x80 | n) if n < 126 else struct.pack("!BBH", 0x81, 0x80 | 126, n)
        self.writer.write(head + mask + masked)

    async def _frame(self, timeout: float) -> tuple[bytes, bytes]:
        """The next server frame: its bytes as written, and its payload (inflated when compressed)."""
        assert self.reader is not None
        head = await asyncio.wait_for(self.reader.readexactly(2), timeout)
        n = head[1] & 0x7F
        extra = b""
        if n == 126:
            extra = await asyncio.wait_for(self.reader.readexactly(2), timeout)
            n = struct.unpack("!H", extra)[0]
        elif n == 127:
            extra = await asyncio.wait_for(self.reader.readexactly(8), timeout)
            n = struct.unpack("!Q", extra)[0]
        payload = await asyncio.wait_for(self.reader.readexactly(n), timeout)
        raw = head + extra + payload
        if head[0] & 0x40:  # compressed (RFC 7692, context takeover)
            payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
        return raw, payload

    async def frame(self, timeout: float = 10) -> str:
        """The next server frame's text."""
        return (await self._frame(timeout))[1].decode()

    async def turn(self, timeout: float = 10) -> bytes:
        """Every byte of the server's frames up to and including the frame that ends the turn."""
        raw = b""
        while True:
            frame, payload = await self._frame(timeout)
            raw += frame
            if payload.startswith(ENDS):
                return raw
