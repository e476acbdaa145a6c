"""A `Scenario` as scenario JSON: the inverse of `loader`, kept in step with it by a round-trip test.

Only what differs from a default is written, so a file reads like one a person wrote. What has no
JSON form (a ``where=`` predicate, a fallback source other than the simulated model) is refused
with a `ScenarioError` naming the rule, never dropped silently.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any

from openai_replay.scenarios import actions as a
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import IntSet, Match, ScenarioError
from openai_replay.scenarios.rules import Counted, HandshakeRule, IdleRule, Rule
from openai_replay.scenarios.schemafile import schema

if TYPE_CHECKING:
    from openai_replay.scenarios.scenario import Scenario

__all__ = ["action_to_json", "scenario_to_json"]


def scenario_to_json(scenario: Scenario) -> dict[str, Any]:
    """The scenario file for ``scenario`` (``load_scenario`` of it gives back the same scenario)."""
    from openai_replay.simulated import SimulatedModel

    problems: list[str] = []
    if not isinstance(scenario.fallback, SimulatedModel):
        problems.append(f"fallback {type(scenario.fallback).__name__}: only the simulated model has a JSON form")
    doc: dict[str, Any] = {"name": scenario.name}
    if scenario.description:
        doc["description"] = scenario.description
    if scenario.unmatched != "simulate":
        doc["unmatched"] = scenario.unmatched
    if scenario.config_overrides:
        doc["config"] = dict(scenario.config_overrides)
    doc["rules"] = [_rule(r, problems) for r in scenario.rules]
    if scenario.handshakes:
        doc["handshakes"] = [_handshake(h) for h in scenario.handshakes]
    if scenario.idle_rules:
        doc["idle"] = [_idle(r) for r in scenario.idle_rules]
    if problems:
        raise ScenarioError(problems, f"scenario '{scenario.name}' (to JSON)")
    return doc


def _counting(rule: Counted) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.name:
        out["name"] = rule.name
    if rule.times is not None:
        out["times"] = rule.times
    if rule.expect is not None:
        out["expect"] = rule.expect
    if rule.optional:
        out["optional"] = True
    return out


def _rule(rule: Rule, problems: list[str]) -> dict[str, Any]:
    if rule.match.where is not None:
        problems.append(f"{rule.label()}: a where= predicate has no JSON form; select with the JSON selectors instead")
    out = _counting(rule)
    match = _match(rule.match)
    if match:
        out["match"] = match
    out["do"] = [action_to_json(x) for x in rule.actions]
    return out


def _match(match: Match) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(match):
        value = getattr(match, f.name)
        if value is None or f.name == "where":
            continue
        out[f.name] = _intset(value) if isinstance(value, IntSet) else value
    return out


def _intset(selector: IntSet) -> Any:
    if selector.values is not None and selector.min is None and selector.max is None:
        values = sorted(selector.values)
        return values[0] if len(values) == 1 else values
    if selector.values is not None:  # listed values within bounds: the numbers it really selects
        return sorted(v for v in selector.values if v in selector)
    return {k: v for k, v in (("min", selector.min), ("max", selector.max)) if v is not None}


def _handshake(rule: HandshakeRule) -> dict[str, Any]:
    out = _counting(rule)
    if rule.connection is not None:
        out["match"] = {"connection": _intset(rule.connection)}
    return out | _error(rule.error)


def _idle(rule: IdleRule) -> dict[str, Any]:
    out = _counting(rule)
    match: dict[str, Any] = {}
    if rule.connection is not None:
        match["connection"] = _intset(rule.connection)
    if rule.after_turns is not None:
        match["after_turns"] = _intset(rule.after_turns)
    if match:
        out["match"] = match
    out["do"] = [action_to_json(x) for x in rule.actions]
    return out


def _error(spec: ErrorSpec) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(spec):
        value = getattr(spec, f.name)
        if f.name == "param":
            if value is not ...:
                out["param"] = value
        elif f.name == "headers":
            if value:
                out["headers"] = dict(value)
        elif value is not None:
            out[f.name] = value
    return out


def action_to_json(action: a.Action) -> dict[str, Any]:
    """One action as a scenario file writes it (``{"action": kind, ...}``)."""
    out: dict[str, Any] = {"action": action.kind}
    if isinstance(action, a.Error):
        out |= _error(action.error)
    else:
        default = type(action)()
        required = _required(action.kind)
        for f in fields(action):  # type: ignore[arg-type]
            value = getattr(action, f.name)
            if f.name == "after" or (value == getattr(default, f.name) and f.name not in required):
                continue
            if isinstance(action, a.Stall) and action.forever and f.name == "seconds":
                continue  # a forever stall has no duration
            out[f.name] = _value(action, f.name, value)
    if action.after is not None:
        out["after"] = _position(action.after)
    return out


def _required(kind: str) -> set[str]:
    """The fields the schema requires for this action (written even when they hold the default),
    including those a nested ``if``/``then`` requires (``stall`` needs ``seconds`` unless ``forever``)."""
    for branch in schema()["$defs"]["action"]["allOf"]:
        if branch["if"]["properties"]["action"]["const"] == kind:
            then = branch["then"]
            return set(then.get("required", ())) | set(then.get("then", {}).get("required", ()))
    return set()


def _value(action: a.Action, name: str, value: Any) -> Any:
    if isinstance(action, a.BinaryFrame) and name == "data":
        try:
            return bytes(value).decode()
        except UnicodeDecodeError:
            raise ScenarioError([f"'{action.describe()}': binary data that is not UTF-8 has no JSON form"]) from None
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, dict) or hasattr(value, "items"):
        return dict(value)
    return value


def _position(at: a.At) -> Any:
    if at.event is not None:
        return {"event": at.event, "nth": at.nth}
    return at.events or 0
