"""The models the fake server lists, and their objects in the real shape.

``{"id", "object": "model", "created", "owned_by"}`` (the 2023-11-on shape, real-cassettes-surface
``models-moderations``); a list is ``{"object": "list", "data": [...]}``. The list is
`ServerConfig.models` when set (``FakeServer(models=[...])``, a scenario's ``config``), else
`DEFAULT_MODELS`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from openai_replay.errors import ApiError
from openai_replay.wire import pretty

#: Current models of each kind the fake server serves (chat, Responses, embeddings, moderation, audio).
DEFAULT_MODELS: tuple[str, ...] = (
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4.1",
    "gpt-4.1-mini",
    "gpt-4.1-nano",
    "gpt-5",
    "gpt-5-mini",
    "gpt-5-nano",
    "o4-mini",
    "gpt-realtime",
    "gpt-4o-transcribe",
    "gpt-4o-mini-tts",
    "whisper-1",
    "tts-1",
    "text-embedding-3-small",
    "text-embedding-3-large",
    "text-embedding-ada-002",
    "omni-moderation-latest",
)
_EPOCH = 1_698_000_000  # late 2023: every listed model's ``created`` falls a little after it


def model_list(configured: Sequence[str] | None) -> list[str]:
    return list(DEFAULT_MODELS if configured is None else configured)


def model_object(model_id: str) -> dict[str, Any]:
    """One model, with a ``created`` that is the same every run (derived from the id)."""
    owner = "openai" if model_id in DEFAULT_MODELS else "system"
    return {"id": model_id, "object": "model", "created": _EPOCH + zlib.crc32(model_id.encode()) % 60_000_000, "owned_by": owner}


def model_not_found(model_id: str) -> ApiError:
    """The real 404 for a model that does not exist (the same words as the embeddings 404)."""
    return ApiError(404, f"The model `{model_id}` does not exist or you do not have access to it.", code="model_not_found")


def models_answer(configured: Sequence[str] | None, model_id: str | None) -> str | ApiError:
    """The JSON body for ``GET /v1/models`` (``model_id`` None) or ``/v1/models/{id}``, or the 404."""
    names = model_list(configured)
    if model_id is None:
        return pretty({"object": "list", "data": [model_object(m) for m in names]})
    if model_id not in names:
        return model_not_found(model_id)
    return pretty(model_object(model_id))
