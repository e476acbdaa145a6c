"""Helpers for the pinned conformance cells: run one check against one client, compare to the pin."""

from __future__ import annotations

import re
from typing import Any

from openai_replay.conformance.checks import check
from openai_replay.conformance.clients import BY_NAME
from openai_replay.conformance.runner import run_check

Pins = dict[str, dict[str, tuple[str, str]]]


def reason_key(reason: str) -> str:
    """The stable head of a reason: up to its first colon, parenthesis or digit (ids and timings vary)."""
    return re.split(r"[:(\d]", reason, maxsplit=1)[0].strip()


def cases(pins: Pins) -> list[tuple[str, str, str, str]]:
    return [(client, name, status, key) for client, cells in pins.items() for name, (status, key) in cells.items()]


async def observed(client: str, check_name: str) -> dict[str, Any]:
    cell: dict[str, Any] = await run_check(BY_NAME[client].load(), check(check_name))
    return cell


def evidence(cell: dict[str, Any]) -> str:
    return f"{cell['status']}: {cell['reason']}\n{cell.get('timeline') or chr(10).join(cell.get('requests', []))}"
