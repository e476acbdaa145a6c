"""The receive side of the HTTP transport: read deadlines, and client faults told apart from our bugs.

- Header deadline: aiohttp closes a connection whose handler is still waiting for a request's headers
  when its keep-alive timer fires, and it arms that timer when the connection opens. Setting the
  timer to ``header_timeout`` therefore reaps connections that trickle their headers (or send none)
  and idle keep-alive connections after the same time (uvicorn and Node close idle ones after 5 s).
- Body deadline: `read_body` gives the whole body ``body_timeout`` seconds (and, given a limit,
  stops reading at it).
- A client that hangs up or sends a malformed request is a client event: one line at INFO, never a
  traceback (`QuietProtocolLog` stands in for aiohttp's per-connection logger).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import MutableMapping
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from openai_replay.config import ServerConfig

log = logging.getLogger("openai_replay.server")

#: What a client's hang-up or garbage looks like from inside a handler or aiohttp's parser.
CLIENT_FAULTS: tuple[type[BaseException], ...] = (ConnectionError, HttpProcessingError, asyncio.IncompleteReadError)


#: Seconds the rest of an unread body is drained after an early answer (aiohttp's default: 10).
LINGER_SECONDS = 2.0


class BodyTimeout(Exception):
    """The request body did not arrive in time."""


class BodyTooLarge(Exception):
    """The request body is over the caller's limit; ``size`` is how much had arrived."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


async def read_body(request: web.Request, timeout: float | None, limit: int | None = None) -> bytes:
    """The whole body, within ``timeout`` seconds (None: no deadline); `BodyTimeout` past it, and
    `BodyTooLarge` as soon as more than ``limit`` bytes arrived (None: the app's ``client_max_size``)."""
    reading = request.read() if limit is None else _read_up_to(request, limit)
    if timeout is None:
        return await reading
    try:
        return await asyncio.wait_for(reading, timeout)
    except asyncio.TimeoutError:
        raise BodyTimeout() from None


async def _read_up_to(request: web.Request, limit: int) -> bytes:
    body = bytearray()
    async for chunk in request.content.iter_any():
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge(len(body))
    return bytes(body)


def handler_settings(config: ServerConfig) -> dict[str, Any]:
    """aiohttp's per-connection settings for this config: the header deadline and the quiet logger."""
    settings: dict[str, Any] = {
        "logger": QuietProtocolLog(logging.getLogger("aiohttp.server"), {}),
        # After an early answer (a 401, a 408), how long aiohttp reads and drops the rest of a body
        # before it closes: long enough on loopback, short enough that a trickler is not kept 10 s.
        "lingering_time": LINGER_SECONDS,
    }
    if config.header_timeout is not None:
        settings["keepalive_timeout"] = config.header_timeout
    return settings


class QuietProtocolLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's "Error handling request" for a client fault becomes one INFO line; the rest pass through."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, MutableMapping[str, Any]]:
        return msg, kwargs

    def exception(self, msg: object, *args: object, exc_info: Any = True, **kwargs: Any) -> None:
        if not _client_fault(exc_info, logging.INFO):
            self.logger.exception(msg, *args, exc_info=exc_info, **kwargs)  # type: ignore[arg-type]

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        """aiohttp logs garbage on a fresh connection (``BadHttpMethod``) at DEBUG, with a traceback."""
        if not _client_fault(kwargs.get("exc_info"), logging.DEBUG):
            self.logger.debug(msg, *args, **kwargs)


def _client_fault(exc_info: Any, level: int) -> bool:
    """Log a client fault as one line at ``level`` and say so; anything else is left to the caller."""
    error = exc_info if isinstance(exc_info, BaseException) else sys.exc_info()[1] if exc_info else None
    if not isinstance(error, CLIENT_FAULTS):
        return False
    log.log(level, "openai_replay.server: bad request from a client (%s): %s", type(error).__name__, _one_line(error))
    return True


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:200]
