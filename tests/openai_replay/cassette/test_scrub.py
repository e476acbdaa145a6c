"""The fast paths of scrubbing change nothing but speed: searching only near names gives what searching
everywhere gives, base64 data runs pass untouched, and pieces join back to the text."""

from __future__ import annotations

import base64
import functools
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secretkit import NAMED, QUERY, TOKENS

from openai_replay.cassette.scrub import DATA_RUN, _swap, pieces, scrub, secrets_in
from openai_replay.cassette.secrets import VALUE_PATTERNS

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
#: Fragments a large body is built of: prose, names with values in every notation, tokens, JSON bits.
FRAGMENTS = [
    "the model said ", "token ", "key", " code", '"', "\\\"", ":", "=", " ", "\n", "\\n", ",", "{", "}",
    *(f"{name}={value}" for name, value in QUERY.items()),
    *(f'"{name}": "{value}"' for name, value in NAMED.items()),
    *(f"{name}: {value}" for name, value in NAMED.items()),
    *TOKENS.values(),
]  # fmt: skip


def everywhere(text: str) -> str:
    """Every shape over the whole text: what `scrub` must equal."""
    for shape in VALUE_PATTERNS:
        text = shape.pattern.sub(functools.partial(_swap, shape=shape), text)
    return text


@FUZZ
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=8), min_size=200, max_size=1200))
def test_searching_near_names_finds_what_searching_everywhere_finds(parts: list[str]) -> None:
    """On a large text, `scrub` (name windows, hint gates) and `secrets_in` agree with every shape run everywhere."""
    text = "".join(parts)
    assert scrub(text, VALUE_PATTERNS) == everywhere(text)
    found = set(secrets_in(text, VALUE_PATTERNS))
    for shape in VALUE_PATTERNS:
        for match in shape.pattern.finditer(text):
            secret = match.group("secret") if "secret" in match.re.groupindex else match.group()
            if shape.guard is None or shape.guard(secret):
                assert secret in found


def test_base64_runs_are_data_and_pieces_join_back() -> None:
    """A long base64 run is one data piece; the text around it is searched; joined, the pieces are the text."""
    audio = base64.b64encode(os.urandom(DATA_RUN)).decode()
    text = f'{{"api_key": "{NAMED["api_key"]}", "audio": "{audio}", "note": "{TOKENS["github_classic"]}"}}'
    split = list(pieces(text))
    assert "".join(piece for piece, _ in split) == text
    assert [piece for piece, data in split if data] == [audio]
    assert [p for p, data in split if not data and NAMED["api_key"] in p]
