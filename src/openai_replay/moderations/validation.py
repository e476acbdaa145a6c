"""The real API's 400s for a moderations request."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openai_replay import errors
from openai_replay.embeddings.validation import INVALID_INPUT, unrecognized
from openai_replay.errors import ApiError
from openai_replay.models import model_list, model_not_found
from openai_replay.responses.validation import kind_of

FIELDS = ("model", "input")
#: The moderation models (the text-moderation ones answer the 11 classic categories).
MODELS = (
    "omni-moderation-latest",
    "omni-moderation-2024-09-26",
    "text-moderation-latest",
    "text-moderation-stable",
    "text-moderation-007",
)
PART_TYPES = ("text", "image_url")


def validate_moderations(payload: Any, models: Sequence[str] | None) -> ApiError | None:
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", kind_of(payload))
    for name in payload:
        if name not in FIELDS:
            return unrecognized(name)
    if "input" not in payload:
        return errors.missing_parameter("input")
    if not _valid_input(payload["input"]):
        return INVALID_INPUT
    model = payload.get("model")
    if model is not None and not isinstance(model, str):
        return errors.invalid_type("model", "a string", kind_of(model))
    if isinstance(model, str) and model not in MODELS and model not in model_list(models):
        return model_not_found(model)
    return None


def _valid_input(value: Any) -> bool:
    """A string, a non-empty list of strings, or a non-empty list of ``text``/``image_url`` parts."""
    if isinstance(value, str):
        return True
    if not isinstance(value, list) or not value:
        return False
    if all(isinstance(v, str) for v in value):
        return True
    return all(_part(v) for v in value)


def _part(value: Any) -> bool:
    if not isinstance(value, dict) or value.get("type") not in PART_TYPES:
        return False
    if value["type"] == "text":
        return isinstance(value.get("text"), str)
    image = value.get("image_url")
    return isinstance(image, dict) and isinstance(image.get("url"), str)
