"""Matching a live request to a recorded one: pluggable matchers, field-level diffs, closest match.

A matcher is ``(live, recorded, context) -> list[Difference]``; no differences means a match.
The default set (``DEFAULT_MATCH_ON``) compares the transport, method, path, query and the JSON
body without the volatile keys (``VOLATILE_KEYS``: ``stream`` and friends, which differ between
WebSocket mode and HTTP or between runs). ``previous_response_id`` is compared through the id
mapping: a live id and a recorded id match when both were issued by the same recorded interaction.

Pass names or your own callables: ``CassetteReplay(c, match_on=("path", body_without("metadata")))``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qs

from openai_replay.cassette.interactions import Interaction

VOLATILE_KEYS: frozenset[str] = frozenset({"stream", "stream_options", "prompt_cache_key"})
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "(absent)"})()


@dataclass(frozen=True)
class LiveRequest:
    """A request the replaying server received."""

    transport: Literal["ws", "http"]
    body: dict[str, Any] | None
    method: str = "POST"
    path: str = "/v1/responses"
    query: str = ""
    connection_id: int | None = None
    turn_on_connection: int | None = None

    def describe(self) -> str:
        where = f"ws connection {self.connection_id} turn {self.turn_on_connection}" if self.transport == "ws" else "http"
        query = f"?{self.query}" if self.query else ""
        return f"{where}: {self.method} {self.path}{query}{summarize(self.body)}"


@dataclass(frozen=True)
class Difference:
    """One field that differs: its dotted path, the recorded value and the live one."""

    field: str
    recorded: Any
    live: Any
    weight: int = 1
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.field}: recorded {_short(self.recorded)}, live {_short(self.live)}{note}"


@dataclass
class MatchContext:
    """What matchers may consult: which interaction issued each response id."""

    recorded_ids: dict[str, int] = field(default_factory=dict)
    live_ids: dict[str, int] = field(default_factory=dict)

    def same_response(self, recorded: str, live: str) -> bool:
        if recorded == live:
            return True
        origin = self.live_ids.get(live, self.recorded_ids.get(live))
        return origin is not None and origin == self.recorded_ids.get(recorded)


Matcher = Callable[[LiveRequest, Interaction, MatchContext], list[Difference]]


def transport(live: LiveRequest, rec: Interaction, ctx: MatchContext) -> list[Difference]:
    return [] if live.transport == rec.transport else [Difference("transport", rec.transport, live.transport)]


def method(live: LiveRequest, rec: Interaction, ctx: MatchContext) -> list[Difference]:
    return [] if live.method == rec.method else [Difference("method", rec.method, live.method, weight=50)]


def path(live: LiveRequest, rec: Interaction, ctx: MatchContext) -> list[Difference]:
    return [] if live.path == rec.path else [Difference("path", rec.path, live.path, weight=50)]


def query(live: LiveRequest, rec: Interaction, ctx: MatchContext) -> list[Difference]:
    recorded, seen = parse_qs(rec.query), parse_qs(live.query)
    return [] if recorded == seen else [Difference("query", rec.query, live.query, weight=5)]


def body_without(*ignore: str, volatile: Iterable[str] = VOLATILE_KEYS) -> Matcher:
    """A body matcher ignoring ``volatile`` plus ``ignore`` top-level keys."""
    skip = frozenset(volatile) | frozenset(ignore)

    def body(live: LiveRequest, rec: Interaction, ctx: MatchContext) -> list[Difference]:
        recorded = {k: v for k, v in (rec.request or {}).items() if k not in skip}
        seen = {k: v for k, v in (live.body or {}).items() if k not in skip}
        if rec.request is None and live.body is None:
            return []
        diffs: list[Difference] = []
        prev_rec = recorded.pop("previous_response_id", None)
        prev_live = seen.pop("previous_response_id", None)
        linked = isinstance(prev_rec, str) and isinstance(prev_live, str) and ctx.same_response(prev_rec, prev_live)
        if prev_rec != prev_live and not linked:
            diffs.append(_prev_difference(prev_rec, prev_live, ctx))
        diffs.extend(diff_json(recorded, seen, "body"))
        return diffs

    return body


def _prev_difference(recorded: Any, live: Any, ctx: MatchContext) -> Difference:
    def origin(value: Any, table: dict[str, int]) -> str:
        index = table.get(value) if isinstance(value, str) else None
        return f"interaction {index + 1}" if index is not None else "no recorded interaction"

    known = {**ctx.recorded_ids, **ctx.live_ids}
    note = f"recorded points at {origin(recorded, ctx.recorded_ids)}, live at {origin(live, known)}"
    return Difference(
        "body.previous_response_id",
        ABSENT if recorded is None else recorded,
        ABSENT if live is None else live,
        weight=3,
        note=note,
    )


def diff_json(recorded: Any, live: Any, where: str) -> list[Difference]:
    """Leaf-level differences between two JSON values, with dotted paths."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        diffs: list[Difference] = []
        for key in [*recorded, *(k for k in live if k not in recorded)]:
            diffs.extend(diff_json(recorded.get(key, ABSENT), live.get(key, ABSENT), f"{where}.{key}"))
        return diffs
    if isinstance(recorded, list) and isinstance(live, list):
        diffs = []
        for i in range(max(len(recorded), len(live))):
            diffs.extend(
                diff_json(recorded[i] if i < len(recorded) else ABSENT, live[i] if i < len(live) else ABSENT, f"{where}[{i}]")
            )
        return diffs
    if recorded == live and isinstance(recorded, bool) == isinstance(live, bool):
        return []
    return [Difference(where, recorded, live)]


