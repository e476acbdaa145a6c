"""Fuzzing the scenario loader: any file loads into a scenario or gives a `ScenarioError` naming the
file; never a traceback. What loads also has values the server can send."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
from fuzzfiles import documents, fuzz, json_values, near, write
from hypothesis import given
from hypothesis import strategies as st

from openai_replay.scenarios import ScenarioError, builtin, load_scenario
from openai_replay.scenarios.library import BUILTINS
from openai_replay.scenarios.loader import _quick_valid, schema, schema_problems

ROOT = Path(__file__).resolve().parents[3]

ACTIONS = st.sampled_from(
    ["text", "close", "stall", "slow", "cut", "error", "http_status", "drop", "function_call", "event", "binary", "nope"]
)
ACTION = st.builds(
    lambda kind, extra: {"action": kind, **extra},
    ACTIONS,
    st.dictionaries(
        st.sampled_from(
            [
                "text",
                "code",
                "reason",
                "seconds",
                "after",
                "keep",
                "status",
                "headers",
                "retry_after",
                "chunk",
                "ttfb",
                "delay",
                "jitter",
                "data",
                "arguments",
                "event",
                "message",
            ]
        ),
        json_values,
        max_size=3,
    ),
)
RULE = near({"match": {"turn": 1}, "do": [{"action": "text", "text": "hi"}], "times": 1}).flatmap(
    lambda rule: st.lists(ACTION, min_size=1, max_size=3).map(lambda do: {**rule, "do": do})
)
SCENARIO = near({"name": "fuzz", "rules": [], "config": {}, "handshakes": [], "idle": []}).flatmap(
    lambda doc: st.tuples(
        st.lists(RULE, max_size=2),
        st.dictionaries(
            st.sampled_from(["connection_limit_seconds", "chunk_size", "seed", "limit_close_code", "event_delay", "nope"]),
            json_values,
            max_size=2,
        ),
    ).map(lambda parts: {**doc, "rules": parts[0], "config": parts[1]})
)


def check_loaded(scenario: Any) -> None:
    """Every value the server will use is in range (what the loader accepted must work at runtime)."""
    for rule in scenario.all_rules():
        for action in getattr(rule, "actions", ()):
            reason = getattr(action, "reason", "")
            assert len(str(reason).encode("utf-8", "surrogatepass")) <= 123


@fuzz
@given(documents(SCENARIO))
def test_any_file_loads_or_gives_a_scenario_error(content: str | bytes) -> None:
    """Random scenario-like JSON, any JSON, deep nesting, bad bytes: a Scenario, or ScenarioError naming the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.json"
        write(path, content)
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            assert str(exc).startswith(f"scenario file {path} is not valid:") and "Traceback" not in str(exc)
            return
        check_loaded(scenario)


@fuzz
@given(doc=st.one_of(SCENARIO, SCENARIO.map(lambda d: {**d, "idle": d.get("rules", [])})))
def test_quick_schema_check_agrees_with_the_schema(doc: Any) -> None:
    """Issue 21 item 1: the split (5x faster) schema check accepts exactly what the shipped schema accepts."""
    assert _quick_valid(doc) == jsonschema.Draft202012Validator(schema()).is_valid(doc)


def test_quick_schema_check_accepts_every_example_and_builtin() -> None:
    """Every shipped example scenario and built-in, written as JSON, passes the quick check (no false refusal)."""
    docs = [json.loads(p.read_text()) for p in (ROOT / "examples").rglob("*.json") if '"rules"' in p.read_text()]
    docs += [builtin(name).to_json() for name in BUILTINS]
    assert docs and all(_quick_valid(doc) and not schema_problems(doc) for doc in docs)
