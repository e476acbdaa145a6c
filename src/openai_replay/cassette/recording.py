"""A recording in progress: what a recorder notes as traffic passes, turned into a cassette.

The recorder (``openai_replay.server.recorder``) opens a `WsTap` per WebSocket connection and an `HttpTap`
per HTTP exchange and reports frames, events, answers and endings as they happen; offsets are
taken from a monotonic clock. `Recording.cassette()` scrubs everything through the `Redactor`
(headers allowlist, secrets, user hooks) at the moment the cassette is written.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from openai_replay import __version__
from openai_replay.cassette.model import Cassette, Connection, Ending, HttpExchange, Sender, SseEvent, WsConnection, WsFrame
from openai_replay.cassette.redact import Redactor
from openai_replay.cassette.store import assemble, connection_text
from openai_replay.realtime.replay import PATH as REALTIME_PATH
from openai_replay.realtime.replay import compact_append


def _round(seconds: float) -> float:
    return round(max(0.0, seconds), 3)


def public_url(url: str) -> str:
    """``url`` without any user:password part."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


class _Tap:
    def __init__(self, recording: Recording) -> None:
        self.recording = recording
        self.opened = recording.clock()

    def now(self) -> float:
        return _round(self.recording.clock() - self.opened)


class WsTap(_Tap):
    """Notes one WebSocket connection."""

    def __init__(self, recording: Recording, conn: WsConnection) -> None:
        super().__init__(recording)
        self.conn = conn

    def frame(self, sender: Sender, text: str | None = None, binary: bytes | None = None) -> None:
        if sender == "client" and text is not None and self.conn.path == REALTIME_PATH:
            text = compact_append(text)  # a Realtime append keeps its audio's digest and length only
        encoded = base64.b64encode(binary).decode("ascii") if binary is not None else None
        self.conn.frames.append(WsFrame(self.now(), sender, text if encoded is None else None, encoded))

    def refused(self, status: int, headers: Mapping[str, str], body: str | None, note: str | None = None) -> None:
        self.conn.status, self.conn.response_headers, self.conn.body = status, dict(headers), body
        self.conn.note = note
        self.recording.finished(self.conn)

    def accepted(self, headers: Mapping[str, str]) -> None:
        self.conn.response_headers = dict(headers)

    def closed(self, by: Sender, code: int | None, reason: str = "", *, dropped: bool = False) -> None:
        if self.conn.close is None:
            self.conn.close = Ending(self.now(), by, code, reason, dropped)
            self.recording.finished(self.conn)


class HttpTap(_Tap):
    """Notes one HTTP exchange."""

    def __init__(self, recording: Recording, exchange: HttpExchange) -> None:
        super().__init__(recording)
        self.exchange = exchange

    def answer(self, status: int, headers: Mapping[str, str], *, stream: bool) -> None:
        self.exchange.status, self.exchange.response_headers = status, dict(headers)
        if stream:
            self.exchange.events = []

    def event(self, event: str, data: str) -> None:
        if self.exchange.events is None:
            self.exchange.events = []
        self.exchange.events.append(SseEvent(self.now(), event, data))

    def body(self, text: str) -> None:
        self.exchange.body = text

    def body_bytes(self, data: bytes) -> None:
        """The answer's bytes: kept as text when they are UTF-8, else base64 (``body_base64``)."""
        try:
            self.exchange.body = data.decode("utf-8")
        except UnicodeDecodeError:
            self.exchange.body, self.exchange.body_base64 = None, base64.b64encode(data).decode("ascii")

    def ended(self, by: Sender, *, dropped: bool = False, note: str | None = None) -> None:
        if self.exchange.end is None:
            self.exchange.end = Ending(self.now(), by, None, "", dropped)
            if note:
                self.exchange.note = note
            self.recording.finished(self.exchange)


