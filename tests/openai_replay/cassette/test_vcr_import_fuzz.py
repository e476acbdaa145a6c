"""Fuzzing the vcrpy importer: any YAML, any shape, any body bytes: a cassette or one `CassetteError`
line naming the file; never a traceback."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path

import yaml
from fuzzfiles import deep, fuzz, json_values, near, write
from hypothesis import given
from hypothesis import strategies as st

from openai_replay.cassette import CassetteError, save_cassette
from openai_replay.cassette.vcr_import import import_vcr

BODY = st.one_of(
    json_values,
    st.binary(max_size=40),
    st.binary(max_size=40).map(gzip.compress),
    st.binary(max_size=40).map(lambda b: gzip.compress(b)[:-3]),
    st.fixed_dictionaries({"string": st.one_of(json_values, st.binary(max_size=40))}),
)
REQUEST = near({"method": "POST", "uri": "https://api.openai.com/v1/responses", "body": "{}", "headers": {}})
RESPONSE = near({"status": {"code": 200, "message": "OK"}, "headers": {"Content-Encoding": ["gzip"]}, "body": {"string": ""}})
INTERACTION = st.one_of(
    st.builds(lambda q, r, body: {"request": q, "response": {**r, "body": body}}, REQUEST, RESPONSE, BODY),
    json_values,
)
DOC = st.lists(INTERACTION, max_size=3).map(lambda items: {"interactions": items, "version": 1})


def _yaml(value: object) -> str:
    return yaml.safe_dump(value, allow_unicode=True)


FILES = st.one_of(DOC.map(_yaml), DOC.map(_yaml), json_values.map(_yaml), deep(), st.binary(max_size=64), st.text(max_size=40))


@fuzz
@given(FILES)
def test_any_yaml_imports_or_gives_one_clean_error(content: str | bytes) -> None:
    """Random vcrpy-like YAML, any YAML, deep nesting, bad bodies and bytes: a savable cassette or one error line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "in.yaml"
        write(path, content)
        try:
            cassette, _ = import_vcr(path)
        except CassetteError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        save_cassette(cassette, Path(folder) / "out.json")
