"""Fixtures shared by the whole suite: a fake server on a loopback port, a manual clock."""

from __future__ import annotations

import os
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


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` starts one worker more than the machine has cores: about a fifth of the suite's
    time is spent waiting on real clocks (a ``retry-after`` honoured, a stall past a client's
    timeout, a relay's upstream), and a spare worker runs other tests meanwhile. On two cores that
    took the README's command from 55-70 s to 47-49 s. ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still wins."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return cores + 1
