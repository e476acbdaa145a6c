"""The ``POST /v1/embeddings`` answer: ``{object: list, data: [{object: embedding, index, embedding}], model, usage}``.

Pretty-printed like every non-streaming body; ``embedding`` is a float list or, with
``encoding_format: base64`` (the openai SDK's default), one base64 string of float32s.
"""

from __future__ import annotations

import json
from typing import Any

from openai_replay.embeddings.vectors import embed, native_dimension, to_base64
from openai_replay.items import count_tokens
from openai_replay.wire import pretty


def texts(payload: dict[str, Any]) -> list[str]:
    """The request's inputs as texts (a token array stands for its numbers, so equal arrays match)."""
    given = payload["input"]
    if isinstance(given, str):
        return [given]
    if all(isinstance(v, int) for v in given):
        return [" ".join(map(str, given))]
    return [v if isinstance(v, str) else " ".join(map(str, v)) for v in given]


def embeddings_answer(payload: dict[str, Any]) -> str:
    """The simulated answer: one deterministic vector per input."""
    model = str(payload["model"])
    size, dims = native_dimension(model), payload.get("dimensions")
    return _body(payload, [embed(t, size, dims) for t in texts(payload)])


def scripted_answer(payload: dict[str, Any], text: str) -> str:
    """A scenario's answer: its reply text is a JSON vector (used for every input) or a list of vectors
    (one per input). Raises ValueError saying what the text must look like."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = None
    inputs = texts(payload)
    if _vector(value):
        return _body(payload, [[float(v) for v in value]] * len(inputs))
    if isinstance(value, list) and len(value) == len(inputs) and all(_vector(v) for v in value):
        return _body(payload, [[float(x) for x in v] for v in value])
    raise ValueError(
        f"an embeddings scenario replies with a JSON list of numbers (one vector) or a list of {len(inputs)} such lists, "
        f"not {text[:60]!r}"
    )


def _vector(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)


def _body(payload: dict[str, Any], vectors: list[list[float]]) -> str:
    base64 = payload.get("encoding_format") == "base64"
    data = [{"object": "embedding", "index": i, "embedding": to_base64(v) if base64 else v} for i, v in enumerate(vectors)]
    tokens = sum(count_tokens(t) or 1 for t in texts(payload))
    return pretty(
        {"object": "list", "data": data, "model": payload["model"], "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
    )
