"""Typed keys for what the aiohttp application carries."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from openai_replay.server.coalesce import Burst
from openai_replay.server.state import ServerState

STATE = web.AppKey("state", ServerState)
SESSIONS: web.AppKey[set[Any]] = web.AppKey("sessions")
#: The tasks moving background responses along (cancelled when the server stops).
BACKGROUND: web.AppKey[set[asyncio.Future[None]]] = web.AppKey("background")
#: Responses begun in this event-loop pass (`openai_replay.server.coalesce.WS_EARLY`).
BURST: web.AppKey[Burst] = web.AppKey("burst", Burst)
