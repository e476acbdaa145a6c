"""Helpers for the pinned conformance cells: run one check against one client, compare to the pin."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from openai_replay.conformance.checks import CHECKS, check
from openai_replay.conformance.clients import BY_NAME
from openai_replay.conformance.runner import RESPONSES_ONLY, run_check

Pins = dict[str, dict[str, tuple[str, str]]]


def reason_key(reason: str) -> str:
    """The stable head of a reason: up to its first colon, parenthesis or digit (ids and timings vary)."""
    return re.split(r"[:(\d]", reason, maxsplit=1)[0].strip()


def chat_pins(cells: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """A Chat Completions client's pins: ``cells`` for the checks that apply to chat, and n/a for every
    Responses-only check (the runner answers those without driving the client), derived from `CHECKS`."""
    return {c.name: ("n/a", RESPONSES_ONLY) for c in CHECKS if "chat" not in c.apis} | cells


def cases(pins: Pins) -> list[tuple[str, str, str, str]]:
    return [(client, name, status, key) for client, cells in pins.items() for name, (status, key) in cells.items()]


async def observed(client: str, check_name: str) -> dict[str, Any]:
    cell: dict[str, Any] = await run_check(BY_NAME[client].load(), check(check_name))
    return cell


def evidence(cell: dict[str, Any]) -> str:
    return f"{cell['status']}: {cell['reason']}\n{cell.get('timeline') or chr(10).join(cell.get('requests', []))}"


def pinned_cell_tests(pins: Pins) -> tuple[Callable[..., Any], Callable[[], None]]:
    """The two tests every client's cell file runs over its ``PINS`` (bind both at module level)."""

    @pytest.mark.parametrize(("client", "check_name", "status", "key"), cases(pins))
    async def test_cell_matches_todays_observed_result(client: str, check_name: str, status: str, key: str) -> None:
        """Running the check against the real client gives the pinned status and reason."""
        cell = await observed(client, check_name)
        assert (cell["status"], reason_key(cell["reason"])) == (status, key), evidence(cell)

    def test_every_check_is_pinned_for_every_client() -> None:
        """A new check needs a pin for each of these clients (so no cell goes unobserved)."""
        assert {client: sorted(cells) for client, cells in pins.items()} == {
            client: sorted(c.name for c in CHECKS) for client in pins
        }

    return test_cell_matches_todays_observed_result, test_every_check_is_pinned_for_every_client
