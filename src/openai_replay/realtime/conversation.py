"""The conversation of a Realtime session: items in order, with the client's ids kept.

Items are echoed as real ``conversation.item.added`` events show them: ``id`` first, a ``status`` on
messages and calls, ``input_audio`` parts without their bytes. ``previous_item_id`` places an item after
another (``"root"`` at the start); without it the item goes last. The conversation keeps at most
`MAX_ITEMS` items and `MAX_CHARS` characters of text (the oldest go first, like the API's
``truncation: auto``), so memory stays bounded.
"""

from __future__ import annotations

from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.realtime import errors as rt_errors

MAX_ITEMS = 4096
#: Characters of item text and arguments the conversation holds at most (the oldest items go first).
MAX_CHARS = 8 * 1024 * 1024
MAX_ID = 64

_PARTS = {
    "user": ("input_text", "input_audio", "input_image"),
    "system": ("input_text",),
    "assistant": ("output_text", "output_audio", "text", "audio"),
}


class Conversation:
    """Items in conversation order, by id, with each model audio item's length in milliseconds."""

    def __init__(self, conversation_id: str) -> None:
        self.id = conversation_id
        self.order: list[str] = []
        self.items: dict[str, dict[str, Any]] = {}
        #: Milliseconds of audio the server has sent for an assistant audio item (truncate checks it).
        self.audio_ms: dict[str, int] = {}
        self._chars: dict[str, int] = {}
        self.chars = 0
        #: Each item's engine form as last handed out, reused while the item is unchanged: the request
        #: log keeps every response's input, so successive records share one dict per item instead of
        #: each holding a copy of the whole conversation (memory grew with the square of the turns).
        self._engine: dict[str, dict[str, Any]] = {}

    def __contains__(self, item_id: object) -> bool:
        return isinstance(item_id, str) and item_id in self.items

    def previous_of(self, item_id: str) -> str | None:
        index = self.order.index(item_id)
        return self.order[index - 1] if index > 0 else None

    def last(self) -> str | None:
        return self.order[-1] if self.order else None

    def insert(self, item: dict[str, Any], previous_item_id: Any = None) -> ApiError | None:
        """Place ``item`` (which has its ``id``) after ``previous_item_id``, or last."""
        if item["id"] in self.items:
            return rt_errors.duplicate_item(item["id"])
        if previous_item_id is None:
            index = len(self.order)
        elif previous_item_id == "root":
            index = 0
        elif previous_item_id in self:
            index = self.order.index(previous_item_id) + 1
        else:
            return rt_errors.previous_item_not_found(previous_item_id)
        self.order.insert(index, item["id"])
        self.items[item["id"]] = item
        size = _size(item)
        self._chars[item["id"]] = size
        self.chars += size
        while len(self.order) > 1 and (len(self.order) > MAX_ITEMS or self.chars > MAX_CHARS):
            self.delete(self.order[0])
        return None

    def delete(self, item_id: str) -> None:
        self.order.remove(item_id)
        del self.items[item_id]
        self.audio_ms.pop(item_id, None)
        self._engine.pop(item_id, None)
        self.chars -= self._chars.pop(item_id, 0)

    def engine_items(self) -> list[dict[str, Any]]:
        """The conversation as Responses input items, for the one engine (never edit them: they are shared)."""
        out: list[dict[str, Any]] = []
        for item_id in self.order:
            fresh = engine_item(self.items[item_id])
            if fresh is None:
                continue
            kept = self._engine.get(item_id)
            if kept != fresh:  # new, or changed since (a truncated transcript, a response's text)
                self._engine[item_id] = kept = fresh
            out.append(kept)
        return out


def _size(item: dict[str, Any]) -> int:
    """Characters an item holds (its text, transcripts, arguments, output)."""
    content = item.get("content")
    parts: list[Any] = content if isinstance(content, list) else []
    texts = [_part_text(p) for p in parts if isinstance(p, dict)]
    texts += [v for k in ("arguments", "output", "name") if isinstance(v := item.get(k), str)]
    return sum(len(t) for t in texts) + 64


def engine_items(items: Any) -> list[dict[str, Any]]:
    """Realtime items as Responses input items (text and transcripts as text)."""
    return [converted for item in items if (converted := engine_item(item)) is not None]


