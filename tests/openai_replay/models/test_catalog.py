"""The model catalog: the default and configured lists, stable objects, the 404."""

from __future__ import annotations

import json

from openai_replay.errors import ApiError
from openai_replay.models import DEFAULT_MODELS, models_answer


def test_default_and_configured_lists() -> None:
    """None lists the built-in models; a configured list replaces them."""
    assert [m["id"] for m in json.loads(str(models_answer(None, None)))["data"]] == list(DEFAULT_MODELS)
    assert [m["id"] for m in json.loads(str(models_answer(["a", "b"], None)))["data"]] == ["a", "b"]


def test_one_model_is_stable_and_an_unknown_one_is_a_404() -> None:
    """A model's object is the same every call; an id not listed is the real model_not_found 404."""
    assert models_answer(None, "gpt-4o") == models_answer(None, "gpt-4o")
    missing = models_answer(None, "nope")
    assert isinstance(missing, ApiError) and missing.status == 404 and missing.code == "model_not_found"
