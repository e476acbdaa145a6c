"""Fixtures the plugin's recording tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from openai_replay.server import FakeServer


@pytest.fixture
def upstream() -> Iterator[FakeServer]:
    """The 'real API' the recordings come from: a fake server on its own loopback port."""
    with FakeServer() as server:
        yield server