def engine_item(item: dict[str, Any]) -> dict[str, Any] | None:
    """One Realtime item as a Responses input item, or None for a kind the engine does not read."""
    kind = item.get("type")
    if kind == "message":
        role = item.get("role")
        part_type = "output_text" if role == "assistant" else "input_text"
        texts = [_part_text(p) for p in item.get("content") or []]
        return {"type": "message", "role": role, "content": [{"type": part_type, "text": t} for t in texts if t]}
    if kind == "function_call":
        return {k: item.get(k) for k in ("type", "call_id", "name", "arguments")}
    if kind == "function_call_output":
        return {k: item.get(k) for k in ("type", "call_id", "output")}
    return None


def _part_text(part: dict[str, Any]) -> str:
    value = part.get("text") if "text" in part else part.get("transcript")
    return value if isinstance(value, str) else ""


def client_item(item: Any, new_id: str) -> dict[str, Any] | ApiError:
    """A client's ``conversation.item.create`` item, checked, as the server echoes it."""
    if not isinstance(item, dict):
        return errors.invalid_type("item", "an object", type(item).__name__)
    item_id = item.get("id", new_id)
    if not isinstance(item_id, str) or not item_id or len(item_id) > MAX_ID:
        return errors.invalid_value("item.id", item_id, [f"a string of 1 to {MAX_ID} characters"])
    kind = item.get("type", "message")
    if kind == "message":
        return _message(item, item_id)
    if kind == "function_call":
        for key in ("call_id", "name"):
            if not isinstance(item.get(key), str):
                return errors.missing_parameter(f"item.{key}")
        arguments = item.get("arguments", "")
        if not isinstance(arguments, str):
            return errors.invalid_type("item.arguments", "a string", type(arguments).__name__)
        return {
            "id": item_id,
            "type": kind,
            "status": "completed",
            "name": item["name"],
            "call_id": item["call_id"],
            "arguments": arguments,
        }
    if kind == "function_call_output":
        if not isinstance(item.get("call_id"), str):
            return errors.missing_parameter("item.call_id")
        if not isinstance(item.get("output"), str):
            return errors.invalid_type("item.output", "a string", type(item.get("output")).__name__)
        return {"id": item_id, "type": kind, "call_id": item["call_id"], "output": item["output"]}
    return errors.invalid_value("item.type", kind, ["message", "function_call", "function_call_output"])


def _message(item: dict[str, Any], item_id: str) -> dict[str, Any] | ApiError:
    role = item.get("role")
    if not isinstance(role, str) or role not in _PARTS:
        return errors.invalid_value("item.role", role, list(_PARTS))
    content = item.get("content")
    if not isinstance(content, list):
        return errors.invalid_type("item.content", "an array", type(content).__name__)
    parts: list[dict[str, Any]] = []
    for i, part in enumerate(content):
        path = f"item.content[{i}]"
        if not isinstance(part, dict):
            return errors.invalid_type(path, "an object", type(part).__name__)
        kind = part.get("type")
        if kind not in _PARTS[role]:
            return errors.invalid_value(f"{path}.type", kind, list(_PARTS[role]))
        echoed = _part(path, kind, part)
        if isinstance(echoed, ApiError):
            return echoed
        parts.append(echoed)
    return {"id": item_id, "type": "message", "status": "completed", "role": role, "content": parts}


def _part(path: str, kind: str, part: dict[str, Any]) -> dict[str, Any] | ApiError:
    kind = {"text": "output_text", "audio": "output_audio"}.get(kind, kind)
    if kind in ("input_text", "output_text"):
        if not isinstance(part.get("text"), str):
            return errors.invalid_type(f"{path}.text", "a string", type(part.get("text")).__name__)
        return {"type": kind, "text": part["text"]}
    if kind in ("input_audio", "output_audio"):
        transcript = part.get("transcript")
        if transcript is not None and not isinstance(transcript, str):
            return errors.invalid_type(f"{path}.transcript", "a string", type(transcript).__name__)
        if kind == "input_audio" and "audio" in part and not isinstance(part["audio"], str):
            return rt_errors.invalid_audio(f"{path}.audio")
        return {"type": kind, "transcript": transcript}
    return {"type": kind, **{k: v for k, v in part.items() if k in ("image_url", "detail")}}
