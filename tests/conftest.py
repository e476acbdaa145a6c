"""Fixtures shared by the whole suite: a fake server on a loopback port, a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fake_server import FakeServer
from openai_replay.clock import ManualClock


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer(seed=1) as running:
        yield running
