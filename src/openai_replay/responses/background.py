"""Background responses (``background: true``): queued, then in progress, then done, on the server's clock.

A background run keeps every event it has produced (renumbered from 0, with ``response.queued``
after ``response.created``, whose status is ``queued``), so a client can poll the response, stream it
again from ``starting_after``, or cancel it. The server moves it along; this module only keeps
its state and builds its objects.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from openai_replay.errors import ApiError

#: Server-clock seconds a background response stays ``queued``, then ``in_progress``.
QUEUED_SECONDS = 0.5
RUNNING_SECONDS = 0.5
TERMINAL = ("response.completed", "response.failed", "response.incomplete")


@dataclass
class BackgroundRun:
    """One background response: its events so far and its latest Response object."""

    response_id: str
    #: When it was created, on the server's clock (its phases end `QUEUED_SECONDS` and then
    #: `RUNNING_SECONDS` later).
    started_at: float = 0.0
    events: list[dict[str, Any]] = field(default_factory=list)
    snapshot: dict[str, Any] | None = None
    #: The error that refused it before it started (then nothing else happens).
    error: ApiError | None = None
    done: bool = False
    #: Called whenever something changed (the server wakes pollers and streams with it).
    on_change: Callable[[], None] = lambda: None
    #: What the server moves it along with (its task, its wake-up signal, its log record); opaque here.
    driver: Any = None

    def add(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        """Take one of the turn's events; returns what the run's stream carries for it (renumbered)."""
        out = dict(event)
        kind = out.get("type")
        if isinstance(out.get("response"), dict):
            response = dict(out["response"])
            if kind == "response.created":
                response["status"] = "queued"
            out["response"] = response
            self.snapshot = response
        added = [out]
        if kind == "response.created":
            added.append({"type": "response.queued", "response": out["response"]})
        for item in added:
            item["sequence_number"] = len(self.events)
            self.events.append(item)
        if kind in TERMINAL:
            self.done = True
        self.on_change()
        return added

    def deadline(self, kind: str) -> float:
        """The clock time the run may send an event of ``kind`` (in_progress after the queue, the end after the run)."""
        if kind == "response.in_progress":
            return self.started_at + QUEUED_SECONDS
        if kind in TERMINAL:
            return self.started_at + QUEUED_SECONDS + RUNNING_SECONDS
        return self.started_at

    def behind(self, now: float) -> bool:
        """True when the clock has passed a phase the run has not reached yet (it is about to catch up)."""
        if self.done:
            return False
        status = (self.snapshot or {}).get("status")
        if status == "queued":
            return now >= self.deadline("response.in_progress")
        return now >= self.deadline("response.completed")

    def refuse(self, error: ApiError) -> None:
        self.error, self.done = error, True
        self.on_change()

    def cancel(self) -> dict[str, Any]:
        """End the run as ``cancelled``; returns the final Response object."""
        final = copy.deepcopy(self.snapshot or {"id": self.response_id, "object": "response"})
        final["status"] = "cancelled"
        self.snapshot, self.done = final, True
        self.on_change()
        return final

    def after(self, starting_after: int | None) -> list[dict[str, Any]]:
        start = 0 if starting_after is None else starting_after + 1
        return self.events[start:]


class BackgroundRuns:
    """Background runs by response id; with a ``limit`` only the newest that many are kept."""

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, BackgroundRun] = {}
        self.limit = limit

    def put(self, run: BackgroundRun) -> None:
        with self._lock:
            self._runs[run.response_id] = run
            while self.limit and len(self._runs) > self.limit:
                del self._runs[next(iter(self._runs))]

    def get(self, response_id: str) -> BackgroundRun | None:
        with self._lock:
            return self._runs.get(response_id)

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()

    def __len__(self) -> int:
        return len(self._runs)


def cannot_cancel_synchronous() -> ApiError:
    return ApiError(400, "Cannot cancel a synchronous response.", param=None)


def not_background_stream(response_id: str) -> ApiError:
    return ApiError(
        400,
        f"Response '{response_id}' was not created with background=true, so it cannot be streamed again; "
        "GET it without stream=true.",
        param="stream",
    )
