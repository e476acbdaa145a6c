"""Deliberately buggy clients for explore, each surviving any single fault and failing on a pair.

All are the openai SDK over one WebSocket (`OpenAIWebSocketAdapter`) plus the recovery loop a careful
caller writes; each buggy one differs from its fixed twin by one planted line:

- `SecondMiss`: only the first cache miss of a conversation is handled; on the second it chains on the
  gone id again (two ``previous_response_not_found``);
- `CloseInRetry`: a failed turn is retried once on a new connection; when that retry's connection
  closes, it waits forever for the end of the answer (a failed turn, then a close of its retry);
- `RateLimitAfterReconnect`: a 429 on the first request of a new connection is retried with the user's
  messages only, as if the new connection knew the conversation (a fault that makes it reconnect, then
  a 429).

Used by tests/openai_replay/conformance/test_explore.py and test_detection.py (the detection rates
docs/explore.md reports).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from openai_replay.conformance.adapter import ErrorSeen, Surfaced, describe
from openai_replay.conformance.adapters.openai_sdk import OpenAIWebSocketAdapter
from openai_replay.conformance.conversation import Item, Msg, Tool

MISS = "previous_response_not_found"
RATE_LIMIT = "rate_limit_exceeded"


class FixedClient(OpenAIWebSocketAdapter):
    """Chains each turn over one WebSocket; after every cache miss, resends the full context; after any
    other error, drops the connection (so no late event of the failed response is read as the next
    turn's) and starts the next turn on a new one with the full context."""

    client = "planted-fixed"
    #: The planted bug: only the first cache miss of a conversation is handled.
    once_per_conversation = False

    async def open(self) -> None:
        await super().open()
        self._handled = 0

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        stale = self._prev_id
        missed = failed = False
        async for seen in super().stream(history, tools):
            if isinstance(seen, ErrorSeen) and MISS in seen.message:
                missed = True
                continue
            failed = failed or isinstance(seen, ErrorSeen)
            yield seen
        if failed:
            await self._drop()
        if not missed:
            return
        self._handled += 1
        if self.once_per_conversation and self._handled > 1:
            self._prev_id = stale  # the bug: "already recovered once", so it chains on the gone id again
        async for seen in super().stream(history, tools):
            yield seen


class SecondMiss(FixedClient):
    """Handles only the first cache miss of a conversation."""

    client = "planted-second-miss"
    once_per_conversation = True


class RetryingClient(FixedClient):
    """`FixedClient`, plus one retry of a failed turn (an error, a failed response, a closed connection)
    on a new connection with the full context, when no text of it reached the caller yet. A retry that
    fails too is surfaced."""

    client = "planted-retrying"
    #: The planted bug, if any: "close_in_retry" or "rate_limit_after_reconnect".
    bug: ClassVar[str | None] = None

    async def open(self) -> None:
        await super().open()
        self._opened = 0  # connections opened so far

    async def _connection(self) -> Any:
        if self._conn is None:
            self._opened += 1
        return await super()._connection()

    async def _attempt(self, history: list[Item], tools: list[Tool], held: list[str]) -> AsyncIterator[Surfaced]:
        """One try: passes text and calls on; holds errors in ``held`` while nothing reached the caller."""
        spoke = False
        try:
            async for seen in FixedClient.stream(self, history, tools):
                if isinstance(seen, ErrorSeen) and not spoke:
                    held.append(seen.message)
                    continue
                spoke = spoke or not isinstance(seen, ErrorSeen)
                yield seen
        except Exception as exc:  # the SDK raised (a closed connection): the same as an error seen
            await self._drop()
            if spoke:
                raise
            held.append(describe(exc))

    async def stream(self, history: list[Item], tools: list[Tool]) -> AsyncIterator[Surfaced]:
        held: list[str] = []
        fresh = self._conn is None and self._opened >= 1  # this try is the first on a new connection
        async for seen in self._attempt(history, tools, held):
            yield seen
        if not held:
            return
        await self._drop()  # the retry starts afresh, on a new connection, with the full context
        retry: list[str] = []
        async for seen in self._attempt(self._after(fresh, held, history), tools, retry):
            yield seen
        if retry and self._after(True, retry, history) is not history:  # the bug's extra try
            await self._drop()
            retry = []
            async for seen in self._attempt(self._after(True, [RATE_LIMIT], history), tools, retry):
                yield seen
        if retry and self.bug == "close_in_retry" and not any("error frame" in m or "response." in m for m in retry):
            await asyncio.Event().wait()  # the bug: the retry's reader never hears of the close
        for message in retry:
            yield ErrorSeen(message)

    def _after(self, fresh: bool, errors: list[str], history: list[Item]) -> list[Item]:
        """What to resend after ``errors``: the whole history, except for the planted 429 bug."""
        if self.bug == "rate_limit_after_reconnect" and fresh and RATE_LIMIT in errors[0]:
            return [item for item in history if isinstance(item, Msg) and item.role == "user"]  # the bug
        return history


class CloseInRetry(RetryingClient):
    client = "planted-close-in-retry"
    bug = "close_in_retry"


class RateLimitAfterReconnect(RetryingClient):
    client = "planted-429-after-reconnect"
    bug = "rate_limit_after_reconnect"


#: Each planted bug: the buggy client, its fixed twin, and the invariant it breaks.
PLANTED = {
    "second cache miss": (SecondMiss, FixedClient, "no_stale_chain"),
    "close during the retry of a failed turn": (CloseInRetry, RetryingClient, "no_hang"),
    "429 right after a reconnect": (RateLimitAfterReconnect, RetryingClient, "no_duplicated_or_lost_text"),
}

__all__ = ["PLANTED", "CloseInRetry", "FixedClient", "RateLimitAfterReconnect", "RetryingClient", "SecondMiss"]
