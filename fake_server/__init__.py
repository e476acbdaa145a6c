"""The fake OpenAI server (aiohttp): WebSocket mode and HTTP, real protocol semantics.

This package is the public face; the implementation is ``openai_replay.server``. The plugin and
the CLI import the implementation, so a user's own ``fake_server`` module cannot shadow them.
"""

from openai_replay.server import FakeServer, ServerState

__all__ = ["FakeServer", "ServerState"]
