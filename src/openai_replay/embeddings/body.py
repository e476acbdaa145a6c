"""The ``POST /v1/embeddings`` answer: ``{object: list, data: [{object: embedding, index, embedding}], model, usage}``.

Pretty-printed like every non-streaming body; ``embedding`` is a float list or, with
``encoding_format: base64`` (the openai SDK's default), one base64 string of float32s.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

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
    embeddings: list[list[float] | str] = [to_base64(v) if base64 else v for v in vectors]
    tokens = sum(count_tokens(t) or 1 for t in texts(payload))
    return _pretty(payload["model"], embeddings, tokens)


def _pretty(model: Any, embeddings: list[list[float] | str], tokens: int) -> str:
    """``pretty()`` of the answer, written by hand: ``json.dumps(indent=2)`` runs CPython's pure-Python
    encoder (its C encoder is for compact output only) and took 1.3 ms for 1,536 floats, most of a
    request. The layout is ``json.dumps``'s exactly (tests compare the two over random answers); the
    floats are `_numbers`; a value ``json`` spells its own way (NaN, Infinity, a model that is not a
    string) sends the answer through ``pretty()`` itself."""
    parts = []
    for index, embedding in enumerate(embeddings):
        if isinstance(embedding, str):
            value = json.dumps(embedding)
        elif not embedding:
            value = "[]"
        else:
            numbers = _numbers(embedding)
            if numbers is None:  # NaN or an infinity: json.dumps spells them its own way
                return pretty(_answer(model, embeddings, tokens))
            value = f"[\n        {numbers}\n      ]"
        parts.append(f'    {{\n      "object": "embedding",\n      "index": {index},\n      "embedding": {value}\n    }}')
    if not isinstance(model, str):
        return pretty(_answer(model, embeddings, tokens))
    data = "[\n" + ",\n".join(parts) + "\n  ]" if parts else "[]"
    return (
        f'{{\n  "object": "list",\n  "data": {data},\n  "model": {json.dumps(model)},\n'
        f'  "usage": {{\n    "prompt_tokens": {tokens},\n    "total_tokens": {tokens}\n  }}\n}}'
    )


_ITEM = ",\n        "
#: Where ``repr`` writes a float with an exponent (1e-05, 1e+16) and orjson may write it otherwise.
_FIXED_FROM, _FIXED_TO = 1e-4, 1e16


def _numbers(vector: list[float]) -> str | None:
    """The floats as ``json.dumps`` writes them (each its ``repr``), one a line; None for NaN or infinity.

    ``repr`` of 1,536 floats took 0.7 ms. orjson writes the same shortest round-trip digits 20 times
    faster, and the same text wherever ``repr`` uses fixed notation (0 and 1e-4 <= |x| < 1e16); it
    spells exponents its own way (7e-9, 0.00001 for 1e-05), so every float outside that range, and
    any token with an exponent, is written by ``repr`` itself (a handful in a unit vector)."""
    import numpy as np

    size = np.abs(np.asarray(vector, dtype=np.float64))
    if not np.isfinite(size).all():
        return None
    text = orjson.dumps(vector).decode()
    tokens = text[1:-1].split(",")
    redo = np.flatnonzero(((size < _FIXED_FROM) & (size > 0)) | (size >= _FIXED_TO)).tolist()
    if "e" in text or "E" in text:
        redo += [i for i, token in enumerate(tokens) if "e" in token or "E" in token]
    for i in redo:
        tokens[i] = float.__repr__(vector[i])
    return _ITEM.join(tokens)


def _answer(model: Any, embeddings: list[list[float] | str], tokens: int) -> dict[str, Any]:
    data = [{"object": "embedding", "index": i, "embedding": e} for i, e in enumerate(embeddings)]
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
