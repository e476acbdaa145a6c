"""Isolated worlds on one server: the ``X-Replay-Session`` header (or the ``replay_session`` query
parameter, for WebSocket clients that cannot set headers) picks a session with its own request log,
scenario, response store, ids and connection cache, so parallel suites can share one server.

Requests without a session use the default one (``FakeServer.state``). A named session is made on
first use with the server's base config and clock, answering with the simulated model until a
scenario is loaded into it (``PUT /__replay/scenario`` with the same header).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping

from aiohttp import web

from openai_replay.config import ServerConfig
from openai_replay.server.keys import STATE
from openai_replay.server.state import ServerState
from openai_replay.simulated import SimulatedModel
from openai_replay.source import Source

HEADER = "X-Replay-Session"
QUERY = "replay_session"
#: Session names are short and safe to print: letters, digits, ``.``, ``_``, ``-``, ``:``.
NAME = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: A server keeps at most this many named sessions (each holds a log); the oldest untouched goes first.
MAX_SESSIONS = 256


class SessionNameError(ValueError):
    """The session name in a header or query parameter is not usable; the message says why."""


class Session:
    """One isolated world: its state, and what ``reset`` and ``use`` go back to."""

    def __init__(self, name: str | None, state: ServerState, base_config: ServerConfig, base_source: Source) -> None:
        self.name = name
        self.state = state
        self.base_config = base_config
        self.base_source = base_source

    def use(self, source: Source) -> None:
        """Answer with ``source`` from now on, on the base config plus its ``config_overrides``."""
        overrides = dict(getattr(source, "config_overrides", None) or {})
        config = self.base_config.replace(**overrides) if overrides else self.base_config
        self.state.config = config
        self.state.protocol.config = config  # the protocol rules read the same object
        self.state.log.limit = config.log_limit
        self.state.log.payload_limit = config.log_payload_limit
        self.state.store.limit = config.store_limit
        self.state.source = source

    def reset(self) -> None:
        """Back to the base source (its rule counts and played interactions forgotten), an empty log,
        no stored responses, ids from the seed."""
        self.use(self.base_source)
        forget = getattr(self.base_source, "reset", None)
        if callable(forget):
            forget()
        self.state.reset()


class Sessions:
    """The default session and the named ones, made on first use."""

    def __init__(self, default: Session) -> None:
        self.default = default
        self._named: dict[str, Session] = {}
        self._lock = threading.Lock()

    def get(self, name: str | None) -> Session:
        if name is None:
            return self.default
        if not NAME.match(name):
            raise SessionNameError(f"session name {name[:60]!r} is not usable: use 1-128 letters, digits, '.', '_', ':' or '-'")
        with self._lock:
            session = self._named.pop(name, None)
            if session is None:
                session = self._new(name)
            self._named[name] = session  # most recently used last
            while len(self._named) > MAX_SESSIONS:
                del self._named[next(iter(self._named))]
            return session

    def _new(self, name: str) -> Session:
        base = self.default
        state = ServerState(config=base.base_config, clock=base.state.clock, source=SimulatedModel(), session=name)
        return Session(name, state, base.base_config, state.source)

    def all(self) -> list[Session]:
        with self._lock:
            return [self.default, *self._named.values()]

    def named(self) -> list[str]:
        with self._lock:
            return list(self._named)


def session_name(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The session a request names (header first, then query parameter), or None for the default."""
    value = headers.get(HEADER)
    if value is None:
        value = query.get(QUERY)
    return value


SESSIONS_KEY: web.AppKey[Sessions] = web.AppKey("replay_sessions", Sessions)


def session_for(request: web.Request) -> Session:
    """The session a request names (`SessionNameError` for an unusable name), or the default one.

    An app built without sessions has only its one state, and refuses a session name."""
    name = session_name(request.headers, request.query)
    sessions = request.app.get(SESSIONS_KEY)
    if sessions is not None:
        return sessions.get(name)
    if name is not None:
        raise SessionNameError(f"this server keeps no sessions: drop the {HEADER} header")
    state = request.app[STATE]
    return Session(None, state, state.config, state.source)


def state_for(request: web.Request) -> ServerState:
    """The state (log, scenario, store, ids) of the session a request names, or the default one."""
    return session_for(request).state
