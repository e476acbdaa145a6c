"""What Realtime server events are checked against in OpenAI's OpenAPI spec.

The machinery and the one list of tolerated deviations are `openai_replay.responses.fidelity`'s; a
Realtime event is checked against the component its ``type`` names in the spec's ``RealtimeServerEvent``
union, as kind ``realtime:<type>`` (so a deviation can be listed for Realtime alone). Items and sessions
are ``oneOf`` unions in the spec: an error there is judged by the branch the value comes closest to,
so a tolerated deviation inside a branch (a real ``null``) is seen as such.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache
from typing import Any

import jsonschema

from openai_replay.responses.fidelity import SpecChecker, is_tolerated


@lru_cache(maxsize=4)
def _components(checker: SpecChecker) -> dict[str, str]:
    schemas = checker.spec["components"]["schemas"]
    mapping: dict[str, str] = {}
    for ref in schemas["RealtimeServerEvent"]["anyOf"]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        type_schema = schemas[name].get("properties", {}).get("type", {})
        for value in type_schema.get("enum", []) or [type_schema.get("const")]:
            if value:
                mapping.setdefault(value, name)
    return mapping


def event_components(checker: SpecChecker) -> dict[str, str]:
    """Realtime server event ``type`` -> its component schema name."""
    return dict(_components(checker))


def check_event(checker: SpecChecker, event: dict[str, Any]) -> list[str]:
    """Problems with one Realtime server event ([] when it conforms)."""
    kind = str(event.get("type"))
    component = _components(checker).get(kind)
    if component is None:
        return [f"event type {kind!r} is not in RealtimeServerEvent"]
    problems: list[str] = []
    for error in checker.validator(component).iter_errors(event):
        for leaf in _closest(error):
            path = ".".join(str(p) for p in leaf.absolute_path)
            if not is_tolerated(f"realtime:{kind}", path, leaf.message):
                problems.append(f"{component} at '{path or '<root>'}': {leaf.message[:300]}")
    return problems


def _closest(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """The leaf errors of the union branch with the fewest errors (the error itself when not a union)."""
    if error.validator not in ("oneOf", "anyOf") or not error.context:
        return [error]
    branches: dict[Any, list[jsonschema.ValidationError]] = defaultdict(list)
    for sub in error.context:
        branches[sub.relative_schema_path[0] if sub.relative_schema_path else None].append(sub)
    best = min(branches.values(), key=len)
    return [leaf for sub in best for leaf in _closest(sub)]
