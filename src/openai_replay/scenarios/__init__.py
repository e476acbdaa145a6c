"""Scenarios: script any turn, break it anywhere, same script in pytest and in the standalone server.

A `Scenario` is an ordered list of rules, *which request* -> *what happens*, and a `Source` for the
fake server (``FakeServer(source=s)`` or ``server.use(s)``). Write one with the fluent API or a JSON
file (validated by ``scenario.schema.json``), or take a named built-in:

    from openai_replay.scenarios import scenario, load_scenario, builtin, BUILTINS

    s = scenario("flaky").on(turn=1).http_status(429, retry_after=1).times(1).build()
    s = load_scenario("examples/scenarios/multi_fault.json")
    s = builtin("close_mid_stream")
    ...
    assert s.verify() == []      # every rule fired as declared

See docs/scenarios.md for selectors, actions and the file format.
"""

from openai_replay.scenarios.actions import (
    ACTIONS,
    At,
    BinaryFrame,
    Close,
    Complete,
    Cut,
    Drop,
    Duplicate,
    Error,
    Event,
    FailResponse,
    FunctionCall,
    Incomplete,
    Malformed,
    Reasoning,
    Slow,
    Stall,
    Text,
    UnknownEvent,
)
from openai_replay.scenarios.catalog import CATALOG, ErrorSpec
from openai_replay.scenarios.fluent import ScenarioBuilder, scenario
from openai_replay.scenarios.library import BUILTINS, builtin, parameters, resolve
from openai_replay.scenarios.loader import load_scenario, schema
from openai_replay.scenarios.match import IntSet, Match, ScenarioError
from openai_replay.scenarios.rules import HandshakeRule, IdleRule, Rule
from openai_replay.scenarios.scenario import Scenario

__all__ = [
    "ACTIONS",
    "BUILTINS",
    "CATALOG",
    "At",
    "BinaryFrame",
    "Close",
    "Complete",
    "Cut",
    "Drop",
    "Duplicate",
    "Error",
    "ErrorSpec",
    "Event",
    "FailResponse",
    "FunctionCall",
    "HandshakeRule",
    "IdleRule",
    "Incomplete",
    "IntSet",
    "Malformed",
    "Match",
    "Reasoning",
    "Rule",
    "Scenario",
    "ScenarioBuilder",
    "ScenarioError",
    "Slow",
    "Stall",
    "Text",
    "UnknownEvent",
    "builtin",
    "load_scenario",
    "parameters",
    "resolve",
    "scenario",
    "schema",
]
