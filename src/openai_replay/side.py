"""The side endpoints' answers, shared by the simulated model and scenario replies.

A side endpoint (models, embeddings, moderations) answers one JSON body. The simulated model answers
it from the request alone; a scenario rule that replies with text (``.reply(...)``) scripts it: the
text is a vector for embeddings and the flagged categories for moderations (see each package's
``scripted_answer``).
"""

from __future__ import annotations

from typing import Any

from openai_replay import embeddings, moderations
from openai_replay.errors import ApiError
from openai_replay.models import models_answer
from openai_replay.source import Turn


def simulated_answer(turn: Turn) -> str | ApiError:
    """The simulated body for a side-endpoint turn (a 404 `ApiError` for an unknown model)."""
    payload: dict[str, Any] = turn.payload
    if turn.side == "models":
        model = payload.get("model")
        return models_answer(turn.config.models, model if isinstance(model, str) else None)
    if turn.side == "embeddings":
        return embeddings.embeddings_answer(payload)
    if turn.side == "moderations":
        return moderations.moderations_answer(payload, turn.record.response_id or "modr-0")
    raise ValueError(f"no simulated answer for the {turn.side!r} API")


def scripted_answer(api: str, payload: dict[str, Any], record_id: str | None, text: str) -> str:
    """A scenario's reply text as the side endpoint's body; ValueError says what the text must be."""
    if api == "embeddings":
        return embeddings.scripted_answer(payload, text)
    if api == "moderations":
        return moderations.scripted_answer(payload, record_id or "modr-0", text)
    raise ValueError(f"a {api} request cannot be answered with reply text; use a fault or let the simulated model answer")
