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
from openai_replay.items import Tally, tally
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
        #: Each item's engine form as last handed out (with what it was made from and its tokens),
        #: reused while the item is unchanged: the request log keeps every response's input, so
        #: successive records share one dict per item instead of each holding a copy of the whole
        #: conversation (memory grew with the square of the turns).
        self._engine: dict[str, tuple[tuple[Any, ...], dict[str, Any] | None, Tally]] = {}
        self._last_items: list[dict[str, Any]] = []
        self._last_tally = Tally()
        # What changed since `engine_items` last ran, so that a turn reads only that (a voice
        # session's 2,000th turn cost ten times its first when every turn read every item):
        #: items placed last since, in order;
        self._appended: list[str] = []
        #: forms the oldest items' removal (`MAX_ITEMS`) took off the front of the last view, and their tokens;
        self._dropped = 0
        self._dropped_tokens = 0
        #: anything else (an item placed before the last, removed from the middle, edited in place,
        #: or read while still in progress): the next view walks every item and compares its `_mark`.
        self._walk = True

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
        if index == len(self.order) and not self._walk:
            self._appended.append(item["id"])
        else:
            self._rewalk()
        self.order.insert(index, item["id"])
        self.items[item["id"]] = item
        size = _size(item)
        self._chars[item["id"]] = size
        self.chars += size
        while len(self.order) > 1 and (len(self.order) > MAX_ITEMS or self.chars > MAX_CHARS):
            oldest = self.order[0]  # the oldest other than the new item (placed at "root", it stays)
            self.delete(oldest if oldest != item["id"] else self.order[1])
        return None

    def delete(self, item_id: str) -> None:
        kept = self._engine.pop(item_id, None)
        if kept is not None and item_id == self.order[0] and not kept[2].fenced and item_id not in self._appended:
            if kept[1] is not None:  # the oldest item, in the last view: its form leaves that view's front
                self._dropped += 1
                self._dropped_tokens += kept[2].tokens
        else:
            self._rewalk()
        self.order.remove(item_id)
        del self.items[item_id]
        self.audio_ms.pop(item_id, None)
        self.chars -= self._chars.pop(item_id, 0)

    def edited(self) -> None:
        """An item was changed in place (a truncated transcript): the next view reads every item again."""
        self._rewalk()

    def _rewalk(self) -> None:
        """The next view walks every item, so the appends need not be kept (nor grow in a session
        that never asks for a view: a transcription session, out-of-band responses)."""
        self._walk = True
        self._appended.clear()

    def engine_items(self) -> list[dict[str, Any]]:
        """The conversation as Responses input items, for the one engine (never edit them: they are shared).

        Each item's engine form and `Tally` are kept with the values they were made from (`_mark`).
        Usually only the items placed last since the previous view are read, and the oldest ones
        trimmed off its front; after any other change, every item's mark is compared, and an item
        is converted again only when its mark changed (a truncated transcript, a response's text)."""
        if self._walk:
            out, counted = self._walk_all()
        else:
            fresh = [self._form(item_id) for item_id in self._appended]
            out = self._last_items[self._dropped :] + [form for form, _ in fresh if form is not None]
            last = self._last_tally
            counted = Tally(last.tokens - self._dropped_tokens, last.fenced)
            for _, added in fresh:
                counted = Tally(counted.tokens + added.tokens, counted.fenced or added.fenced)
        self._appended, self._dropped, self._dropped_tokens = [], 0, 0
        self._last_items, self._last_tally = out, counted
        return out

    def _walk_all(self) -> tuple[list[dict[str, Any]], Tally]:
        self._walk = False
        out: list[dict[str, Any]] = []
        tokens = 0
        asks = False
        kept_forms = self._engine
        for item_id in self.order:
            mark = _mark(self.items[item_id])
            kept = kept_forms.get(item_id)
            form, counted = self._form(item_id, mark) if kept is None or kept[0] != mark else kept[1:]
            if form is not None:
                out.append(form)
                tokens += counted.tokens
                asks = asks or counted.fenced
        return out, Tally(tokens, asks)

    def _form(self, item_id: str, mark: tuple[Any, ...] | None = None) -> tuple[dict[str, Any] | None, Tally]:
        """Convert one item and keep its form; an item still in progress makes the next view walk."""
        item = self.items[item_id]
        form = engine_item(item)
        counted = Tally() if form is None else tally([form])
        self._engine[item_id] = (_mark(item) if mark is None else mark, form, counted)
        if item.get("status") == "in_progress":
            self._walk = True
        return form, counted

    def tally(self, items: list[dict[str, Any]]) -> Tally:
        """``items.tally(items)``; from the kept tallies when ``items`` is what `engine_items` last returned."""
        return self._last_tally if items is self._last_items else tally(items)


def _mark(item: dict[str, Any]) -> tuple[Any, ...]:
    """Every value `engine_item` reads from ``item``: equal marks make equal engine forms. Comparing
    them is cheap (the values are mostly the very same str objects, compared by identity first)."""
    kind = item.get("type")
    if kind == "message":
        return (kind, item.get("role"), *map(_part_text, item.get("content") or ()))
    if kind == "function_call":
        return (kind, item.get("call_id"), item.get("name"), item.get("arguments"))
    if kind == "function_call_output":
        return (kind, item.get("call_id"), item.get("output"))
    return (kind,)


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