body = body_without()

MATCHERS: dict[str, Matcher] = {"transport": transport, "method": method, "path": path, "query": query, "body": body}
DEFAULT_MATCH_ON: tuple[str, ...] = ("transport", "method", "path", "query", "body")


def resolve(match_on: Sequence[str | Matcher]) -> list[Matcher]:
    """Matcher names (see `MATCHERS`) or callables, as a list of callables."""
    out: list[Matcher] = []
    for entry in match_on:
        if isinstance(entry, str):
            if entry not in MATCHERS:
                raise ValueError(f"unknown matcher {entry!r}; known matchers: {', '.join(MATCHERS)} (or pass a callable)")
            out.append(MATCHERS[entry])
        else:
            out.append(entry)
    return out


def compare(live: LiveRequest, rec: Interaction, matchers: Sequence[Matcher], ctx: MatchContext) -> list[Difference]:
    diffs: list[Difference] = []
    for matcher in matchers:
        diffs.extend(matcher(live, rec, ctx))
    return diffs


def closest(
    live: LiveRequest,
    candidates: Sequence[Interaction],
    matchers: Sequence[Matcher],
    ctx: MatchContext,
    penalty: Callable[[Interaction], float] = lambda _: 0.0,
) -> tuple[Interaction, list[Difference]] | None:
    """The recorded interaction with the fewest (weighted) differences, and those differences;
    ``penalty`` adds to a candidate's score (the replay uses it to prefer unplayed ones on a tie)."""
    best: tuple[float, Interaction, list[Difference]] | None = None
    for rec in candidates:
        diffs = compare(live, rec, matchers, ctx)
        score = sum(d.weight for d in diffs) + penalty(rec)
        if best is None or score < best[0]:
            best = (score, rec, diffs)
    return (best[1], best[2]) if best else None


def mismatch_message(
    live: LiveRequest,
    nearest: tuple[Interaction, list[Difference]] | None,
    *,
    cassette: str | None,
    rerecord: str,
    played: Callable[[Interaction], bool] = lambda _: False,
    limit: int = 12,
) -> str:
    """The error text for a request nothing recorded matches."""
    lines = [
        f"openai-replay: no recorded interaction in {cassette or 'the cassette'} matches this request",
        f"  live:    {live.describe()}",
    ]
    if nearest is None:
        lines.append("  the cassette holds no interactions at all")
    else:
        rec, diffs = nearest
        state = "already played" if played(rec) else "not played yet"
        lines.append(f"  closest: interaction {rec.index + 1}, {rec.describe()}{summarize(rec.request)} ({state})")
        if not diffs:
            lines.append("  it matches, but it was already played: the client sent this request more times than recorded")
        for diff in diffs[:limit]:
            lines.append(f"    - {diff}")
        if len(diffs) > limit:
            lines.append(f"    ... and {len(diffs) - limit} more differences")
    lines.append(f"  to re-record: {rerecord}")
    return "\n".join(lines)


def summarize(body: dict[str, Any] | None) -> str:
    """`` model=gpt-4o input=2 items prev=resp_…``: a request in a few words."""
    if not body:
        return ""
    parts = []
    if body.get("model"):
        parts.append(f"model={body['model']}")
    items = body.get("input")
    if isinstance(items, list):
        parts.append(f"input={len(items)} item{'s' if len(items) != 1 else ''}")
    elif isinstance(items, str):
        parts.append(f"input={_short(items)}")
    if body.get("previous_response_id"):
        parts.append(f"prev={_short(body['previous_response_id'], 24)}")
    return "  " + " ".join(parts) if parts else ""


def _short(value: Any, width: int = 60) -> str:
    text = repr(value) if value is ABSENT or not isinstance(value, (dict, list)) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"
