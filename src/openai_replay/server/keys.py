"""Typed keys for what the aiohttp application carries."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from openai_replay.server.state import ServerState

STATE = web.AppKey("state", ServerState)
SESSIONS: web.AppKey[set[Any]] = web.AppKey("sessions")
