"""Injectable clocks: real time for production, a manual clock for deterministic tests.

The connection-time limit, scripted stalls and `created_at` timestamps all read the clock, so a
test can jump an hour ahead without sleeping.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol


class Clock(Protocol):
    """What the server needs from a clock: wall time and a way to wait."""

    def time(self) -> float:
        """Seconds since the epoch."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` on this clock."""
        ...


class SystemClock:
    """Real wall time and real sleeping."""

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that only moves when told to; `sleep` advances it instead of waiting.

    `ManualClock(start=1767225600)` starts on 2026-01-01T00:00:00Z. `advance(3600)` moves it an
    hour, which is how a test reaches the 60-minute connection limit instantly.
    """

    def __init__(self, start: float = 1_767_225_600.0) -> None:
        self.start = float(start)
        self._now = self.start

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (advance({seconds}))")
        self._now += seconds

    def reset(self) -> None:
        """Back to the time it started at."""
        self._now = self.start

    async def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
        await asyncio.sleep(0)
