"""Start a coroutine at once, in the caller's stack; only if it has to wait does the rest become a task.

Python 3.12's eager tasks (``asyncio.eager_task_factory``) do this; 3.11 has none. A WebSocket turn
that never waits (a short turn whose frames the socket takes at once) then costs no future, no task
wake-up and no extra event-loop pass between the request's frame and the first event written: 4% of
a short turn's server instructions (benchmarks/README.md, issue 27). A turn that waits (a ``Sleep``,
a slow client's drain, a close handshake) goes on in a task exactly where it stopped: the task waits
for what the coroutine waits for, and cancelling the task cancels the coroutine there.

The first part runs under the caller's current task (or none, from a protocol callback), so it must
not ask for ``asyncio.current_task()``; the turn code does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Generator
from typing import Any


def start(coro: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
    """Run ``coro`` now until it returns (None) or first waits (the task that runs the rest)."""
    try:
        waiting = coro.send(None)
    except StopIteration:
        return None
    return asyncio.ensure_future(_finish(coro, waiting))


async def _finish(coro: Coroutine[Any, Any, None], waiting: Any) -> None:
    await _Rest(coro, waiting)


class _Rest:
    """Awaitable: the started coroutine's remaining steps, driven by the awaiting task."""

    __slots__ = ("coro", "waiting")

    def __init__(self, coro: Coroutine[Any, Any, None], waiting: Any) -> None:
        self.coro = coro
        self.waiting = waiting

    def __await__(self) -> Generator[Any, Any, None]:
        coro, waiting = self.coro, self.waiting
        while True:
            try:
                sent = yield waiting  # the task waits on the coroutine's future (or a bare yield)
            except BaseException as exc:  # the future's exception, or the task's cancellation
                try:
                    waiting = coro.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting = coro.send(sent)
                except StopIteration:
                    return
