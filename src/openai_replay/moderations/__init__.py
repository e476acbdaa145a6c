"""``POST /v1/moderations``: validation and the response body (nothing flagged unless a scenario says so)."""

from openai_replay.moderations.body import moderations_answer, scripted_answer
from openai_replay.moderations.validation import validate_moderations

__all__ = ["moderations_answer", "scripted_answer", "validate_moderations"]
