"""The embeddings body written by hand is json.dumps(indent=2) of the answer, byte for byte."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from openai_replay.embeddings.body import _answer, _numbers, _pretty, embeddings_answer, scripted_answer
from openai_replay.embeddings.vectors import embed, to_base64
from openai_replay.wire import pretty

floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
embeddings = st.lists(st.one_of(st.lists(floats, max_size=12), st.text(max_size=20)), max_size=4)
models = st.one_of(st.text(max_size=30), st.integers(), st.none(), st.just({"a": [1]}))


@settings(max_examples=300, deadline=None)
@given(model=models, given_embeddings=embeddings, tokens=st.integers(0, 10**9))
def test_hand_written_body_is_pretty_json(model: Any, given_embeddings: list[Any], tokens: int) -> None:
    """Any model, floats (NaN, infinities, tiny, huge), strings and empty lists: the same text as pretty()."""
    assert _pretty(model, given_embeddings, tokens) == pretty(_answer(model, given_embeddings, tokens))


def test_simulated_answers_are_pretty_json_of_the_vectors() -> None:
    """The simulated answer, float and base64, one input and several: pretty() of the documented dict."""
    for fmt in ("float", "base64"):
        for given_input in ("Hello world", ["a b", "c d e", "日本語"]):
            payload = {"model": "text-embedding-3-small", "input": given_input, "encoding_format": fmt, "dimensions": 256}
            inputs = [given_input] if isinstance(given_input, str) else given_input
            vectors = [embed(t, 1536, 256) for t in inputs]
            data = [to_base64(v) if fmt == "base64" else v for v in vectors]
            tokens = json.loads(embeddings_answer(payload))["usage"]["prompt_tokens"]
            assert embeddings_answer(payload) == pretty(_answer("text-embedding-3-small", data, tokens))


def test_scripted_nan_still_reads_as_json_dumps_writes_it() -> None:
    """A scenario's vector with NaN (json.loads accepts it) is answered as json.dumps spells it."""
    body = scripted_answer({"model": "m", "input": "x"}, "[NaN, 1e-07, -0.0, 2]")
    assert '"embedding": [\n        NaN,\n        1e-07,\n        -0.0,\n        2.0\n      ]' in body


@settings(max_examples=300, deadline=None)
@given(
    vector=st.lists(
        st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(width=32, allow_nan=False, allow_infinity=False)),
        min_size=1,
        max_size=40,
    )
)
def test_numbers_are_each_floats_repr(vector: list[float]) -> None:
    """Every finite float, of any magnitude, is written as json.dumps writes it: its repr."""
    assert _numbers(vector) == ",\n        ".join(map(repr, vector))


def test_numbers_agree_with_repr_across_every_magnitude() -> None:
    """A seeded sweep of float32 values from 1e-45 to 3e38 (what vectors hold): the same text as repr."""
    rng = np.random.default_rng(27)
    for exponent in range(-45, 38):
        values = (rng.uniform(1, 10, 3000) * 10.0**exponent * rng.choice([-1, 1], 3000)).astype(np.float32).astype(np.float64)
        vector = values.tolist()
        assert _numbers(vector) == ",\n        ".join(map(repr, vector)), exponent


def test_numbers_refuse_nan_and_infinity() -> None:
    """NaN and the infinities are left to json.dumps (None), which spells them NaN / Infinity."""
    assert _numbers([1.0, math.nan]) is None and _numbers([-math.inf]) is None
