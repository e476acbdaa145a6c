"""Near misses: for one logged request, how close each scenario rule came to answering it.

A rule's selectors are tried one at a time (each through `Match.matches` itself, so the rules here
cannot drift from the ones that decide), and the rules are listed with the selectors that did not
match, fewest first: the usual answer to "why did my rule not fire?".
"""

from __future__ import annotations

from dataclasses import fields
from types import SimpleNamespace
from typing import Any

from openai_replay.items import last_user_text
from openai_replay.log import RequestRecord
from openai_replay.scenarios.match import Match
from openai_replay.scenarios.rules import Rule


def near_misses(rules: list[Rule], record: RequestRecord, *, limit: int = 5) -> list[dict[str, Any]]:
    """The ``limit`` rules closest to answering ``record``: label, the selectors that failed, and
    whether the rule matched but had used up its ``times``."""
    view = SimpleNamespace(
        record=record,
        payload=record.payload,
        generate=record.payload.get("generate", True) is not False,
        user_text=lambda: last_user_text(record.input_items) or "",  # as `Turn.user_text`
    )
    found: list[dict[str, Any]] = []
    for rule in rules:
        failed = [name for name, value in _selectors(rule.match) if not _alone(rule.match, name, value).matches(view)]  # type: ignore[arg-type]
        found.append(
            {
                "rule": rule.label(),
                "failed_selectors": failed,
                "matched": not failed,
                "used_up": not rule.available(),
                "fired": rule.fired,
            }
        )
    found.sort(key=lambda miss: len(miss["failed_selectors"]))
    return found[:limit]


def _alone(match: Match, name: str, value: Any) -> Match:
    """One selector by itself; ``turn`` keeps the rule's ``api`` (which says which number it reads)."""
    return Match(turn=value, api=match.api) if name == "turn" else Match(**{name: value})


def _selectors(match: Match) -> list[tuple[str, Any]]:
    """The selectors a rule sets, except ``where`` (a Python predicate, not evaluated on a logged request)."""
    return [(f.name, getattr(match, f.name)) for f in fields(match) if f.name != "where" and getattr(match, f.name) is not None]
