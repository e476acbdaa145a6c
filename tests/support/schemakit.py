"""A Hypothesis strategy for satisfiable JSON schemas: the structured-output subset and a bit more.

hypothesis-jsonschema draws instances for a given schema, not schemas; its schema strategy is private
and mostly draws schemas without structure. The schemas that matter here are the ones clients send
for structured output (Pydantic's, with ``$defs``/``$ref``, ``anyOf``, enums, nested objects and arrays,
formats, patterns, bounds), so the strategy builds those, each satisfiable by construction.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from openai_replay.structured.strings import FORMATS

PATTERNS = [
    r"^[a-z]+$",
    r"^\d{3}-\d{4}$",
    r"^[A-Z]{2}[0-9]{2,4}$",
    r"^(yes|no)$",
    r"^\+?[1-9]\d{1,14}$",
    r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$",
    "x",
]
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=5), st.floats(-10, 10, allow_nan=False))


@st.composite
def strings(draw: st.DrawFn) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    choice = draw(st.sampled_from(["plain", "format", "pattern", "length"]))
    if choice == "format":
        schema["format"] = draw(st.sampled_from(sorted(FORMATS)))
    elif choice == "pattern":
        schema["pattern"] = draw(st.sampled_from(PATTERNS))
    elif choice == "length":
        low = draw(st.integers(0, 12))
        schema["minLength"] = low
        if draw(st.booleans()):
            schema["maxLength"] = draw(st.integers(low, low + 10))
    return schema


@st.composite
def numbers(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["integer", "number"]))
    schema: dict[str, Any] = {"type": kind}
    low = draw(st.none() | st.integers(-100, 100))
    if low is not None:
        schema[draw(st.sampled_from(["minimum", "exclusiveMinimum"]))] = low
    if draw(st.booleans()):
        top = (low if low is not None else 0) + draw(st.integers(2, 50))
        schema[draw(st.sampled_from(["maximum", "exclusiveMaximum"]))] = top
    if draw(st.booleans()) and low is None:
        schema["multipleOf"] = draw(st.sampled_from([2, 3, 5, 0.5, 0.25] if kind == "number" else [2, 3, 5]))
    return schema


leaves = st.one_of(
    strings(),
    numbers(),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(scalars, min_size=1, max_size=4).map(lambda v: {"enum": v}),
    scalars.map(lambda v: {"const": v}),
    st.lists(st.sampled_from(["red", "green", "blue"]), min_size=1, max_size=3, unique=True).map(
        lambda v: {"type": "string", "enum": v}
    ),
    st.sampled_from(["string", "integer", "number", "boolean"]).map(lambda t: {"type": [t, "null"]}),
)


def _extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(objects(inner), arrays(inner), st.lists(inner, min_size=1, max_size=3).map(lambda b: {"anyOf": b}))


@st.composite
def objects(draw: st.DrawFn, inner: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    props = draw(st.dictionaries(names, inner, max_size=5))
    strict = draw(st.booleans())
    schema: dict[str, Any] = {"type": "object", "properties": props}
    schema["required"] = list(props) if strict else draw(st.lists(st.sampled_from(list(props)), unique=True)) if props else []
    if strict or draw(st.booleans()):
        schema["additionalProperties"] = False
    return schema


@st.composite
def arrays(draw: st.DrawFn, inner: st.SearchStrategy[dict[str, Any]]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": draw(inner)}
    low = draw(st.none() | st.integers(0, 4))
    if low is not None:
        schema["minItems"] = low
    if draw(st.booleans()):
        schema["maxItems"] = (low or 0) + draw(st.integers(0, 3))
    return schema


@st.composite
def json_schemas(draw: st.DrawFn) -> dict[str, Any]:
    """A satisfiable schema; sometimes its parts live in ``$defs`` behind ``$ref``, as Pydantic writes them."""
    body = draw(st.recursive(leaves, _extend, max_leaves=12))
    if draw(st.booleans()):
        part = draw(st.recursive(leaves, _extend, max_leaves=6))
        wrapper: dict[str, Any] = {
            "type": "object",
            "properties": {"main": body, "shared": {"$ref": "#/$defs/Part"}, "again": {"$ref": "#/$defs/Part"}},
            "required": ["main", "shared"],
            "$defs": {"Part": part},
        }
        return wrapper
    return body
