"""The fake OpenAI Responses server (aiohttp): WebSocket mode and HTTP, real protocol semantics."""

from .server import FakeServer
from .state import ServerState

__all__ = ["FakeServer", "ServerState"]
