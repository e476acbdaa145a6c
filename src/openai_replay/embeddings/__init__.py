"""``POST /v1/embeddings``: validation, deterministic vectors and the response body."""

from openai_replay.embeddings.body import embeddings_answer, scripted_answer
from openai_replay.embeddings.validation import validate_embeddings
from openai_replay.embeddings.vectors import DIMENSIONS, embed

__all__ = ["DIMENSIONS", "embed", "embeddings_answer", "scripted_answer", "validate_embeddings"]
