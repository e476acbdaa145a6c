"""A number or integer inside a schema's bounds and ``multipleOf``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from openai_replay.structured.problems import NoValue, Unsatisfiable


def number(schema: dict[str, Any], integer: bool, variant: int, fits: Callable[[Any, dict[str, Any]], bool]) -> int | float:
    """The first of a few telling candidates (1, the bounds, just inside them, their middle, as
    multiples of ``multipleOf``) that jsonschema accepts: it decides the edge cases (float multiples)."""
    low, low_open = _bound(schema, "minimum", "exclusiveMinimum")
    high, high_open = _bound(schema, "maximum", "exclusiveMaximum")
    if low is not None and high is not None and (low > high or (low == high and (low_open or high_open))):
        raise Unsatisfiable(f"no number lies between {low} and {high}")
    bases: list[float] = [1 + variant]
    if low is not None:
        bases += [low, math.floor(low) + 1, low + 0.5]
    if high is not None:
        bases += [high, math.ceil(high) - 1, high - 0.5]
    if low is not None and high is not None:
        bases.append((low + high) / 2)
    step = schema.get("multipleOf")
    if isinstance(step, (int, float)) and not isinstance(step, bool) and step > 0:
        bases = [k * step for b in bases for k in (math.ceil(b / step), math.floor(b / step), math.ceil(b / step) + 1)]
    only = {"type": "integer" if integer else "number"}
    for value in bases:
        if integer and (not math.isfinite(value) or value != int(value)):
            continue
        candidate = int(value) if integer or (float(value).is_integer() and isinstance(value, int)) else value
        if fits(candidate, only) and fits(candidate, _numeric(schema)):
            return candidate
    raise NoValue(f"cannot find {'an integer' if integer else 'a number'} within the bounds and multipleOf")


def _numeric(schema: dict[str, Any]) -> dict[str, Any]:
    keys = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
    return {k: schema[k] for k in keys if k in schema}


def _bound(schema: dict[str, Any], inclusive: str, exclusive: str) -> tuple[float | None, bool]:
    plain, strict = schema.get(inclusive), schema.get(exclusive)
    if isinstance(strict, bool):  # draft 4: a flag on minimum/maximum
        return (plain if isinstance(plain, (int, float)) else None), strict
    values = [(v, o) for v, o in ((plain, False), (strict, True)) if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if not values:
        return None, False
    pick = max if inclusive == "minimum" else min
    return pick(values, key=lambda p: (p[0], p[1] if inclusive == "minimum" else not p[1]))
