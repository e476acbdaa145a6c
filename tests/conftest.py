"""Fixtures shared by the whole suite: a fake server on a loopback port, a manual clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from testkit import corpus_skip_summary

from fake_server import FakeServer
from openai_replay.clock import ManualClock


@pytest.fixture
def manual_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with FakeServer(seed=1) as running:
        yield running


#: One closing line counting the tests skipped for a missing reference corpus, without -rs.
pytest_terminal_summary = corpus_skip_summary
