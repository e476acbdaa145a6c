"""``GET /v1/models`` and ``GET /v1/models/{id}``: the model list the fake server admits to."""

from openai_replay.models.catalog import DEFAULT_MODELS, model_list, model_not_found, model_object, models_answer

__all__ = ["DEFAULT_MODELS", "model_list", "model_not_found", "model_object", "models_answer"]
