"""`RecordingProxy`: a loopback proxy to the real API that writes everything it sees to a cassette.

    async with RecordingProxy(upstream="https://api.openai.com/v1", out="cassettes/chat.json") as proxy:
        client = AsyncOpenAI(base_url=proxy.url)          # the proxy adds your OPENAI_API_KEY
        ...
    # cassettes/chat.json is written (atomically) when the proxy stops

    with RecordingProxy(upstream=..., out=...) as proxy:  # sync code: runs in its own thread
        ...

It has the surface of `FakeServer`: ``.url``, ``.ws_url``, ``.log`` (a `RequestLog` filled the same
way). WebSocket mode and HTTP (SSE or JSON, any path) are forwarded as they arrive; the file is saved
again after connections finish (``autosave``, on a thread of its own; saves coalesce), so a crash
loses what finished since the last save began, and the newest seconds of connections still open
(their partial text is refreshed every `PARTIAL_EVERY` seconds). `autosave_behind` says how far
behind it is; `autosave_error` why it cannot save.

Options: ``redact`` (a `Redactor`, or hooks that see each connection before it is written),
``keep`` (a cassette whose connections stay at the front of the file: record modes ``all`` and
``new_episodes``), ``replay`` (answer what that cassette holds instead of forwarding it:
``new_episodes``), ``meta`` (extra facts for the file, e.g. ``{"rerecord": "pytest tests/x.py
--record-mode=rewrite"}``, which replay then prints as the way to re-record).
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from openai_replay.cassette.autosave import BackgroundSaver
from openai_replay.cassette.model import Cassette
from openai_replay.cassette.outfile import RecordingNotSaved
from openai_replay.cassette.recording import Recording
from openai_replay.cassette.redact import Hook, Redactor, as_redactor
from openai_replay.cassette.replay import CassetteReplay
from openai_replay.cassette.store import write_atomic
from openai_replay.errors import ApiError
from openai_replay.exposure import is_loopback
from openai_replay.log import RequestLog
from openai_replay.server.episodes import Discard, relay_episode_ws, replays_http
from openai_replay.server.loopback import LoopbackService
from openai_replay.server.relay import Relay, relay_http, relay_websocket
from openai_replay.server.server import FakeServer
from openai_replay.server.upstream import Upstream

log = logging.getLogger("openai_replay.server.recorder")

#: Seconds an autosave reuses the partial text of a connection still open before scrubbing it again.
PARTIAL_EVERY = 2.0


class RecordingProxy(LoopbackService):
    """Forwards to ``upstream`` and records to ``out``. Binds 127.0.0.1 on a free port by default."""

    noun = "the recording proxy"
    thread_name = "openai-replay-recorder"

    def __init__(
        self,
        upstream: str,
        out: str | os.PathLike[str],
        api_key: str | None = None,
        redact: Redactor | Hook | Iterable[Hook] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        keep: Cassette | None = None,
        replay: Cassette | None = None,
        autosave: bool = True,
        meta: dict[str, Any] | None = None,
        lend_key: bool | None = None,
    ) -> None:
        self.upstream = Upstream(upstream, api_key)
        self.out = Path(out)
        self.redactor = as_redactor(redact)
        self.redactor.add_secret(self.upstream.api_key)
        #: Whether a caller without its own ``Authorization`` gets the user's key attached: by default
        #: only on a loopback bind (the caller is on this machine); ``lend_key=True`` asks for it elsewhere.
        self.lends_key = is_loopback(host) if lend_key is None else lend_key
        if not self.lends_key:
            self.upstream.api_key = None  # each caller's own Authorization is forwarded, and only that
        super().__init__(host, port)
        self.autosave = autosave
        self.recording = Recording(upstream=upstream, redactor=self.redactor, keep=keep, on_finished=self._finished, meta=meta)
        self._log = RequestLog()
        self._session: aiohttp.ClientSession | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._save_lock = threading.Lock()
        #: Connections (kept ones included) in ``out`` as last written; None before the first write.
        self.written: int | None = None
        self._saver = BackgroundSaver(self._autosave, name=f"openai-replay-autosave {self.out.name}")
        #: Record mode ``new_episodes``: what ``replay`` holds is answered from it, not recorded again.
        self.replayer = CassetteReplay(replay, redactor=self.redactor) if replay is not None else None
        self._replay_server: FakeServer | None = None

    # -- what happened ---------------------------------------------------------------------------
    @property
    def log(self) -> RequestLog:
        return self._log

    @property
    def requests(self) -> RequestLog:
        return self._log

    def cassette(self) -> Cassette:
        """What has been recorded so far, scrubbed (as it would be written)."""
        return self.recording.cassette()

    def failures(self) -> list[str]:
        """Requests the proxy answered itself because the upstream was unreachable (a recording with
        any of these is not a cassette: `openai-replay record` and the pytest plugin set it aside)."""
        return list(self.recording.failures)

    @property
    def autosaves(self) -> int:
        """How many autosaves (on the saver's thread) have completed."""
        return self._saver.saves

    def autosave_behind(self) -> tuple[int, float]:
        """(finished connections no autosave has written yet, seconds the oldest has waited)."""
        return self._saver.behind()

    @property
    def autosave_error(self) -> OSError | None:
        """Why the last autosave failed (read-only folder, disk full), or None."""
        return self._saver.error

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the cassette now (atomically) to ``out`` or ``path``; finished connections are not rendered again."""
        return self._write(Path(path) if path is not None else self.out, None)

    def _autosave(self) -> Path:
        return self._write(self.out, PARTIAL_EVERY)

    def _write(self, target: Path, partial_every: float | None) -> Path:
        with self._save_lock:
            text = self.recording.render(f"cassette for {target} (not written)", partial_every=partial_every)
            count = self.recording.rendered  # what the text holds: an autosave leaves young open connections out
            written = write_atomic(target, text)
            if target == self.out:
                self.written = count
            return written

    def _finished(self) -> None:
        if self.autosave and self._runner is not None:
            self._saver.request()  # saved on the saver's thread: the event loop keeps relaying

    # -- async lifecycle -------------------------------------------------------------------------
    async def start(self) -> RecordingProxy:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=30), auto_decompress=True)
        relay = Relay(self.upstream, self._session, self.recording, self._log, self._sockets)
        replayed: Relay | None = None
        if self.replayer is not None:
            self._replay_server = await FakeServer(source=self.replayer).start()
            target = Upstream(self._replay_server.url, api_key="openai-replay")
            replayed = Relay(target, self._session, Discard(), self._log, self._sockets)

        async def dispatch(request: web.Request) -> web.StreamResponse:
            if not self.lends_key and not request.headers.get("Authorization"):
                return self._no_key_lent()
            websocket = request.method == "GET" and request.headers.get("Upgrade", "").lower() == "websocket"
            if replayed is not None and self.replayer is not None:
                if websocket:
                    return await relay_episode_ws(relay, replayed, self.replayer, request)
                if replays_http(self.replayer, request, await request.read()):
                    return await relay_http(replayed, request)
            if websocket:
                return await relay_websocket(relay, request)
            return await relay_http(relay, request)

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", dispatch)
        app.on_shutdown.append(self._close_sockets)
        await self._listen(app)
        log.info("openai-replay record: proxy on %s -> %s", self.url, self.redactor.text(self.upstream.base_url))
        return self

    def _no_key_lent(self) -> web.Response:
        """The proxy's own 401 (never forwarded, never recorded) for a caller that brought no key."""
        message = (
            f"This recording proxy listens on {self.host} and lends no API key: send your own "
            "'Authorization: Bearer <key>' header, or restart 'openai-replay record' with --lend-key."
        )
        body = ApiError(401, message, code="no_key_lent").http_body()
        return web.json_response(body, status=401)

    async def _close_sockets(self, app: web.Application) -> None:
        for ws in list(self._sockets):
            await ws.close(code=1001, message=b"recording stopped")

    async def stop(self) -> None:
        await self._close()
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()
        if self._replay_server is not None:
            server, self._replay_server = self._replay_server, None
            await server.stop()
        await asyncio.to_thread(self._saver.close)  # let a save in flight finish, off the loop
        try:
            self.save()
        except OSError as exc:
            raise RecordingNotSaved(self.out, exc) from exc
