"""Isolated worlds on one server: the ``X-Replay-Session`` header (or the ``replay_session`` query
parameter, for WebSocket clients that cannot set headers) picks a session with its own request log,
scenario, response store, ids and connection cache, so parallel suites can share one server.

Requests without a session use the default one (``FakeServer.state``). A named session is made on
first use with the server's base config and clock, answering with the simulated model until a
scenario is loaded into it (``PUT /__replay/scenario`` with the same header).

Bounds (docs/reliability.md): at most `MAX_SESSIONS` named sessions; past that the least recently
used one without an open WebSocket goes. One that had state (a log, stored responses, a scenario)
is remembered as evicted: its next request fails with a 410 saying so and why, and ``verify``
cannot say ok for it, until ``POST /__replay/reset`` with its name starts it afresh. Together the
named sessions keep at most `LOG_BUDGET` logged requests and `STORE_BUDGET` stored responses:
each keeps its fair share (the budget over the number of named sessions), its oldest trimmed.
"""

from __future__ import annotations

import re
import threading
import time
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
#: Logged requests (and client frames, and connections) all named sessions together keep.
LOG_BUDGET = 4096
#: Stored (``store: true``) responses all named sessions together keep.
STORE_BUDGET = 4096
#: Names of evicted sessions remembered (so their next request fails loudly); the oldest are forgotten.
MAX_EVICTED = 10_000


class SessionNameError(ValueError):
    """The session name in a header or query parameter is not usable; the message says why."""


class SessionEvicted(SessionNameError):
    """The session was evicted with its state: answered 410 until a reset starts it afresh."""


class Session:
    """One isolated world: its state, and what ``reset`` and ``use`` go back to."""

    def __init__(self, name: str | None, state: ServerState, base_config: ServerConfig, base_source: Source) -> None:
        self.name = name
        self.state = state
        self.base_config = base_config
        self.base_source = base_source
        #: The session's share of the global budgets (None: only its config's limits apply).
        self.share: int | None = None

    def use(self, source: Source) -> None:
        """Answer with ``source`` from now on, on the base config plus its ``config_overrides``."""
        overrides = dict(getattr(source, "config_overrides", None) or {})
        config = self.base_config.replace(**overrides) if overrides else self.base_config
        self.state.config = config
        self.state.protocol.config = config  # the protocol rules read the same object
        self.state.log.payload_limit = config.log_payload_limit
        self.state.log.event_limit = config.log_event_limit
        self.state.source = source
        self.apply_limits()

    def apply_limits(self) -> None:
        """The config's log and store limits, within the session's share; trims at once."""
        config = self.state.config
        self.state.log.limit = _smaller(config.log_limit, self.share)
        self.state.store.limit = _smaller(config.store_limit, self.share)
        self.state.log.trim()
        self.state.store.trim()

    def has_state(self) -> bool:
        """Something a test may come back for: a log, stored responses, or a loaded scenario."""
        state = self.state
        return bool(len(state.log.requests) or state.log.connections or len(state.store) or state.source is not self.base_source)

    def in_use(self) -> bool:
        """A WebSocket of this session is open."""
        return any(c.closed_at is None and c.handshake_status is None for c in list(self.state.log.connections))

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
        #: name -> why it was evicted (its next request says so); insertion-ordered, bounded.
        self._evicted: dict[str, str] = {}
        self._lock = threading.Lock()

    def get(self, name: str | None, *, revive: bool = False) -> Session:
        """The session ``name`` (made on first use); `SessionEvicted` for one evicted with its state,
        unless ``revive`` (a reset) starts it afresh."""
        if name is None:
            return self.default
        if not NAME.match(name):
            raise SessionNameError(f"session name {name[:60]!r} is not usable: use 1-128 letters, digits, '.', '_', ':' or '-'")
        with self._lock:
            session = self._named.pop(name, None)
            if session is None:
                why = self._evicted.pop(name, None) if revive else self._evicted.get(name)
                if why is not None and not revive:
                    raise SessionEvicted(
                        f"session {name!r} was evicted {why}; its log, scenario and stored responses are gone. "
                        f"POST /__replay/reset with this {HEADER} starts it afresh"
                    )
                session = self._new(name)
                self._named[name] = session
                self._make_room(keep=session)
                self._share()
            else:
                self._named[name] = session  # most recently used last
            return session

    def _make_room(self, keep: Session) -> None:
        """Past `MAX_SESSIONS`: evict the least recently used sessions without an open WebSocket."""
        while len(self._named) > MAX_SESSIONS:
            victim = next((s for s in self._named.values() if s is not keep and not s.in_use()), None)
            if victim is None:
                assert keep.name is not None
                del self._named[keep.name]
                raise SessionNameError(
                    f"this server already keeps {MAX_SESSIONS} named sessions, each with an open WebSocket: close "
                    f"some, or reuse a session name"
                )
            assert victim.name is not None
            del self._named[victim.name]
            if victim.has_state():
                when = time.strftime("%H:%M:%S UTC", time.gmtime())
                self._evicted[victim.name] = (
                    f"at {when}: the server keeps at most {MAX_SESSIONS} named sessions and it was the least recently used"
                )
                while len(self._evicted) > MAX_EVICTED:
                    del self._evicted[next(iter(self._evicted))]

    def _share(self) -> None:
        """Give every named session its fair share of the global budgets (trimming the ones above it)."""
        share = max(1, min(LOG_BUDGET, STORE_BUDGET) // max(1, len(self._named)))
        for session in self._named.values():
            if session.share != share:
                session.share = share
                session.apply_limits()

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


def _smaller(limit: int | None, share: int | None) -> int | None:
    if limit is None:
        return share
    return limit if share is None else min(limit, share)


def session_name(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The session a request names (header first, then query parameter), or None for the default."""
    value = headers.get(HEADER)
    if value is None:
        value = query.get(QUERY)
    return value


SESSIONS_KEY: web.AppKey[Sessions] = web.AppKey("replay_sessions", Sessions)


def session_for(request: web.Request, *, revive: bool = False) -> Session:
    """The session a request names (`SessionNameError` for an unusable name, `SessionEvicted` for an
    evicted one unless ``revive``), or the default one.

    An app built without sessions has only its one state, and refuses a session name."""
    name = session_name(request.headers, request.query)
    sessions = request.app.get(SESSIONS_KEY)
    if sessions is not None:
        return sessions.get(name, revive=revive)
    if name is not None:
        raise SessionNameError(f"this server keeps no sessions: drop the {HEADER} header")
    state = request.app[STATE]
    return Session(None, state, state.config, state.source)


def state_for(request: web.Request) -> ServerState:
    """The state (log, scenario, store, ids) of the session a request names, or the default one."""
    return session_for(request).state
