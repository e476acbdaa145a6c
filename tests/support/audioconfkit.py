"""Helpers for the pinned audio cells: run one audio check against one framework column, compare to the pin."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from openai_replay.conformance.audio.adapter import AudioAdapter
from openai_replay.conformance.audio.checks import NAMES, check, run_cell

Pins = dict[type[AudioAdapter], dict[str, tuple[str, str]]]


def reason_key(reason: str) -> str:
    """The stable head of a reason: up to its first colon, parenthesis or digit (timings vary)."""
    return re.split(r"[:(\d]", reason, maxsplit=1)[0].strip()


def pinned_audio_tests(pins: Pins) -> tuple[Callable[..., Any], Callable[[], None]]:
    """The two tests every framework's audio file runs over its ``PINS`` (bind both at module level)."""
    cases = [(adapter, name, status, key) for adapter, cells in pins.items() for name, (status, key) in cells.items()]

    @pytest.mark.parametrize(("adapter", "check_name", "status", "key"), cases, ids=[f"{a.column}-{n}" for a, n, _, _ in cases])
    async def test_audio_cell_matches_todays_observed_result(
        adapter: type[AudioAdapter], check_name: str, status: str, key: str
    ) -> None:
        """Running the audio check against the real framework class gives the pinned status and reason."""
        cell = await run_cell(adapter, check(check_name))
        evidence = f"{cell['status']}: {cell['reason']}\n{cell.get('facts')}\n" + "\n".join(cell.get("requests", []))
        assert (cell["status"], reason_key(cell["reason"])) == (status, key), evidence

    def test_every_audio_check_is_pinned_for_every_column() -> None:
        """A new audio check needs a pin for each of these columns (so no cell goes unobserved)."""
        assert {a.column: sorted(cells) for a, cells in pins.items()} == {a.column: sorted(NAMES) for a in pins}

    return test_audio_cell_matches_todays_observed_result, test_every_audio_check_is_pinned_for_every_column
