"""Reading conversation items: the last user text, tool outputs, and rough token counts."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

#: How a prompt asks for a fenced JSON answer (instructor's MD_JSON mode, prompt-only JSON recipes).
JSON_FENCE = "```json"
#: How much of each item's text is searched for `JSON_FENCE` or an embedded JSON schema.
TEXT_LIMIT = 200_000


def normalize_input(value: Any) -> list[dict[str, Any]]:
    """``input`` as a list of items (a bare string is one user message)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    if not isinstance(value, list):  # a request the validator refuses (a number, an object) has no items
        return []
    # The items themselves are shared, not copied: the log, the connection cache and every rule
    # read them, none changes them, and a copy per reader was a third of what a turn keeps in memory.
    return [item for item in value if isinstance(item, dict)]


def item_text(item: dict[str, Any]) -> str:
    """The human-readable text of an item (message text, tool output, call arguments)."""
    kind = item.get("type", "message")
    if kind == "message":
        content = item.get("content")
        if isinstance(content, str):
            return content
        parts = content if isinstance(content, list) else []
        return "".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    if kind == "function_call_output":
        output = item.get("output")
        return output if isinstance(output, str) else json.dumps(output)
    if kind == "function_call":
        return f"{item.get('name', '')}({item.get('arguments', '')})"
    return ""


def last_user_text(items: list[dict[str, Any]]) -> str | None:
    for item in reversed(items):
        if item.get("type", "message") == "message" and item.get("role") == "user":
            return item_text(item)
    return None


def trailing_tool_outputs(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ``function_call_output`` items after the last user message."""
    outputs: list[dict[str, Any]] = []
    for item in reversed(items):
        if item.get("type") == "function_call_output":
            outputs.append(item)
        elif item.get("type", "message") == "message" and item.get("role") == "user":
            break
    return list(reversed(outputs))


def count_tokens(text: str) -> int:
    """A stable, rough token estimate (about four characters a token)."""
    return math.ceil(len(text) / 4) if text else 0


def items_tokens(items: list[dict[str, Any]]) -> int:
    return sum(count_tokens(item_text(i)) + 4 for i in items)


def fenced(items: list[dict[str, Any]]) -> bool:
    """Whether any item's text asks for a fenced JSON answer (`JSON_FENCE`)."""
    return any(JSON_FENCE in item_text(item)[:TEXT_LIMIT] for item in items)


@dataclass(frozen=True, slots=True)
class Tally:
    """What a turn reads of a whole conversation, added up item by item: its token count
    (`items_tokens`) and whether any item asks for a fenced JSON answer (`fenced`).

    A finished response keeps its conversation's tally, so a chained turn adds only its own new items:
    reading the whole chain again made every turn cost more than the one before (a 2,000-turn chain's
    turns took nine times as long as its first)."""

    tokens: int = 0
    fenced: bool = False

    def plus(self, items: list[dict[str, Any]]) -> Tally:
        """This tally with ``items`` added (after the items it counts)."""
        if not items:
            return self
        return Tally(self.tokens + items_tokens(items), self.fenced or fenced(items))


def tally(items: list[dict[str, Any]]) -> Tally:
    """The tally of ``items`` read from scratch."""
    return Tally().plus(items)
