"""What Realtime server events are checked against in OpenAI's OpenAPI spec.

The machinery and the one list of tolerated deviations are `openai_replay.responses.fidelity`'s; a
Realtime event is checked against the component its ``type`` names in the spec's ``RealtimeServerEvent``
union, as kind ``realtime:<type>`` (so a deviation can be listed for Realtime alone).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from openai_replay.responses.fidelity import SpecChecker


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
    return checker.check(component, event, f"realtime:{kind}")
