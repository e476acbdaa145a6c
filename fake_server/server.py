"""`FakeServer`: the fake Responses server on a loopback port, async or in a background thread.

async with FakeServer() as server:
    client = AsyncOpenAI(base_url=server.url, api_key="test")

with FakeServer() as server:          # sync code: the server runs in its own thread
    client = OpenAI(base_url=server.url, api_key="test")
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiohttp import web

from openai_replay.clock import Clock, SystemClock
from openai_replay.config import ServerConfig
from openai_replay.log import RequestLog
from openai_replay.source import Source

from .app import build_app
from .state import ServerState
from .tls import TlsMaterial, make_tls

log = logging.getLogger("fake_server")


class FakeServer:
    """A running fake server. Binds 127.0.0.1 on a free port unless told otherwise."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        config: ServerConfig | None = None,
        source: Source | None = None,
        clock: Clock | None = None,
        tls: bool = False,
        **settings: Any,
    ) -> None:
        base = config or ServerConfig()
        #: The config the server was built with; ``config`` is the one in effect (a scenario may override).
        self.base_config = base.replace(**settings) if settings else base
        self.config = self.base_config
        self.state = ServerState(config=self.config, clock=clock or SystemClock())
        self._base_source: Source = self.state.source
        if source is not None:
            self.use(source)
            self._base_source = source
        self.host = host
        self._port = port
        self.tls: TlsMaterial | None = make_tls() if tls else None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- addresses -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the server is not started yet: use 'async with FakeServer()' or 'with FakeServer()'")
        return self._port

    @property
    def url(self) -> str:
        """The ``base_url`` for the openai SDK, e.g. ``http://127.0.0.1:8123/v1``."""
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{self._host_for_url()}:{self.port}/v1"

    @property
    def ws_url(self) -> str:
        scheme = "wss" if self.tls else "ws"
        return f"{scheme}://{self._host_for_url()}:{self.port}/v1/responses"

    def _host_for_url(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    # -- what happened -------------------------------------------------------------------------
    @property
    def log(self) -> RequestLog:
        return self.state.log

    @property
    def requests(self) -> RequestLog:
        return self.state.log

    @property
    def clock(self) -> Clock:
        return self.state.clock

    def use(self, source: Source) -> None:
        """Answer from now on with ``source`` (a scenario, a cassette, the simulated model).

        A source with ``config_overrides`` (a scenario turning protocol rules off, say) gets them
        applied over the base config; any other source runs on the base config.
        """
        overrides = dict(getattr(source, "config_overrides", None) or {})
        self._apply_config(self.base_config.replace(**overrides) if overrides else self.base_config)
        self.state.source = source

    def reset(self) -> None:
        """Forget requests, stored responses and id state, and undo ``use()``: back to the source the
        server was built with, on the base config (plus that source's own overrides). The port stays."""
        self.use(self._base_source)
        self.state.reset()

    def _apply_config(self, config: ServerConfig) -> None:
        self.config = config
        self.state.config = config
        self.state.protocol.config = config  # the protocol rules read the same object

    # -- async lifecycle -----------------------------------------------------------------------
    async def start(self) -> FakeServer:
        app = build_app(self.state)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0)
        await self._runner.setup()
        ssl_ctx = self.tls.server_context if self.tls else None
        site = web.TCPSite(self._runner, self.host, self._port, ssl_context=ssl_ctx, reuse_address=True)
        await site.start()
        server = site._server
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self._port = sockets[0].getsockname()[1]
        log.info("fake_server: listening on %s", self.url)
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> FakeServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- thread-backed lifecycle for sync code -------------------------------------------------
    def start_in_thread(self, timeout: float = 10.0) -> FakeServer:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller below
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="openai-replay-server", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f"the fake server did not start within {timeout} s")
        if failure:
            raise RuntimeError(f"the fake server failed to start: {failure[0]}") from failure[0]
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            self._thread = None
            self._loop = None

    def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn(*args)`` on the server's loop (thread mode) and return its result."""
        if self._loop is None:
            return fn(*args)
        done = asyncio.run_coroutine_threadsafe(_call(fn, *args), self._loop)
        return done.result(10)

    def __enter__(self) -> FakeServer:
        return self.start_in_thread()

    def __exit__(self, *exc: object) -> None:
        self.stop_thread()


async def _call(fn: Any, *args: Any) -> Any:
    return fn(*args)
