"""Cursor paging for the list endpoints (``input_items``, conversation items, stored chat completions).

OpenAI's lists share one shape: ``{"object": "list", "data": [...], "first_id", "last_id",
"has_more"}``, read with ``limit`` (1-100, default 20), ``order`` (``asc``/``desc``) and the cursors
``after`` / ``before`` (an item id: the page starts after it, or ends before it, in the list's order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openai_replay import errors
from openai_replay.errors import ApiError

Order = Literal["asc", "desc"]


@dataclass(frozen=True)
class PageQuery:
    """What a list request asked for."""

    limit: int = 20
    order: Order = "desc"
    after: str | None = None
    before: str | None = None


def page_query(query: Mapping[str, str], default_order: Order = "desc") -> PageQuery | ApiError:
    """``limit``, ``order``, ``after`` and ``before`` from a query string, or the real 400 for a bad one."""
    limit = 20
    raw = query.get("limit")
    if raw is not None:
        try:
            limit = int(raw)
        except ValueError:
            return errors.invalid_type("limit", "an integer", "a string")
        if not 1 <= limit <= 100:
            return errors.out_of_range("limit", limit, 1, 100, "integer")
    order = query.get("order", default_order)
    if order not in ("asc", "desc"):
        return errors.invalid_value("order", order, ["asc", "desc"])
    return PageQuery(limit, order, query.get("after") or None, query.get("before") or None)  # type: ignore[arg-type]


def page(items: Sequence[dict[str, Any]], query: PageQuery) -> dict[str, Any] | ApiError:
    """One page of ``items`` (given oldest first) as OpenAI's list object; an unknown cursor is a 400."""
    ordered = list(items) if query.order == "asc" else list(reversed(items))
    ids = [item.get("id") for item in ordered]
    start, end = 0, len(ordered)
    if query.after is not None:
        if query.after not in ids:
            return cursor_not_found("after", query.after)
        start = ids.index(query.after) + 1
    if query.before is not None:
        if query.before not in ids:
            return cursor_not_found("before", query.before)
        end = ids.index(query.before)
    window = ordered[start:end]
    data = window[: query.limit]
    return {
        "object": "list",
        "data": data,
        "first_id": data[0].get("id") if data else None,
        "last_id": data[-1].get("id") if data else None,
        "has_more": len(window) > len(data),
    }


def cursor_not_found(param: str, value: str) -> ApiError:
    return ApiError(400, f"Invalid '{param}': no item with id '{value}' in this list.", code="invalid_value", param=param)
