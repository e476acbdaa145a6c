"""Helpers for the pinned Realtime conformance cells: run one Realtime check with one framework's driver."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from openai_replay.conformance.realtime import BY_NAME, CHECKS, Cell, run_cell

RealtimePins = dict[str, tuple[str, str]]


def pinned_realtime_tests(
    pins: RealtimePins, drivers: dict[str, Callable[..., Awaitable[Cell]]]
) -> tuple[Callable[..., Any], Callable[[], None]]:
    """The two tests every framework's Realtime column runs over its ``PINS`` (bind both at module level)."""

    @pytest.mark.parametrize(("check_name", "status", "reason"), [(n, s, r) for n, (s, r) in pins.items()])
    async def test_realtime_cell_matches_todays_observed_result(check_name: str, status: str, reason: str) -> None:
        """Driving the framework through the check against the real server gives the pinned status and reason."""
        check = BY_NAME[check_name]
        if status == "n/a":
            assert check_name not in drivers, f"{check_name} is pinned n/a but has a driver"
            return
        cell = await run_cell(check, drivers[check_name])
        assert (cell.status, cell.reason) == (status, reason), f"{cell.status}: {cell.reason}\n{cell.evidence}"

    def test_every_realtime_check_is_pinned() -> None:
        """A new Realtime check needs a pin for this framework (so no cell goes unobserved)."""
        assert sorted(pins) == sorted(c.name for c in CHECKS)

    return test_realtime_cell_matches_todays_observed_result, test_every_realtime_check_is_pinned
