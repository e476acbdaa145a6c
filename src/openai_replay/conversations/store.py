"""Conversations and their items, kept in memory (bounded like the response store).

A conversation is an id, a creation time, metadata and an ordered list of items as the API lists
them (`openai_replay.responses.resources.as_resource`). ``responses.create`` with ``conversation``
reads the items as the context and appends its input and output when the response completes.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.responses.resources import as_resources


@dataclass
class Conversation:
    id: str
    created_at: int
    metadata: dict[str, str] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    #: How many items were ever added (a deleted item's position is not reused for a new id).
    added: int = 0

    def resource(self) -> dict[str, Any]:
        return {"id": self.id, "object": "conversation", "created_at": self.created_at, "metadata": dict(self.metadata)}

    def add(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Append ``items`` (as resources, ids kept or derived) and return them."""
        added = as_resources(items, self.id, self.added)
        self.added += len(added)
        self.items.extend(added)
        return added

    def item(self, item_id: str) -> dict[str, Any] | None:
        return next((i for i in self.items if i.get("id") == item_id), None)


class ConversationStore:
    """Conversations by id; with a ``limit`` only the newest that many are kept."""

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, Conversation] = {}
        self.limit = limit

    def put(self, conversation: Conversation) -> None:
        with self._lock:
            self._items[conversation.id] = conversation
            while self.limit and len(self._items) > self.limit:
                del self._items[next(iter(self._items))]

    def get(self, conversation_id: str) -> Conversation | None:
        with self._lock:
            return self._items.get(conversation_id)

    def find(self, conversation_id: str) -> Conversation | ApiError:
        found = self.get(conversation_id)
        return found if found is not None else not_found(conversation_id)

    def delete(self, conversation_id: str) -> bool:
        with self._lock:
            return self._items.pop(conversation_id, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def not_found(conversation_id: str) -> ApiError:
    return ApiError(404, f"Conversation with id '{json.dumps(conversation_id[:64])[1:-1]}' not found.")


def item_not_found(item_id: str) -> ApiError:
    return ApiError(404, f"Item with id '{item_id}' not found.")


def lookup(store: ConversationStore, value: Any) -> Conversation | ApiError | None:
    """The conversation a ``conversation`` parameter names: None when absent, a 400 for a value that
    is no conversation id, a 404 for an id the store does not hold."""
    if value is None:
        return None
    if isinstance(value, dict) and not isinstance(value.get("id"), str):
        return errors.missing_parameter("conversation.id")
    conversation_id = conversation_id_of(value)
    if conversation_id is None:
        return None  # not a string or an object: the type check refuses it first
    if not conversation_id.startswith("conv"):
        shown = json.dumps(conversation_id[:64])[1:-1]
        return ApiError(
            400,
            f"Invalid 'conversation': '{shown}'. Expected an ID that begins with 'conv'.",
            code="invalid_value",
            param="conversation",
        )
    return store.find(conversation_id)


def conversation_id_of(value: Any) -> str | None:
    """The id a ``conversation`` parameter names (a string, or ``{"id": ...}``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None
