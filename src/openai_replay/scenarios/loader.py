"""Scenario files: JSON validated by the JSON Schema shipped in this package, then checked for rules
that can never match or contradict themselves. Every message names the JSON path and the rule.

    {"name": "flaky", "rules": [{"match": {"turn": 1}, "do": [{"action": "http_status", "status": 429,
                                                               "retry_after": 1}], "times": 1}]}
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import orjson

from openai_replay.bounded import MAX_DEPTH, json_depth_problem
from openai_replay.inbound import JsonInputError, read_file
from openai_replay.scenarios import actions as a
from openai_replay.scenarios import values
from openai_replay.scenarios.catalog import ErrorSpec
from openai_replay.scenarios.match import IntSet, Match, ScenarioError
from openai_replay.scenarios.rules import HandshakeRule, IdleRule, Rule
from openai_replay.scenarios.scenario import MAX_RULES, Scenario, too_many_rules
from openai_replay.scenarios.schemafile import SCHEMA_FILE, schema

#: The largest scenario file read (scenarios are small; 3,000 rules take about 300 KB).
MAX_FILE_BYTES = 16 * 1024 * 1024

__all__ = ["SCHEMA_FILE", "action_from_json", "load_scenario", "schema", "schema_problems"]


def load_scenario(source: str | os.PathLike[str] | Mapping[str, Any]) -> Scenario:
    """A `Scenario` from a JSON file path or an already-parsed mapping; `ScenarioError` when invalid."""
    if isinstance(source, Mapping):
        doc, origin, default_name = dict(source), "scenario", "scenario"
    else:
        path = Path(source)
        origin, default_name = f"scenario file {path}", path.stem
        doc = _read(path, origin)
    too_many = _too_many_rules(doc)
    if too_many is not None:
        raise ScenarioError([too_many], origin)
    deep = json_depth_problem(doc)
    if deep is not None:
        raise ScenarioError([f"{deep}: nests deeper than {MAX_DEPTH} levels"], origin)
    if isinstance(source, Mapping):
        _check_text(doc, origin)
    problems = schema_problems(doc)
    if problems:
        raise ScenarioError(problems, origin)
    try:
        return _build(doc, default_name)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, origin) from None


def _too_many_rules(doc: Any) -> str | None:
    """Refuse more than `MAX_RULES` rules before the schema reads them (about 1 ms a rule)."""
    if not isinstance(doc, Mapping):
        return None
    count = sum(len(doc[key]) for key in ("rules", "handshakes", "idle") if isinstance(doc.get(key), list))
    return None if count <= MAX_RULES else too_many_rules(count)


def _check_text(doc: Any, origin: str) -> None:
    """A document built in code (or by a caller's own parser) holds only text the wire can carry: a
    lone surrogate would pass here and break every streamed turn later with ``UnicodeEncodeError``."""
    try:
        orjson.dumps(doc)
    except TypeError as exc:  # other types and huge numbers are the schema's to name
        if "UTF-8" in str(exc) or "surrogate" in str(exc):
            raise ScenarioError([f"holds text that is not valid Unicode ({exc}); remove the lone surrogate"], origin) from None


def _read(path: Path, origin: str) -> Any:
    """The JSON document in ``path`` (the strict reader: no repeated keys, lone surrogates, NaN, deep
    nesting or oversized files); any problem is a `ScenarioError` with one line."""
    try:
        return read_file(path, max_bytes=MAX_FILE_BYTES)
    except OSError as exc:
        raise ScenarioError([f"cannot read it: {exc.strerror or exc}"], origin) from None
    except JsonInputError as exc:
        raise ScenarioError([f"not valid JSON: {exc}"], origin) from None


def schema_problems(doc: Any) -> list[str]:
    """Schema violations as ``$.path (rule 'name'): what is wrong`` lines, most useful first.

    A valid document is recognised by `_quick_valid` (about 5x faster); only an invalid one goes
    through the shipped schema, for its error messages."""
    if _quick_valid(doc):
        return []
    validator = jsonschema.Draft202012Validator(schema())
    found = sorted(validator.iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.validator != "enum"))
    unknown_actions = {
        tuple(e.absolute_path)[:-1] for e in found if e.validator == "enum" and tuple(e.absolute_path)[-1:] == ("action",)
    }
    lines = []
    for error in found:
        where = tuple(error.absolute_path)
        if error.validator in ("unevaluatedProperties", "if", "allOf") and where in unknown_actions:
            continue  # the unknown action name says it all
        if _invalid_not_unknown(error):
            continue  # a known field with a bad value: its own error names it (e.g. `after`)
        lines.append(f"{error.json_path}{_rule_name(doc, where)}: {_message(error)}")
    return list(dict.fromkeys(lines))


def _quick_valid(doc: Any) -> bool:
    """Whether ``doc`` is valid under the shipped schema, checked about 5x faster than the schema
    alone, because jsonschema tries all 18 ``if`` branches of an action (and re-runs them for
    ``unevaluatedProperties``) on every action: 2-4 ms a rule, seconds for a 3,000-rule file.

    The same schema, split where it dispatches: the document with each action reduced to its
    ``action`` name is checked by a copy whose action is only that name, then each action by the
    branch its name selects, as one schema with ``additionalProperties: false`` (the branches test
    distinct constants, so exactly one applies, and its ``properties`` list every field that action
    takes; a nested ``then`` adds only ``required``). tests/openai_replay/scenarios/test_loader.py
    checks the two agree over generated documents."""
    skeleton, by_kind = _split_validators()
    actions: list[Any] = []
    if not skeleton.is_valid(_names_only(doc, actions)):
        return False
    for action in actions:
        check = by_kind.get(action["action"])
        if check is None or not check.is_valid(action):
            return False
    return True


def _names_only(doc: Any, actions: list[Any]) -> Any:
    """``doc`` with each action object (under ``do``) cut to its ``action`` key; the actions go to ``actions``."""
    if not isinstance(doc, Mapping):
        return doc
    cut = dict(doc)
    for group in ("rules", "idle"):
        specs = doc.get(group)
        if not isinstance(specs, list):
            continue
        cut[group] = []
        for spec in specs:
            if isinstance(spec, Mapping) and isinstance(spec.get("do"), list):
                names = []
                for action in spec["do"]:
                    if isinstance(action, Mapping) and "action" in action:
                        actions.append(action)
                        names.append({"action": action["action"]})
                    else:
                        names.append(action)
                spec = {**spec, "do": names}
            cut[group].append(spec)
    return cut


@cache
def _split_validators() -> tuple[jsonschema.Draft202012Validator, dict[str, jsonschema.Draft202012Validator]]:
    skeleton = copy.deepcopy(schema())
    action = skeleton["$defs"]["action"]
    branches = action.pop("allOf")
    del action["unevaluatedProperties"]
    by_kind = {}
    for branch in branches:
        kind = branch["if"]["properties"]["action"]["const"]
        alone = {"$schema": skeleton["$schema"], "$defs": skeleton["$defs"], **branch["then"]}
        by_kind[kind] = jsonschema.Draft202012Validator({**alone, "type": "object", "additionalProperties": False})
    return jsonschema.Draft202012Validator(skeleton), by_kind


def _rule_name(doc: Any, where: tuple[Any, ...]) -> str:
    if len(where) >= 2 and where[0] in ("rules", "handshakes", "idle") and isinstance(doc, Mapping):
        try:
            rule = doc[where[0]][where[1]]
        except (KeyError, IndexError, TypeError):
            return ""
        if isinstance(rule, Mapping) and isinstance(rule.get("name"), str):
            return f" (rule '{rule['name']}')"
    return ""


def _message(error: jsonschema.ValidationError) -> str:
    defs = schema()["$defs"]
    if error.validator == "enum" and tuple(error.absolute_path)[-1:] == ("action",):
        return f"unknown action {error.instance!r}; known actions: {', '.join(defs['action']['properties']['action']['enum'])}"
    if error.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(error.instance, Mapping):
        allowed = _allowed(error)
        extra = sorted(set(error.instance) - allowed)
        what = f"action '{error.instance.get('action')}'" if "action" in error.instance else "this object"
        return f"unknown field(s) {', '.join(map(repr, extra))} for {what}; allowed: {', '.join(sorted(allowed))}"
    if error.validator == "oneOf" and error.schema in (defs["count"], defs["count0"]):
        return f'{error.instance!r} is not a selector: give a number, a list of numbers, or {{"min": a, "max": b}}'
    if error.validator == "oneOf" and error.schema == defs["after"]:
        return f'{error.instance!r} is not a position: give a number of events, or {{"event": type, "nth": n}}'
    return str(error.message)


def _invalid_not_unknown(error: jsonschema.ValidationError) -> bool:
    """An "unevaluated properties" error whose fields are all known: one of them failed its own check,
    so the schema stopped counting it as evaluated; the error about that field is the one to show."""
    if error.validator not in ("additionalProperties", "unevaluatedProperties") or not isinstance(error.instance, Mapping):
        return False
    return not set(error.instance) - _allowed(error)


def _allowed(error: jsonschema.ValidationError) -> set[str]:
    props = set((error.schema.get("properties") or {}) if isinstance(error.schema, Mapping) else ())
    kind = error.instance.get("action") if isinstance(error.instance, Mapping) else None
    for branch in schema()["$defs"]["action"]["allOf"] if kind else ():
        if branch["if"]["properties"]["action"]["const"] == kind:
            props |= set(branch["then"]["properties"])
    return props


def _build(doc: Mapping[str, Any], default_name: str) -> Scenario:
    problems: list[str] = []
    rules = [_rule(spec, f"$.rules[{i}]", problems) for i, spec in enumerate(doc.get("rules", []))]
    handshakes = [_handshake(spec, f"$.handshakes[{i}]", problems) for i, spec in enumerate(doc.get("handshakes", []))]
    idle = [_idle(spec, f"$.idle[{i}]", problems) for i, spec in enumerate(doc.get("idle", []))]
    problems += values.config(doc.get("config") or {})  # with the rules' problems, not in a second round
    if problems:
        raise ScenarioError(problems)
    return Scenario(
        [r for r in rules if r is not None],
        name=doc.get("name", default_name),
        description=doc.get("description", ""),
        unmatched=doc.get("unmatched", "simulate"),
        config=doc.get("config") or {},
        handshakes=[h for h in handshakes if h is not None],
        idle=[r for r in idle if r is not None],
    )


def _counting(spec: Mapping[str, Any], path: str) -> dict[str, Any]:
    return {
        "name": spec.get("name"),
        "times": spec.get("times"),
        "expect": spec.get("expect"),
        "optional": bool(spec.get("optional", False)),
        "origin": path,
    }


def _rule(spec: Mapping[str, Any], path: str, problems: list[str]) -> Rule | None:
    try:
        match = Match.build(**spec.get("match", {}))
    except ScenarioError as exc:
        problems += [f"{path}.match: {p}" for p in exc.problems]
        return None
    found = _actions(spec["do"], path, problems)
    return None if found is None else Rule(**_counting(spec, path), match=match, actions=found)


def _idle(spec: Mapping[str, Any], path: str, problems: list[str]) -> IdleRule | None:
    match = spec.get("match", {})
    found = _actions(spec["do"], path, problems)
    if found is None:
        return None
    return IdleRule(
        **_counting(spec, path),
        connection=IntSet.of(match["connection"], "connection") if "connection" in match else None,
        after_turns=IntSet.of(match["after_turns"], "after_turns", minimum=0) if "after_turns" in match else None,
        actions=found,
    )


def _handshake(spec: Mapping[str, Any], path: str, problems: list[str]) -> HandshakeRule | None:
    fields = {k: v for k, v in spec.items() if k not in ("name", "times", "expect", "optional", "match")}
    connection = (spec.get("match") or {}).get("connection")
    try:
        return HandshakeRule(
            **_counting(spec, path),
            connection=IntSet.of(connection, "connection") if connection is not None else None,
            error=_error_spec({"status": 429, **fields}),
        )
    except ScenarioError as exc:
        problems += [f"{path}: {p}" for p in exc.problems]
        return None


def _actions(specs: list[Mapping[str, Any]], path: str, problems: list[str]) -> tuple[a.Action, ...] | None:
    built, ok = [], True
    for j, spec in enumerate(specs):
        try:
            built.append(action_from_json(spec))
        except (ScenarioError, TypeError, ValueError) as exc:
            ok = False
            detail = "; ".join(exc.problems) if isinstance(exc, ScenarioError) else str(exc)
            problems.append(f"{path}.do[{j}] ({spec.get('action')}): {detail}")
    return tuple(built) if ok else None


def action_from_json(spec: Mapping[str, Any]) -> a.Action:
    """One action object of a scenario file (already schema-valid) as an `Action`."""
    kind = spec["action"]
    fields = {k: v for k, v in spec.items() if k != "action"}
    after = a.At.of(fields.pop("after", None))
    if kind in ("error", "http_status"):
        return a.Error(error=_error_spec(fields), after=after)
    if kind == "function_call" and not isinstance(fields.get("arguments", ""), str):
        fields["arguments"] = json.dumps(fields["arguments"], separators=(",", ":"))
    if kind == "reasoning":
        fields["summary"] = tuple(fields.get("summary", ()))
    if kind == "binary" and "data" in fields:
        fields["data"] = str(fields["data"]).encode()
    if after is not None:
        fields["after"] = after
    return a.ACTIONS[kind](**fields)


def _error_spec(fields: Mapping[str, Any]) -> ErrorSpec:
    values = dict(fields)
    values["headers"] = dict(values.get("headers") or {})
    return ErrorSpec(**values)
