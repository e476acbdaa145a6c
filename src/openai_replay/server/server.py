"""`FakeServer`: the fake Responses server on a loopback port, async or in a background thread.

async with FakeServer() as server:
    client = AsyncOpenAI(base_url=server.url, api_key="test")

with FakeServer() as server:          # sync code: the server runs in its own thread
    client = OpenAI(base_url=server.url, api_key="test")
"""

from __future__ import annotations

import logging
from typing import Any

from openai_replay.clock import Clock, SystemClock
from openai_replay.config import ServerConfig
from openai_replay.exposure import control_exposure_problem
from openai_replay.log import RequestLog
from openai_replay.server.app import build_app
from openai_replay.server.loopback import LoopbackService
from openai_replay.server.receive import handler_settings
from openai_replay.server.sessions import Session, Sessions
from openai_replay.server.state import ServerState
from openai_replay.server.tls import make_tls
from openai_replay.source import Source

log = logging.getLogger("openai_replay.server")


class FakeServer(LoopbackService):
    """A running fake server. Binds 127.0.0.1 on a free port unless told otherwise."""

    noun = "the fake server"
    thread_name = "openai-replay-server"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: ServerConfig | None = None,
        source: Source | None = None,
        clock: Clock | None = None,
        tls: bool = False,
        control: bool = True,
        control_token: str | None = None,
        **settings: Any,
    ) -> None:
        base = config or ServerConfig()
        base = base.replace(**settings) if settings else base
        self.config = base
        self.state = ServerState(config=base, clock=clock or SystemClock())
        #: The default session (``state``) and the named ones (``X-Replay-Session``).
        self.sessions = Sessions(Session(None, self.state, base, self.state.source))
        #: Serve the test-only control API under ``/__replay/`` (``serve --no-control`` turns it off).
        self.control = control
        #: With a token, every control request must send it (``X-Replay-Control-Token``).
        self.control_token = control_token or None
        refused = control_exposure_problem(host, control, self.control_token)
        if refused is not None:
            raise ValueError(f"FakeServer(host={host!r}): {refused}")
        if source is not None:
            self.use(source)
            self.sessions.default.base_source = source
        super().__init__(host, port, make_tls() if tls else None)

    @property
    def base_config(self) -> ServerConfig:
        """The config the server was built with; ``config`` is the one in effect (a scenario may override)."""
        return self.sessions.default.base_config

    @base_config.setter
    def base_config(self, value: ServerConfig) -> None:
        self.sessions.default.base_config = value

    # -- what happened -------------------------------------------------------------------------
    @property
    def log(self) -> RequestLog:
        return self.state.log

    @property
    def requests(self) -> RequestLog:
        return self.state.log

    @property
    def control_url(self) -> str:
        """Where the test-only control API answers (``.../__replay``); see docs/control-api.md."""
        return self.url[: -len("/v1")] + "/__replay"

    @property
    def clock(self) -> Clock:
        return self.state.clock

    def use(self, source: Source) -> None:
        """Answer from now on with ``source`` (a scenario, a cassette, the simulated model).

        A source with ``config_overrides`` (a scenario turning protocol rules off, say) gets them
        applied over the base config; any other source runs on the base config.
        """
        self.sessions.default.use(source)
        self.config = self.state.config

    def reset(self) -> None:
        """Forget requests, stored responses and id state, and undo ``use()``: back to the source the
        server was built with, on the base config (plus that source's own overrides). The port stays."""
        self.use(self.sessions.default.base_source)
        self.state.reset()

    # -- lifecycle (the thread-backed one comes from LoopbackService) --------------------------
    async def start(self) -> FakeServer:
        app = build_app(self.state, self.sessions, control=self.control, control_token=self.control_token)
        await self._listen(app, **handler_settings(self.base_config))
        log.info("openai_replay.server: listening on %s", self.url)
        return self

    async def stop(self) -> None:
        await self._close()
