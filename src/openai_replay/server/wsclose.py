"""The server's side of a closing handshake that keeps listening.

aiohttp's ``close()`` either drops the connection at once (when a reader is waiting, as ours always
is) or reads on and throws away every frame until the client's close frame. Either way a client that
sends its next turn into the half-open socket loses it with no trace. Instead the server sends its
close frame and its reader loop goes on: frames that arrive before the client's close frame are
logged as discarded, and the client's close frame ends the loop. A client that never answers is cut
off after ``CLOSE_TIMEOUT`` seconds.
"""

from __future__ import annotations

from aiohttp import web

#: Seconds the server waits for the client's close frame after sending its own.
CLOSE_TIMEOUT = 2.0


async def send_close_frame(ws: web.WebSocketResponse, code: int, message: bytes) -> bool:
    """Send the close frame and leave the socket open for reading; False when that cannot be done
    here (then the caller closes the usual way). Uses aiohttp internals, pinned by tests/server/test_wsclose.py."""
    writer = getattr(ws, "_writer", None)
    if writer is None or ws.closed or not hasattr(ws, "_autoclose"):
        return False
    ws._autoclose = False  # the client's close frame then ends our reader loop; we do not answer it twice
    await writer.close(code, message)
    return True
