"""A clock for tests that must see what the server sent before a sleep ends, without timing anything."""

from __future__ import annotations

import asyncio

from openai_replay.clock import ManualClock


class GateClock(ManualClock):
    """A manual clock whose `sleep` waits until the test opens the gate once per sleep.

    Each sleep puts its gate on `sleeping` and its length on `slept`; opening the gate moves the clock on
    by that length, so the server's timings are exact and the wall clock plays no part."""

    def __init__(self) -> None:
        super().__init__()
        self.sleeping = asyncio.Queue[asyncio.Future[None]]()
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        gate = asyncio.get_running_loop().create_future()
        self.slept.append(seconds)
        await self.sleeping.put(gate)
        await gate
        self.advance(seconds)