class Recording:
    """Connections noted so far, in the order they were opened."""

    def __init__(
        self,
        *,
        upstream: str,
        redactor: Redactor | None = None,
        keep: Cassette | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_finished: Callable[[], None] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> None:
        self.upstream = public_url(upstream)
        self.extra_meta = dict(meta or {})
        self.redactor = redactor or Redactor()
        self.keep = keep
        self.clock = clock
        self.started = clock()
        self.recorded_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        self.connections: list[Connection] = []
        self.on_finished = on_finished
        #: Errors the recorder made up because the upstream could not answer (never a real answer).
        self.failures: list[str] = []
        self._lock = threading.Lock()
        #: id(finished connection) -> (redactor generation, its text, or None if a hook dropped it)
        self._pieces: dict[int, tuple[int, str | None]] = {}
        #: Connections (kept ones included) in the text the last `render` returned.
        self.rendered = 0
        #: id(open connection) -> (redactor generation, when rendered, its partial text): autosave reuse
        self._partial: dict[int, tuple[int, float, str | None]] = {}
        self._kept: list[str] | None = None
        self._learned_at: dict[int, tuple[int, bool]] = {}
        self._done: set[int] = set()  # ids of connections whose tap has finished

    def _offset(self) -> float:
        return _round(self.clock() - self.started)

    def open_ws(self, path: str, query: str, headers: Mapping[str, str]) -> WsTap:
        conn = WsConnection(started_at=self._offset(), path=path, query=query, request_headers=dict(headers))
        with self._lock:
            self.connections.append(conn)
        return WsTap(self, conn)

    def open_http(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes | None) -> HttpTap:
        text, binary = None, None
        if body:
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:  # a file upload's bytes: kept exactly
                binary = base64.b64encode(body).decode("ascii")
        exchange = HttpExchange(
            started_at=self._offset(),
            method=method.upper(),
            path=path,
            query=query,
            request_headers=dict(headers),
            request_body=text,
            status=None,
            request_body_base64=binary,
        )
        with self._lock:
            self.connections.append(exchange)
        return HttpTap(self, exchange)

    def proxy_failed(self, message: str) -> None:
        """The recorder answered a request itself (the upstream was unreachable): not a cassette.

        The message is scrubbed: it names the upstream URL (perhaps with a password) and is printed."""
        message = self.redactor.text(message)
        with self._lock:
            self.failures.append(message)

    def finished(self, conn: Connection | None = None) -> None:
        """A tap is done with ``conn`` (every field set): its text may now be rendered once and kept."""
        if conn is not None:
            self._done.add(id(conn))
        if self.on_finished is not None:
            self.on_finished()

    def meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = dict(self.keep.meta) if self.keep else {}
        meta.update(
            recorded_at=self.recorded_at,
            recorded_with=f"openai-replay {__version__}",
            source="proxy",
            upstream=self.upstream,
        )
        meta.update(self.extra_meta)
        return meta

    def cassette(self) -> Cassette:
        """Everything so far, scrubbed; kept (earlier) connections first."""
        current = self._learned()
        kept = list(self.keep.connections) if self.keep else []
        fresh = [c for c in (self.redactor.connection(_snapshot(conn)) for conn in current) if c is not None]
        return Cassette(connections=kept + fresh, meta=self.redactor.value(self.meta()))

    def render(self, where: str = "recording", *, partial_every: float | None = None) -> str:
        """The cassette file's text (as `dumps` of `cassette()`), scrubbed and validated.

        A finished connection is scrubbed, validated and rendered once, and its text reused by every
        later call (until the redactor learns a new secret), so saving after each connection costs
        about the time to write the file, not to rebuild it. A connection still open is rendered as
        far as it got; with ``partial_every`` (an autosave) one open for less than that is left for a
        later save (most finish first: a burst of short streams is scrubbed once, not twice), and a
        partial text is reused for that many seconds, so a save while hundreds of streams are open
        does not scrub them all again.
        """
        current = self._learned()
        generation = self.redactor.generation
        pieces = list(self._kept_pieces(where))
        now = self.clock()
        for conn in current:
            cached = self._pieces.get(id(conn))
            partial = self._partial.get(id(conn)) if partial_every else None
            if cached is not None and cached[0] == generation:
                piece = cached[1]
            elif partial and id(conn) not in self._done and partial[0] == generation and now - partial[1] < (partial_every or 0):
                piece = partial[2]
            elif partial_every and id(conn) not in self._done and now - self.started - conn.started_at < partial_every:
                continue  # open for less than partial_every: written once it finishes, or by a later save
            else:
                done = id(conn) in self._done  # read before the copy: only a copy taken after the end is final
                scrubbed = self.redactor.connection(_snapshot(conn))
                piece = connection_text(scrubbed.to_json(), where) if scrubbed is not None else None
                if done:
                    self._pieces[id(conn)] = (generation, piece)
                    self._partial.pop(id(conn), None)
                else:
                    self._partial[id(conn)] = (generation, now, piece)
            if piece is not None:
                pieces.append(piece)
        self.rendered = len(pieces)
        return assemble(self.redactor.value(self.meta()), pieces)

    def _learned(self) -> list[Connection]:
        """The connections so far, their secrets noted first (a secret seen late is scrubbed everywhere)."""
        with self._lock:
            current = list(self.connections)
        for conn in current:
            size = (_grown(conn), id(conn) in self._done)  # read before learning: a later change is learned again
            if self._learned_at.get(id(conn)) != size:  # a finished connection is read for secrets once
                self.redactor.learn(conn)
                self._learned_at[id(conn)] = size
        return current

    def _kept_pieces(self, where: str) -> list[str]:
        if self._kept is None:
            kept = self.keep.connections if self.keep else []
            self._kept = [connection_text(conn.to_json(), where) for conn in kept]
        return self._kept


def _grown(conn: Connection) -> int:
    return len(conn.frames) if isinstance(conn, WsConnection) else len(conn.events or ())


def _snapshot(conn: Connection) -> Connection:
    """A copy safe to scrub while the live connection keeps growing."""
    if isinstance(conn, WsConnection):
        return WsConnection.from_json(conn.to_json())
    return HttpExchange.from_json(conn.to_json())
