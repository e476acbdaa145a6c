"""The real API's 400s (and 404) for an embeddings request, first problem first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openai_replay import errors
from openai_replay.embeddings.vectors import DIMENSIONS, SHORTENABLE, native_dimension
from openai_replay.errors import ApiError
from openai_replay.models import model_list, model_not_found
from openai_replay.responses.validation import kind_of

FIELDS = ("model", "input", "encoding_format", "dimensions", "user")
MAX_INPUTS = 2048
INVALID_INPUT = ApiError(
    400, "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."
)


def unrecognized(name: str) -> ApiError:
    return ApiError(400, f"Unrecognized request argument supplied: {name}")


def validate_embeddings(payload: Any, models: Sequence[str] | None) -> ApiError | None:
    """The first problem with an embeddings body, or None; ``models`` is `ServerConfig.models`."""
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", kind_of(payload))
    for name in payload:
        if name not in FIELDS:
            return unrecognized(name)
    model = payload.get("model")
    if model is None:
        return ApiError(400, "you must provide a model parameter")
    if not isinstance(model, str):
        return errors.invalid_type("model", "a string", kind_of(model))
    if "input" not in payload:
        return errors.missing_parameter("input")
    if not _valid_input(payload["input"]):
        return INVALID_INPUT
    fmt = payload.get("encoding_format")
    if fmt is not None and fmt not in ("float", "base64"):
        return errors.invalid_value("encoding_format", fmt, ["float", "base64"])
    if model not in DIMENSIONS and model not in model_list(models):
        return model_not_found(model)
    dims = payload.get("dimensions")
    if dims is not None:
        if isinstance(dims, bool) or not isinstance(dims, int):
            return errors.invalid_type("dimensions", "an integer", kind_of(dims))
        if model not in SHORTENABLE and model in DIMENSIONS:
            return ApiError(400, "This model does not support specifying dimensions.")
        if not 1 <= dims <= native_dimension(model):
            return errors.out_of_range("dimensions", dims, 1, native_dimension(model), "integer")
    user = payload.get("user")
    if user is not None and not isinstance(user, str):
        return errors.invalid_type("user", "a string", kind_of(user))
    return None


def _valid_input(value: Any) -> bool:
    """A non-empty string, or 1 to 2,048 of: non-empty strings, token arrays (lists of whole numbers)."""
    if isinstance(value, str):
        return value != ""
    if not isinstance(value, list) or not 1 <= len(value) <= MAX_INPUTS:
        return False
    if all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value):
        return True  # one input given as tokens
    return all((isinstance(v, str) and v != "") or _tokens(v) for v in value)


def _tokens(value: Any) -> bool:
    return (
        isinstance(value, list) and bool(value) and all(isinstance(t, int) and not isinstance(t, bool) and t >= 0 for t in value)
    )
