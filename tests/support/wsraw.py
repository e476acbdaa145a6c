"""A WebSocket opened and written by hand over a TCP socket: frames byte by byte, the server's frames read back."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fake_server import FakeServer
from openai_replay.server.keys import SESSIONS

AUTH = "Bearer test-key"


def frame(payload: bytes, *, opcode: int = 0x1, mask: bool = True, claimed: int | None = None) -> bytes:
    """One client frame (FIN set); ``claimed`` overrides the length the header announces."""
    n = len(payload) if claimed is None else claimed
    bit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, bit | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, bit | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, bit | 127, n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


@asynccontextmanager
async def raw_ws(server: FakeServer) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A WebSocket opened by hand over a TCP socket: the test writes frames byte by byte."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: {AUTH}\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 101"), head
    try:
        yield reader, writer
    finally:
        writer.close()


async def server_frames(reader: asyncio.StreamReader, timeout: float = 5, stop: str = "") -> tuple[list[Any], int | None]:
    """The server's text frames (parsed) until its close frame or EOF (or a ``stop`` event), and the close code."""
    texts: list[Any] = []
    while True:
        try:
            head, payload = await asyncio.wait_for(_server_frame(reader), timeout)
        except (asyncio.IncompleteReadError, ConnectionResetError):
            return texts, None  # closed without a close frame, or reset (the client still had bytes in flight)
        if head[0] & 0x0F == 0x8:
            return texts, struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        if head[0] & 0x0F == 0x1:
            texts.append(json.loads(payload))
            if texts[-1]["type"] == stop:
                return texts, None


def sockets(server: FakeServer) -> set[Any]:
    """The server's open WebSocket sessions."""
    assert server._runner is not None
    return server._runner.app[SESSIONS]


async def _server_frame(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    """One server frame (unmasked): its first two bytes and its payload."""
    head = await reader.readexactly(2)
    n = head[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", await reader.readexactly(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", await reader.readexactly(8))[0]
    return head, await reader.readexactly(n)


async def until(condition: Any, timeout: float = 5) -> None:
    for _ in range(int(timeout / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


def recv_until(sock: socket.socket, marker: bytes, seen: bytes = b"") -> bytes:
    """Read a blocking socket until ``marker`` is in what came (``seen`` first); fails if it closes first."""
    while marker not in seen:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed before {marker!r}"
        seen += chunk
    return seen
