"""Embeddings validation: any JSON body is either refused with an error or answered with a valid body."""

from __future__ import annotations

import json
from typing import Any

from fuzzkit import PROFILE, json_values
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.embeddings import embeddings_answer, validate_embeddings
from openai_replay.moderations import moderations_answer, validate_moderations

inputs = st.one_of(
    json_values, st.text(max_size=20), st.lists(st.text(max_size=10), max_size=3), st.lists(st.integers(-2, 9), max_size=3)
)
bodies = st.fixed_dictionaries(
    {},
    optional={
        "model": st.sampled_from(["text-embedding-3-small", "text-embedding-ada-002", "omni-moderation-latest", "x"])
        | json_values,
        "input": inputs,
        "dimensions": st.integers(-2, 4000) | json_values,
        "encoding_format": st.sampled_from(["float", "base64"]) | json_values,
    },
)


@settings(PROFILE)
@given(st.one_of(bodies, json_values))
def test_every_body_is_refused_or_answered(body: Any) -> None:
    """No body makes the validators or the answers raise: refused with a 4xx, or answered with JSON."""
    for validate, answer in (
        (validate_embeddings, embeddings_answer),
        (validate_moderations, lambda p: moderations_answer(p, "modr-1")),
    ):
        problem = validate(body, None)
        if problem is None:
            assert isinstance(json.loads(answer(body)), dict)
        else:
            assert 400 <= problem.status < 500 and problem.message
