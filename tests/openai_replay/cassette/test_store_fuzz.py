"""Fuzzing the cassette loader: whatever a file holds, `show`, `validate` and replay load it or give a
one-line `CassetteError`; never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from fuzzfiles import documents, fuzz, json_values, near, text, write
from hypothesis import given
from hypothesis import strategies as st

from openai_replay.cassette import CassetteError, CassetteReplay, load_cassette
from openai_replay.cassette.show import render
from openai_replay.cli.main import main

CREATE = json.dumps({"type": "response.create", "model": "m", "input": "hi"})
EVENTS = st.sampled_from(["response.created", "response.completed", "response.failed", "error", "x"])


def frame() -> Any:
    data = st.one_of(
        text, json_values.map(json.dumps), st.builds(lambda e, r: json.dumps({"type": e, "response": r}), EVENTS, json_values)
    )
    return st.fixed_dictionaries({"t": st.floats(0, 5), "from": st.sampled_from(["client", "server"]), "text": data})


WS = near(
    {
        "transport": "ws",
        "started_at": 0.0,
        "path": "/v1/responses",
        "query": "",
        "request_headers": {},
        "status": 101,
        "response_headers": {},
        "frames": [{"t": 0, "from": "client", "text": CREATE}],
        "close": None,
    }
).flatmap(lambda c: st.lists(frame(), max_size=4).map(lambda fs: {**c, "frames": fs} if isinstance(c.get("frames"), list) else c))
HTTP = near(
    {
        "transport": "http",
        "started_at": 0.0,
        "method": "POST",
        "path": "/v1/responses",
        "query": "",
        "request_headers": {},
        "request_body": '{"model":"m","input":"hi"}',
        "status": 200,
        "response_headers": {},
        "body": None,
        "end": None,
    }
).flatmap(
    lambda c: st.lists(
        st.builds(lambda e, d: {"t": 0, "event": e, "data": d}, EVENTS, st.one_of(text, json_values.map(json.dumps))), max_size=3
    ).map(lambda es: {**c, "events": es, "body": None} if "events" not in c else c)
)
CASSETTE = near({"version": 1, "meta": {}, "connections": []}).flatmap(
    lambda doc: st.lists(st.one_of(WS, HTTP, json_values), max_size=3).map(lambda cs: {**doc, "connections": cs})
)


@fuzz
@given(documents(CASSETTE))
def test_any_file_loads_or_gives_one_clean_error(content: str | bytes) -> None:
    """Random cassette-like JSON, any JSON, deep nesting, bad bytes: load + show + replay, or one CassetteError line."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.json"
        write(path, content)
        try:
            cassette = load_cassette(path)
        except CassetteError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        render(cassette)
        CassetteReplay(cassette)


@fuzz
@given(documents(CASSETTE))
def test_show_exits_0_or_2_without_traceback(content: str | bytes) -> None:
    """`openai-replay show FILE` on any content: exit 0 or 2, never an exception."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.json"
        write(path, content)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr("sys.stdout", open(Path(folder) / "out", "w"))  # noqa: SIM115
            assert main(["show", str(path)]) in (0, 2)
