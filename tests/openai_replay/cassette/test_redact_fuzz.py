"""Fuzzing the redactor: a planted secret of any shape, anywhere in any JSON value (a leaf, a key, text
around it, JSON inside a JSON string, at any depth), is gone after redaction, whether the redactor walks
the value or scrubs its JSON text; the text stays valid JSON; and redaction never raises."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secretkit import BASIC_AUTH_URL, NAMED, TOKENS, leaks

from openai_replay.cassette.redact import Redactor

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: What a token is written between in real payloads (never a letter or digit: then it is no token).
SEPARATORS = [" ", "\n", "\t", '"', "'", "=", ":", ",", "(", ")", "/", "?", "&", "<", ">", "[", "]", "{", "}", ";", "|"]

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def planted(draw: st.DrawFn) -> tuple[Any, str]:
    """A JSON value with one secret somewhere in it, and the secret."""
    if draw(st.booleans()):
        secret = draw(st.sampled_from([*TOKENS.values(), BASIC_AUTH_URL]))
        around = draw(st.text(max_size=20)), draw(st.sampled_from(SEPARATORS)), draw(st.sampled_from(SEPARATORS))
        value: Any = f"{around[0]}{around[1]}{secret}{around[2]}{draw(st.text(max_size=20))}"
        where = "key" if draw(st.booleans()) else "leaf"
    else:  # a secret only its name gives away
        name = draw(st.sampled_from(sorted(NAMED)))
        secret, value, where = NAMED[name], {name: NAMED[name]}, "named"
    if where == "key":
        value = {value: draw(json_values)}
    for _ in range(draw(st.integers(0, 4))):
        wrap = draw(st.sampled_from(["list", "dict", "json-in-json"]))
        if wrap == "list":
            others = draw(st.lists(json_values, max_size=3))
            value = [*others[: len(others) // 2], value, *others[len(others) // 2 :]]
        elif wrap == "dict":
            others = draw(st.dictionaries(st.text(max_size=12), json_values, max_size=3))
            value = {**others, draw(st.sampled_from(["arguments", "input", "metadata", "x", "content"])): value}
        else:
            value = json.dumps(value, ensure_ascii=draw(st.booleans()))
    return value, secret.split("://")[1].split("@")[0] if secret == BASIC_AUTH_URL else secret


@FUZZ
@given(planted())
def test_a_planted_secret_is_gone_wherever_it_sits(case: tuple[Any, str]) -> None:
    """Walking the value and scrubbing its JSON text both remove the secret; the JSON text stays JSON."""
    value, secret = case
    walked = json.dumps(Redactor().value(value), ensure_ascii=False)
    assert secret not in walked and leaks(walked) == [], walked
    text = Redactor().text(json.dumps(value, ensure_ascii=False))
    assert secret not in text and leaks(text) == [], text
    json.loads(text)


@FUZZ
@given(json_values, st.text())
def test_redaction_never_raises(value: Any, text: str) -> None:
    """Any JSON value and any text (lone surrogates included) go through every entry point without an error."""
    redactor = Redactor(secrets=[text])
    redactor.value(value)
    redactor.text(text)
    redactor.learn_text(text)
    redactor.text(json.dumps(value))
    json.loads(Redactor().text(json.dumps(value)))
