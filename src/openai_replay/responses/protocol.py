"""Responses protocol semantics, pure: the connection-local cache, ``store``, the time limit.

Rules (protocol.md §1.4-§1.7):
- each lane of a connection caches only its most recent response (``store: false`` or not);
- ``store: true`` responses are also kept globally and hydrate on any connection (and over HTTP);
- an id known neither way is ``previous_response_not_found`` (400, ``param: previous_response_id``);
- a failed turn evicts the id it referenced from the lane cache;
- a connection older than the limit answers ``websocket_connection_limit_reached``;
- at most ``max_stream_ids`` distinct named lanes per connection.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from openai_replay import errors
from openai_replay.clock import Clock
from openai_replay.config import ServerConfig
from openai_replay.errors import ApiError
from openai_replay.items import Tally, tally


class CachedResponse:
    """A finished response as the server remembers it.

    Its `context` is the whole conversation through its output (what a chained turn builds on). A
    chain's responses share one list of items, each knowing how many are its own (`following`): the
    newest response appends its turn to its parent's list, and only a second child of one parent
    copies. Each response holding a list of its whole conversation took memory with the square of
    the chain's length (a 3,000-turn stored chain: 197 MB, against 61 MB for 3,000 unchained turns).
    The constructor takes ``context`` over: a later chained response may extend that very list, so
    pass one nothing else holds."""

    __slots__ = ("_items", "_length", "group", "id", "response_json", "store", "tally")

    def __init__(
        self,
        id: str,
        group: str,
        context: list[dict[str, Any]],
        store: bool,
        response_json: str | None = None,
        tally: Tally | None = None,
    ) -> None:
        self.id = id
        self.group = group
        self._items = context
        self._length = len(context)
        self.store = store
        #: The final Response object as compact JSON (a dict tree would take about three times the
        #: memory in a long-running server that keeps every stored response); `response` decodes it.
        self.response_json = response_json
        #: `context`'s `Tally` (its token count and more), kept so a chained turn adds only its new
        #: items; read from `context` on first use when whoever made this response did not give it.
        self.tally = tally

    @classmethod
    def following(
        cls,
        parent: CachedResponse,
        items: list[dict[str, Any]],
        id: str,
        group: str,
        store: bool,
        response_json: str | None = None,
        tally: Tally | None = None,
    ) -> CachedResponse:
        """A response whose context is ``parent``'s followed by ``items``, sharing ``parent``'s list
        when nothing was appended to it since ``parent`` (else a copy of ``parent``'s part)."""
        shared = parent._items
        if len(shared) != parent._length:
            shared = shared[: parent._length]
        shared.extend(items)
        return cls(id, group, shared, store, response_json, tally)

    @property
    def context(self) -> list[dict[str, Any]]:
        """The conversation through this response's output: a fresh list (the items are shared)."""
        return self._items[: self._length]

    @property
    def response(self) -> dict[str, Any] | None:
        return None if self.response_json is None else json.loads(self.response_json)

    def context_tally(self) -> Tally:
        kept = self.tally
        if kept is None:
            kept = self.tally = tally(self.context)
        return kept

    def __repr__(self) -> str:
        return f"CachedResponse(id={self.id!r}, items={self._length}, store={self.store})"


@dataclass
class ConnectionState:
    """Per-WebSocket state: its age and the latest response of each lane."""

    id: int
    opened_at: float
    lanes: dict[str | None, CachedResponse | None] = field(default_factory=dict)


@dataclass
class Resolution:
    """What a request continues from (nothing when it is not chained)."""

    parent: CachedResponse | None = None
    #: True when the parent came from the fast connection-local cache (its tokens count as cached).
    from_cache: bool = False

    def context(self, new: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The parent's conversation, then ``new`` (the request's input items)."""
        return self.parent.context + new if self.parent else new

    def tally(self, new: list[dict[str, Any]]) -> Tally:
        """`context`'s tally: the parent's kept one plus ``new``'s, not the whole chain read again."""
        kept = self.parent.context_tally() if self.parent else Tally()
        return kept.plus(new)

    def cached_tokens(self) -> int:
        return self.parent.context_tally().tokens if self.parent and self.from_cache else 0


class ResponseStore:
    """Responses created with ``store: true``, reachable from any connection and over HTTP."""

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, CachedResponse] = {}
        #: Ids the server has called gone (an injected ``previous_response_not_found``): no cache
        #: or store lookup finds them again until the store is cleared. Insertion-ordered, and with a
        #: `limit` only the newest that many are kept, so a long run of injected misses stays bounded.
        self.gone: dict[str, None] = {}
        #: Keep only the newest this many (None: all). An evicted id is ``previous_response_not_found``.
        self.limit = limit

    def put(self, response: CachedResponse) -> None:
        with self._lock:
            self._items[response.id] = response
            _keep_newest(self._items, self.limit)

    def __len__(self) -> int:
        return len(self._items)

    def trim(self) -> None:
        """Drop the oldest responses beyond `limit` now, not at the next `put`."""
        with self._lock:
            _keep_newest(self._items, self.limit)
            _keep_newest(self.gone, self.limit)

    def get(self, response_id: str) -> CachedResponse | None:
        with self._lock:
            return self._items.get(response_id)

    def delete(self, response_id: str) -> bool:
        with self._lock:
            return self._items.pop(response_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.gone.clear()

    def forget(self, response_id: str) -> None:
        """Make ``response_id`` gone for the rest of the run (store and every connection cache)."""
        with self._lock:
            self._items.pop(response_id, None)
            self.gone.pop(response_id, None)
            self.gone[response_id] = None
            _keep_newest(self.gone, self.limit)


def _keep_newest(items: dict[str, Any], limit: int | None) -> None:
    """Drop the oldest entries beyond ``limit`` (None or 0: keep all); dicts keep insertion order."""
    if limit:
        while len(items) > limit:
            del items[next(iter(items))]


class Protocol:
    """Applies the rules above; the transports call it, it never touches a socket."""

    def __init__(self, config: ServerConfig, clock: Clock, store: ResponseStore | None = None) -> None:
        self.config = config
        self.clock = clock
        self.store = store if store is not None else ResponseStore()

    def open_connection(self, connection_id: int) -> ConnectionState:
        return ConnectionState(id=connection_id, opened_at=self.clock.time())

    def limit_error(self, conn: ConnectionState) -> ApiError | None:
        limit = self.config.connection_limit_seconds
        if limit and self.clock.time() - conn.opened_at >= limit:
            return errors.connection_limit_reached(limit / 60)
        return None

    def lane_error(self, conn: ConnectionState, lane: str | None) -> ApiError | None:
        if lane is None or lane in conn.lanes:
            return None
        named = sum(1 for key in conn.lanes if key is not None)
        if named >= self.config.max_stream_ids:
            return errors.stream_limit_reached(self.config.max_stream_ids)
        return None

    def resolve(self, conn: ConnectionState | None, payload: dict[str, Any]) -> Resolution | ApiError:
        """Find what ``previous_response_id`` refers to: a lane's latest response, else the store."""
        previous = payload.get("previous_response_id")
        if not previous:
            return Resolution()
        if conn is not None and previous not in self.store.gone:
            for cached in conn.lanes.values():
                if cached is not None and cached.id == previous:
                    return Resolution(parent=cached, from_cache=True)
        stored = self.store.get(previous)
        if stored is not None:
            return Resolution(parent=stored)
        if not self.config.enforce_previous_response:
            return Resolution()
        return errors.previous_response_not_found(previous)

    def completed(self, conn: ConnectionState | None, lane: str | None, response: CachedResponse) -> None:
        """A response finished: it becomes the lane's latest, and is stored when ``store`` is on."""
        if conn is not None:
            conn.lanes[lane] = response
        if response.store:
            self.store.put(response)

    def failed(self, conn: ConnectionState | None, lane: str | None, payload: dict[str, Any]) -> None:
        """A turn failed (4xx/5xx): evict the id it referenced from this lane's cache."""
        previous = payload.get("previous_response_id")
        if conn is None or not previous or not self.config.evict_on_failure:
            return
        cached = conn.lanes.get(lane)
        if cached is not None and cached.id == previous:
            conn.lanes[lane] = None
        conn.lanes.setdefault(lane, None)

    def injected(self, conn: ConnectionState | None, code: str | None, payload: dict[str, Any]) -> None:
        """A scripted error leaves the server as the real one would: an id called gone is gone (cache
        and store) for the rest of the run; a connection told it hit its limit stays over it."""
        previous = payload.get("previous_response_id")
        if code == "previous_response_not_found" and isinstance(previous, str):
            self.store.forget(previous)
        elif code == "websocket_connection_limit_reached" and conn is not None:
            self.expire(conn)

    def expire(self, conn: ConnectionState) -> None:
        """The connection is over its time limit from now on, whatever the clock says."""
        conn.opened_at = -math.inf

    def touch_lane(self, conn: ConnectionState, lane: str | None) -> None:
        conn.lanes.setdefault(lane, None)
