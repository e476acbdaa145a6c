"""The ``POST /v1/moderations`` answer, with every category present.

Shapes from real traffic (real-cassettes-surface ``models-moderations``): ``{id: modr-..., model,
results: [{flagged, categories, category_scores, category_applied_input_types}]}`` with the 13
categories of the omni models. Every model gets that shape: the retired text-moderation models
answered 11 categories without ``category_applied_input_types``, but the OpenAPI spec and the SDK's
types now require all 13 and the input types. One result per input string; a list of multimodal
parts is one input.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from openai_replay.wire import pretty

OMNI = (
    "harassment",
    "harassment/threatening",
    "sexual",
    "hate",
    "hate/threatening",
    "illicit",
    "illicit/violent",
    "self-harm/intent",
    "self-harm/instructions",
    "self-harm",
    "sexual/minors",
    "violence",
    "violence/graphic",
)
#: Categories the omni models also judge in images.
IMAGE_CATEGORIES = frozenset(
    {"sexual", "self-harm/intent", "self-harm/instructions", "self-harm", "violence", "violence/graphic"}
)
DEFAULT_MODEL = "omni-moderation-latest"
FLAGGED_SCORE = 0.97


def _inputs(payload: dict[str, Any]) -> list[tuple[str, bool]]:
    """Each input's text and whether it holds an image."""
    given = payload["input"]
    if isinstance(given, str):
        return [(given, False)]
    if all(isinstance(v, str) for v in given):
        return [(v, False) for v in given]
    text = " ".join(str(p.get("text", "")) for p in given if p.get("type") == "text")
    return [(text, any(p.get("type") == "image_url" for p in given))]


def moderations_answer(payload: dict[str, Any], ident: str, flags: dict[str, float] | None = None) -> str:
    """The answer; ``flags`` (category -> score) marks categories flagged on every input."""
    model = str(payload.get("model") or DEFAULT_MODEL)
    names = OMNI
    results = []
    for text, image in _inputs(payload):
        scores = {name: _low_score(text, name) for name in names}
        scores.update({k: v for k, v in (flags or {}).items() if k in scores})
        result: dict[str, Any] = {
            "flagged": any(v >= 0.5 for v in scores.values()),
            "categories": {name: scores[name] >= 0.5 for name in names},
            "category_scores": scores,
        }
        result["category_applied_input_types"] = {
            name: ["text", "image"] if image and name in IMAGE_CATEGORIES else (["text"] if text or not image else [])
            for name in names
        }
        results.append(result)
    return pretty({"id": ident, "model": model, "results": results})


def _low_score(text: str, category: str) -> float:
    """A small, stable score (the same text always scores the same)."""
    return (zlib.crc32(f"{category}\x00{text}".encode()) % 9000 + 100) / 10_000_000


def scripted_answer(payload: dict[str, Any], ident: str, text: str) -> str:
    """A scenario's answer: its reply names the flagged categories, comma-separated (``violence,
    harassment``), or maps them to scores (``{"violence": 0.9}``). Raises ValueError otherwise."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(value, dict):
        flags = {str(k): float(v) for k, v in value.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    elif isinstance(value, list):
        flags = {str(k): FLAGGED_SCORE for k in value}
    else:
        flags = {}
    known = set(OMNI)
    unknown = sorted(set(flags) - known)
    if not flags or unknown:
        raise ValueError(
            f"a moderations scenario replies with category names (e.g. 'violence, harassment') or a JSON object of "
            f"category scores; unknown: {', '.join(unknown) or text[:40]!r}; known: {', '.join(sorted(known))}"
        )
    return moderations_answer(payload, ident, flags)
