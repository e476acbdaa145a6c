"""Input items as the API lists them (``input_items``, conversation items), token counts and compaction.

A client sends items loosely (a bare string, a message without an id or status, string content);
the API lists them as resources: every item has an ``id`` and a ``status``, a message's content is a
list of typed parts. Ids the server assigns here are derived from the owner's id and the item's
position, so listing the same items twice gives the same ids (and the same seed, the same bytes).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from openai_replay.items import count_tokens, items_tokens, normalize_input

#: The id prefix the API gives each kind of item it stores.
PREFIXES = {"message": "msg", "function_call": "fc", "function_call_output": "fco", "reasoning": "rs", "compaction": "cmp"}
INPUT_ROLES = ("user", "system", "developer")


def derived_id(kind: str, owner: str, index: int) -> str:
    """An item id in the real layout (prefix, the owner's 16-hex group, ``00``, 32 hex), stable for
    ``(owner, index)``."""
    group = owner.split("_", 1)[-1][:16].ljust(16, "0")
    digest = hashlib.sha256(f"{owner}:{index}".encode()).hexdigest()[:32]
    return f"{PREFIXES.get(kind, 'item')}_{group}00{digest}"


def as_resource(item: dict[str, Any], owner: str, index: int) -> dict[str, Any]:
    """``item`` the way the API lists it: with an id, a status and content parts."""
    kind = str(item.get("type") or "message")
    out: dict[str, Any] = {"id": item.get("id") or derived_id(kind, owner, index), "type": kind}
    if kind == "message":
        role = item.get("role") or "user"
        out["status"] = item.get("status") or "completed"
        out["role"] = role
        out["content"] = _parts(item.get("content"), role)
        return out
    out.update({k: v for k, v in item.items() if k not in ("id", "type")})
    if kind in ("function_call", "function_call_output") and "status" not in out:
        out["status"] = "completed"
    return out


def _parts(content: Any, role: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        if role in INPUT_ROLES:
            return [{"type": "input_text", "text": content}]
        return [{"type": "output_text", "annotations": [], "logprobs": [], "text": content}]
    parts = content if isinstance(content, list) else []
    return [p for p in parts if isinstance(p, dict)]


def as_resources(items: list[dict[str, Any]], owner: str, start: int = 0) -> list[dict[str, Any]]:
    return [as_resource(item, owner, start + n) for n, item in enumerate(items)]


def input_tokens(payload: dict[str, Any], context: list[dict[str, Any]], context_tokens: int | None = None) -> int:
    """The deterministic input token count of a request over ``context`` (instructions and tools count too);
    ``context_tokens``: ``items_tokens(context)`` when the caller already knows it (`items.Tally`)."""
    instructions = payload.get("instructions")
    extra = count_tokens(instructions) if isinstance(instructions, str) else 0
    tools = payload.get("tools") or []
    kept = items_tokens(context) if context_tokens is None else context_tokens
    return kept + extra + (count_tokens(json.dumps(tools)) if tools else 0)


def compacted(context: list[dict[str, Any]], owner: str) -> list[dict[str, Any]]:
    """What compaction keeps: the user's messages as they were, then one ``compaction`` item standing
    for everything else (its ``encrypted_content`` is opaque to clients, as the real one is)."""
    kept = [item for item in context if item.get("type", "message") == "message" and item.get("role") == "user"]
    summary = hashlib.sha256(json.dumps(context, sort_keys=True, default=str).encode()).hexdigest()
    out = as_resources(kept, owner)
    out.append({"id": derived_id("compaction", owner, len(kept)), "type": "compaction", "encrypted_content": f"gAAAA{summary}"})
    return out


def request_context(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return normalize_input(payload.get("input"))
