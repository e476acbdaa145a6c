"""What the fake server and the recording proxy share: a loopback aiohttp site, its addresses, and
two lifecycles (``async with`` on the caller's loop, or ``with`` on a background thread)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any, TypeVar

from aiohttp import web

from openai_replay.server.tls import TlsMaterial

#: Pending connections the kernel queues before accept (the OS may cap it: net.core.somaxconn).
LISTEN_BACKLOG = 1024

Self = TypeVar("Self", bound="LoopbackService")


class LoopbackService:
    """Subclasses implement ``start()`` (calling `_listen`) and ``stop()`` (calling `_close`)."""

    #: How the service names itself in errors ("the fake server", "the recording proxy").
    noun = "the service"
    #: The name of its background thread in ``with`` mode (tests look for it).
    thread_name = "openai-replay-service"

    def __init__(self, host: str, port: int, tls: TlsMaterial | None = None) -> None:
        self.host = host
        self._port = port
        self.tls = tls
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- addresses -----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        if not self._port:
            kind = type(self).__name__
            raise RuntimeError(f"{self.noun} is not started yet: use 'async with {kind}(...)' or 'with {kind}(...)'")
        return self._port

    @property
    def url(self) -> str:
        """The ``base_url`` for the openai SDK, e.g. ``http://127.0.0.1:8123/v1``."""
        return f"{'https' if self.tls else 'http'}://{self._host_for_url()}:{self.port}/v1"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://{self._host_for_url()}:{self.port}/v1/responses"

    def _host_for_url(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    # -- the site ------------------------------------------------------------------------------
    async def _listen(self, app: web.Application, **handler_settings: Any) -> None:
        """Serve ``app``; ``handler_settings`` go to aiohttp's per-connection handler (timeouts, logger)."""
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=2.0, **handler_settings)
        await self._runner.setup()
        ssl_ctx = self.tls.server_context if self.tls else None
        if self.tls is not None:
            self.tls.write()
        # A test suite may open hundreds of connections at once; with aiohttp's backlog of 128 the
        # surplus connects are dropped by the kernel and retried a second or three later.
        site = web.TCPSite(self._runner, self.host, self._port, ssl_context=ssl_ctx, reuse_address=True, backlog=LISTEN_BACKLOG)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self._port = sockets[0].getsockname()[1]

    async def _close(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
        if self.tls is not None:
            self.tls.remove()  # no throwaway CA file outlives the server

    async def start(self: Self) -> Self:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def __aenter__(self: Self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- thread-backed lifecycle for sync code -------------------------------------------------
    def start_in_thread(self: Self, timeout: float = 10.0) -> Self:
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

        self._thread = threading.Thread(target=run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise RuntimeError(f"{self.noun} did not start within {timeout} s")
        if failure:
            raise RuntimeError(f"{self.noun} failed to start: {failure[0]}") from failure[0]
        return self

    def stop_thread(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)
            self._thread = None
            self._loop = None

    def __enter__(self: Self) -> Self:
        return self.start_in_thread()

    def __exit__(self, *exc: Any) -> None:
        self.stop_thread()
