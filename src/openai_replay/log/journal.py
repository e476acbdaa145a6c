"""The log itself: connections, requests and client frames in arrival order, bounded and thread-safe.

The records it keeps are in `openai_replay.log.records`; the readers (timeline, assertions) live beside
it and are attached to the public `RequestLog` in ``openai_replay.log``, so this module imports none of them.
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from openai_replay.log.limits import LogLimits
from openai_replay.log.records import MODEL_APIS, Api, ConnectionRecord, FrameRecord, RequestRecord
from openai_replay.log.trim import shrink


class LogRecords(LogLimits):
    """Connections and requests in arrival order; safe to read from another thread.

    Only records: the readers (timeline, assertions) live beside it and are attached to the public
    `RequestLog` in ``openai_replay.log``, so this module imports none of them."""

    def __init__(self, limit: int | None = None, payload_limit: int | None = None, event_limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self.limit = limit
        self.payload_limit = payload_limit
        self.event_limit = event_limit
        #: Requests dropped from the front of the log to stay within `limit` (their turns are 1..dropped,
        #: since turns count every request): assertions that would need them fail saying so.
        self.dropped = 0
        self.connections: list[ConnectionRecord] = []
        self._connection_ids = 0
        self.requests: list[RequestRecord] = []
        self._turns = 0
        # Indexes so that logging a request costs the same on the 10,000th turn as on the first.
        self._per_connection: dict[int, int] = {}
        self._last_by_step: dict[str, RequestRecord] = {}
        self._api_turns: dict[str, int] = {}
        self.frames: list[FrameRecord] = []
        #: Client frames ever logged (``frames`` may keep only the newest): numbers them for polling.
        self.frames_seen = 0

    def add_frame(
        self,
        connection_id: int,
        now: float,
        type_: str | None,
        problem: str | None = None,
        data: Any = None,
        *,
        discarded: bool = False,
        size: int = 0,
    ) -> FrameRecord:
        """Log a client frame; ``size`` is its length as received (a larger one than the limit is cut)."""
        cap = self.payload_limit
        if cap is not None and (size > cap or (isinstance(data, str) and len(data) > cap)):
            data = shrink(data, cap)
        with self._lock:
            frame = FrameRecord(connection_id, now, type_, problem, data, discarded)
            self.frames.append(frame)
            self.frames_seen += 1
            if self.limit is not None and len(self.frames) > self.limit + self.limit // 4 + 1:
                del self.frames[: len(self.frames) - self.limit]
            return frame

    def open_connection(self, path: str, query: str, now: float) -> ConnectionRecord:
        with self._lock:
            self._connection_ids += 1
            record = ConnectionRecord(id=self._connection_ids, path=path, query=query, opened_at=now)
            self.connections.append(record)
            if self.limit is not None and len(self.connections) > self.limit + self.limit // 4 + 1:
                self._forget_connections(len(self.connections) - self.limit)
            return record

    def _forget_connections(self, count: int) -> None:
        """Drop up to ``count`` of the oldest closed connections (open ones stay listed)."""
        dropped: set[int] = set()
        for conn in self.connections:
            if len(dropped) >= count:
                break
            if conn.closed_at is not None or conn.handshake_status is not None:
                dropped.add(conn.id)
        self.connections = [c for c in self.connections if c.id not in dropped]
        for conn_id in dropped:
            self._per_connection.pop(conn_id, None)

    def add_request(
        self,
        *,
        transport: Literal["ws", "http"],
        payload: Any,
        now: float,
        connection: ConnectionRecord | None = None,
        lane: str | None = None,
        headers: dict[str, str] | None = None,
        api: Api = "responses",
        valid: bool = True,
        size: int = 0,
        endpoint: str | None = None,
        items: list[dict[str, Any]] | None = None,
    ) -> RequestRecord:
        """Log a request. One the validator refused (``valid=False``) is kept as sent but not read:
        it is no attempt at a conversation step. ``size`` is its length as received: over the
        payload limit, the log's copy is cut once the outcome is decided. ``items``: the request's
        input items when the caller already holds them as a list of dicts that nothing changes (a
        Realtime response's view of its conversation), kept as they are instead of copied."""
        with self._lock:
            on_conn = None
            if connection is not None:
                on_conn = self._per_connection[connection.id] = self._per_connection.get(connection.id, 0) + 1
            self._turns += 1
            model_turn = api_turn = None
            if api not in MODEL_APIS or endpoint is None:  # not a retrieve, a cancel, a stored completion
                api_turn = self._api_turns[api] = self._api_turns.get(api, 0) + 1
                if api in MODEL_APIS:
                    model_turn = self._api_turns[""] = self._api_turns.get("", 0) + 1
            record = RequestRecord(
                turn=self._turns,
                transport=transport,
                connection_id=connection.id if connection else None,
                turn_on_connection=on_conn,
                payload=payload if isinstance(payload, dict) else {"_invalid": payload},
                received_at=now,
                lane=lane,
                headers=dict(headers or {}),
                api=api,
                endpoint=endpoint,
                api_turn=api_turn,
                model_turn=model_turn,
            )
            if items is not None:
                record.keep_items(items)
            if valid:
                key = record.step = record.step_key()
                record.attempt = self._attempt_of(self._last_by_step.get(key))
                self._last_by_step[key] = record
            if self.payload_limit is not None and size > self.payload_limit:
                record.shrink_to = self.payload_limit
            record.bounds = self._bounds
            self.requests.append(record)
            if self.limit is not None and len(self.requests) > self.limit + self.limit // 4 + 1:
                self._forget(len(self.requests) - self.limit)
            return record

    def trim(self) -> None:
        """Drop the oldest requests, client frames and closed connections beyond `limit` now, not at the next add."""
        with self._lock:
            if self.limit is None:
                return
            if len(self.requests) > self.limit:
                self._forget(len(self.requests) - self.limit)
            if len(self.frames) > self.limit:
                del self.frames[: len(self.frames) - self.limit]
            if len(self.connections) > self.limit:
                self._forget_connections(len(self.connections) - self.limit)

    def _forget(self, count: int) -> None:
        """Drop the oldest ``count`` requests (in batches, so the cost per request stays flat)."""
        for old in self.requests[:count]:
            if old.step is not None and self._last_by_step.get(old.step) is old:
                del self._last_by_step[old.step]
        self.dropped += len(self.requests[:count])
        del self.requests[:count]

    @staticmethod
    def _attempt_of(earlier: RequestRecord | None) -> int:
        """A retry of a step that did not succeed is the next attempt; anything else starts at 1."""
        if earlier is None or earlier.outcome.kind in ("completed", "incomplete"):
            return 1
        return earlier.attempt + 1

    def clear(self) -> None:
        with self._lock:
            self.connections.clear()
            self.requests.clear()
            self.frames.clear()
            self._per_connection.clear()
            self._last_by_step.clear()
            self._api_turns.clear()
            self._turns = 0
            self.dropped = 0
            self.frames_seen = 0
            self._connection_ids = 0

    def __len__(self) -> int:
        return len(self.requests)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(list(self.requests))

    def __getitem__(self, index: int) -> RequestRecord:
        return self.requests[index]
