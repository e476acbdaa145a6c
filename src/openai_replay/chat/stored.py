"""Chat completions created with ``store: true``, for ``GET /v1/chat/completions`` and ``/{id}``.

The list is filtered by ``model`` and ``metadata[key]=value`` and paged like every list (default
order ``asc``, as the API documents). Bounded like the response store.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Mapping
from typing import Any

from openai_replay.errors import ApiError


class StoredCompletions:
    """Stored ``chat.completion`` bodies by id, oldest first; with a ``limit`` only the newest that many."""

    def __init__(self, limit: int | None = None) -> None:
        self._lock = threading.Lock()
        self._items: dict[str, dict[str, Any]] = {}
        self.limit = limit

    def put(self, completion: dict[str, Any], metadata: Mapping[str, str] | None = None) -> None:
        body = dict(completion)
        body["metadata"] = dict(metadata or {})
        with self._lock:
            self._items[str(body["id"])] = body
            while self.limit and len(self._items) > self.limit:
                del self._items[next(iter(self._items))]

    def get(self, completion_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(completion_id)
            return copy.deepcopy(found) if found is not None else None

    def update(self, completion_id: str, metadata: Mapping[str, str]) -> dict[str, Any] | None:
        with self._lock:
            found = self._items.get(completion_id)
            if found is None:
                return None
            found["metadata"] = dict(metadata)
            return copy.deepcopy(found)

    def delete(self, completion_id: str) -> bool:
        with self._lock:
            return self._items.pop(completion_id, None) is not None

    def matching(self, query: Mapping[str, str]) -> list[dict[str, Any]]:
        """Stored completions (oldest first) with the ``model`` and every ``metadata[key]`` asked for."""
        wanted = {k[len("metadata[") : -1]: v for k, v in query.items() if k.startswith("metadata[") and k.endswith("]")}
        model = query.get("model")
        with self._lock:
            found = list(self._items.values())
        return [
            copy.deepcopy(c)
            for c in found
            if (model is None or c.get("model") == model) and all(c["metadata"].get(k) == v for k, v in wanted.items())
        ]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


def completion_not_found(completion_id: str) -> ApiError:
    return ApiError(404, f"No chat completion found with id '{completion_id}'.", param=None)
