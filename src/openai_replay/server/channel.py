"""What a turn talks to: a transport's `Channel`, the `TurnControl` another task cancels it with,
and `ClientGone` when the client left while the turn was sending."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from openai_replay.errors import ApiError


class ClientGone(Exception):
    """The client went away while we were sending."""


class Channel(Protocol):
    """How a transport delivers a turn's output."""

    transport: Literal["ws", "http"]

    async def send(self, event: dict[str, Any]) -> None: ...
    async def send_raw(self, data: str, event_type: str) -> None: ...
    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...
    async def drop(self) -> None: ...
    async def send_text(self, data: str) -> None: ...
    async def send_binary(self, data: bytes) -> None: ...
    async def respond(self, body: str, status: int) -> None: ...


class CancelFlag:
    """Set once, by ``response.cancel``. Like `asyncio.Event`, but one is made for every turn and an
    Event allocates a waiter deque (760 bytes) whether or not anyone ever waits."""

    __slots__ = ("_set", "_waiter")

    def __init__(self) -> None:
        self._set = False
        self._waiter: asyncio.Future[None] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def wait(self) -> None:
        if self._set:
            return
        if self._waiter is None or self._waiter.done():  # a cancelled wait leaves a done future
            self._waiter = asyncio.get_running_loop().create_future()
        await self._waiter


@dataclass
class TurnControl:
    """Lets another task cancel the turn in flight (``response.cancel`` in honour mode)."""

    cancel: CancelFlag = field(default_factory=CancelFlag)
    #: The transport already ran `validate_create` on this very payload (for the log) and it passed:
    #: the turn does not run it a second time (it is a pure function of the payload).
    checked: bool = False
