"""A deterministic JSON value for a JSON schema: the first fit at every choice, then checked.

Schema handling is the well-kept libraries' work: `referencing` resolves ``$ref``/``$defs`` (and
anchors, and relative ids), `jsonschema` checks the schema against its meta-schema, picks the first
``enum``/``anyOf`` choice that fits, and validates the whole answer before it is sent. Neither builds
an instance, and the Hypothesis-based generators draw at random (and are test-only), so the walk that
builds one value per schema is written here: it answers the keywords OpenAI's structured outputs
support (and a few more), and anything it cannot honour is caught by the final validation, never sent.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import jsonschema
import referencing
import referencing.exceptions
import referencing.jsonschema
from jsonschema.exceptions import SchemaError

from openai_replay.structured.merge import merge_all_of, types_of
from openai_replay.structured.numbers import number
from openai_replay.structured.problems import NoValue, Unsatisfiable
from openai_replay.structured.strings import FORMATS, NoMatch, matching

_BASE_URI = "urn:openai-replay:schema"
_DEEP = 6  # past this nesting, recursive schemas take their shortest way out (empty arrays, nulls)
_MAX_DEPTH = 48
_CANDIDATES = 8  # how far an object's extra keys or an integer's multiples are searched
#: Bounds on the work one schema may ask for (bad input costs nothing): items, string length,
#: properties, and subschemas visited (nested anyOf could otherwise cost exponential time).
MAX_ITEMS = 1000
MAX_LENGTH = 10_000
MAX_STEPS = 20_000


@dataclass
class _Walk:
    validator: Any
    hints: Sequence[str]
    used: set[str] = field(default_factory=set)
    steps: int = 0

    def fits(self, value: Any, schema: Any, resolver: Any) -> bool:
        return next(iter(self.validator.descend(value, schema, resolver=resolver)), None) is None

    def hint(self, fits: Any) -> str | None:
        """The first unused quoted value from the user's text that ``fits`` accepts."""
        for text in self.hints:
            if text not in self.used and fits(text):
                self.used.add(text)
                return text
        return None


def generate(schema: Any, *, hints: Sequence[str] = (), fill_optional: bool = True) -> Any:
    """A value valid against ``schema``; raises `Unsatisfiable` or `NoValue`.

    ``hints`` are strings from the user's text, used (in order, each once) for string fields and
    enums they fit. ``fill_optional`` fills every property, not only the required ones.
    """
    if not isinstance(schema, (dict, bool)):
        raise Unsatisfiable(f"a schema must be an object or a boolean, not {type(schema).__name__}")
    try:
        text = json.dumps(schema)
    except (TypeError, ValueError) as exc:
        raise Unsatisfiable(f"the schema is not JSON ({exc})") from exc
    except RecursionError as exc:
        raise Unsatisfiable("the schema nests too deeply") from exc
    try:
        validator, registry = _prepare(text)
    except RecursionError as exc:
        raise Unsatisfiable("the schema nests too deeply") from exc
    walk = _Walk(validator, hints)
    try:
        value = _value(walk, validator.schema, registry.resolver(base_uri=_BASE_URI), 0, 0, fill_optional)
        error = jsonschema.exceptions.best_match(validator.iter_errors(value))
    except RecursionError as exc:
        raise NoValue("the schema nests too deeply") from exc
    if error is not None:
        raise NoValue(f"{error.message} at {_where(error.absolute_path)}")
    return copy.deepcopy(value)  # const and enum values are the cached schema's own objects


@functools.lru_cache(maxsize=64)
def _prepare(text: str) -> tuple[Any, referencing.Registry[Any]]:
    """The checked schema's validator and reference registry, kept for the schema's next request
    (checking a schema against its meta-schema is most of the cost of an answer)."""
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        raise Unsatisfiable(f"{exc.message} at {_where(exc.path)}") from exc
    spec = referencing.jsonschema.specification_with(
        cls.META_SCHEMA.get("$schema", ""), default=referencing.jsonschema.DRAFT202012
    )
    registry: referencing.Registry[Any] = referencing.Registry().with_resource(_BASE_URI, spec.create_resource(schema))
    registry = registry.crawl()
    return cls(schema, registry=registry, format_checker=cls.FORMAT_CHECKER), registry


def _where(path: Any) -> str:
    return "/" + "/".join(str(p) for p in path)


def _value(walk: _Walk, schema: Any, resolver: Any, depth: int, variant: int, fill: bool) -> Any:
    walk.steps += 1
    if depth > _MAX_DEPTH or walk.steps > MAX_STEPS:
        raise NoValue("the schema nests too deeply" if depth > _MAX_DEPTH else f"answering it takes more than {MAX_STEPS} steps")
    if schema is True:
        return "example"
    if schema is False:
        raise Unsatisfiable("a schema of false allows no value")
    if not isinstance(schema, dict):
        raise Unsatisfiable("a subschema is not an object")
    ref = schema.get("$ref")
    if isinstance(ref, str):
        try:
            resolved = resolver.lookup(ref)
        except referencing.exceptions.Unresolvable as exc:
            raise Unsatisfiable(f"the reference {ref!r} cannot be resolved") from exc
        rest = {k: v for k, v in schema.items() if k not in ("$ref", "$defs", "definitions", "$id", "$schema")}
        target = resolved.contents
        if rest and isinstance(target, dict):
            return _value(walk, {"allOf": [target, rest]}, resolved.resolver, depth + 1, variant, fill)
        return _value(walk, target, resolved.resolver, depth + 1, variant, fill)
    if "const" in schema:
        if not walk.fits(schema["const"], schema, resolver):
            raise Unsatisfiable(f"the const {schema['const']!r} does not satisfy the rest of the schema")
        return schema["const"]
    if "enum" in schema:
        return _enum(walk, schema, resolver, variant)
    if isinstance(schema.get("allOf"), list) and schema["allOf"]:
        return _value(walk, merge_all_of(schema, resolver), resolver, depth + 1, variant, fill)
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return _choice(walk, schema, key, resolver, depth, variant, fill)
    problems: list[str] = []
    unanswered = False  # a NoValue among them: the schema may have values this walk cannot find
    for kind in types_of(schema):
        try:
            return _typed(walk, kind, schema, resolver, depth, variant, fill)
        except (Unsatisfiable, NoValue) as exc:
            problems.append(f"{kind}: {exc}")
            unanswered = unanswered or isinstance(exc, NoValue)
    if unanswered:
        raise NoValue("; ".join(problems))
    raise Unsatisfiable("; ".join(problems) or "no type is allowed")


def _enum(walk: _Walk, schema: dict[str, Any], resolver: Any, variant: int) -> Any:
    options = schema["enum"]
    if not isinstance(options, list) or not options:
        raise Unsatisfiable("enum must list at least one value")
    fitting = [v for v in options if walk.fits(v, schema, resolver)]
    if not fitting:
        raise Unsatisfiable(f"no value of enum {options!r} satisfies the rest of the schema")
    hinted = walk.hint(lambda text: text in fitting)
    return hinted if hinted is not None else fitting[variant % len(fitting)]


def _choice(walk: _Walk, schema: dict[str, Any], key: str, resolver: Any, depth: int, variant: int, fill: bool) -> Any:
    rest = {k: v for k, v in schema.items() if k != key}
    branches = list(schema[key])
    if depth > _DEEP:  # on the way down a recursive schema, try the branches that do not recurse first
        branches.sort(key=lambda b: "$ref" in repr(b))
    problems = []
    unanswered = False
    for branch in branches:
        candidate = {"allOf": [rest, branch]} if rest else branch
        try:
            value = _value(walk, candidate, resolver, depth + 1, variant, fill)
        except (Unsatisfiable, NoValue) as exc:
            problems.append(str(exc))
            unanswered = unanswered or isinstance(exc, NoValue)
            continue
        if walk.fits(value, schema, resolver):
            return value
        problems.append(f"{value!r} does not fit the other branches")
        unanswered = True  # a different value of this branch might: not proven unsatisfiable
    if unanswered:
        raise NoValue(f"no branch of {key} could be answered ({'; '.join(problems)})")
    raise Unsatisfiable(f"no branch of {key} can be satisfied ({'; '.join(problems)})")


def _typed(walk: _Walk, kind: str, schema: dict[str, Any], resolver: Any, depth: int, variant: int, fill: bool) -> Any:
    if kind == "object":
        return _object(walk, schema, resolver, depth, fill)
    if kind == "array":
        return _array(walk, schema, resolver, depth, fill)
    if kind == "string":
        return _string(walk, schema, variant)
    if kind in ("integer", "number"):
        return number(schema, kind == "integer", variant, lambda value, sub: walk.fits(value, sub, resolver))
    if kind == "boolean":
        return variant % 2 == 0
    if kind == "null":
        return None
    raise Unsatisfiable(f"unknown type {kind!r}")


def _object(walk: _Walk, schema: dict[str, Any], resolver: Any, depth: int, fill: bool) -> dict[str, Any]:
    given = schema.get("properties")
    props: dict[str, Any] = given if isinstance(given, dict) else {}
    listed = schema.get("required")
    required = [r for r in listed if isinstance(r, str)] if isinstance(listed, list) else []
    extra = schema.get("additionalProperties", True)
    deep = depth > _DEEP
    out: dict[str, Any] = {}
    wanted = [name for name in props if name in required or (fill and not deep)]
    names = list(dict.fromkeys([*wanted, *required]))  # in the schema's order, as a model writes them
    for name in names:
        if name not in props and extra is False:
            raise Unsatisfiable(f"the required property {name!r} is not allowed by additionalProperties: false")
        sub = props.get(name, extra if isinstance(extra, (dict, bool)) else True)
        try:
            out[name] = _value(walk, sub, resolver, depth + 1, 0, fill)
        except (Unsatisfiable, NoValue):
            if name in required:
                raise
    low, high = schema.get("minProperties", 0), schema.get("maxProperties")
    if isinstance(high, int) and len(out) > high:
        for name in [n for n in out if n not in required][: len(out) - high]:
            del out[name]
        if len(out) > high:
            raise Unsatisfiable(f"{len(required)} required properties exceed maxProperties {high}")
    index = 0
    if isinstance(low, int) and low > MAX_ITEMS:
        raise NoValue(f"minProperties {low} is more than {MAX_ITEMS} properties")
    while isinstance(low, int) and len(out) < low and index < _CANDIDATES + low:
        index += 1
        key = f"key{index}"
        if key in out or extra is False:
            break
        out[key] = _value(walk, extra if isinstance(extra, (dict, bool)) else True, resolver, depth + 1, index, fill)
    if isinstance(low, int) and len(out) < low:
        raise NoValue(f"cannot add properties to reach minProperties {low}")
    return out


def _array(walk: _Walk, schema: dict[str, Any], resolver: Any, depth: int, fill: bool) -> list[Any]:
    items = schema.get("items", True)
    prefix = schema.get("prefixItems")
    if isinstance(items, list):  # drafts 4-7: a tuple of item schemas, the rest in additionalItems
        prefix, items = items, schema.get("additionalItems", True)
    prefix = prefix if isinstance(prefix, list) else []
    low = schema.get("minItems", 0) if isinstance(schema.get("minItems", 0), int) else 0
    high = schema.get("maxItems") if isinstance(schema.get("maxItems"), int) else None
    if high is not None and low > high:
        raise Unsatisfiable(f"minItems {low} is greater than maxItems {high}")
    if low > MAX_ITEMS:
        raise NoValue(f"minItems {low} is more than {MAX_ITEMS} items")
    wanted = max(low, len(prefix) if fill else 0, 0 if depth > _DEEP else 1)
    if items is False:
        wanted = min(wanted, len(prefix)) if low <= len(prefix) else wanted
    if high is not None:
        wanted = min(wanted, high)
    out: list[Any] = []
    contains = schema.get("contains")
    for index in range(wanted):
        sub = prefix[index] if index < len(prefix) else items
        if index == 0 and contains is not None and index >= len(prefix):
            sub = {"allOf": [sub, contains]} if sub is not True else contains
        try:
            value = _value(walk, sub, resolver, depth + 1, index, fill)
        except (Unsatisfiable, NoValue):
            if index < low:
                raise
            break
        if schema.get("uniqueItems") is True and value in out:
            if index < low:
                raise NoValue(f"cannot find {low} distinct items for uniqueItems")
            break
        out.append(value)
    return out


def _string(walk: _Walk, schema: dict[str, Any], variant: int) -> str:
    low = schema.get("minLength", 0) if isinstance(schema.get("minLength", 0), int) else 0
    high = schema.get("maxLength") if isinstance(schema.get("maxLength"), int) else None
    if high is not None and low > high:
        raise Unsatisfiable(f"minLength {low} is greater than maxLength {high}")
    if low > MAX_LENGTH:
        raise NoValue(f"minLength {low} is more than {MAX_LENGTH} characters")
    fmt, pattern = schema.get("format"), schema.get("pattern")
    if isinstance(pattern, str):
        try:
            text = matching(pattern)
        except NoMatch as exc:
            raise NoValue(f"cannot derive a string: {exc}") from exc
    elif isinstance(fmt, str) and fmt in FORMATS:
        text = FORMATS[fmt]
    else:
        fits = lambda t: len(t) >= low and (high is None or len(t) <= high)  # noqa: E731
        hinted = walk.hint(fits) if fmt is None else None
        text = hinted if hinted is not None else ("example" if variant == 0 else f"example {variant + 1}")
        text = text + "x" * (low - len(text)) if len(text) < low else text
        text = text[:high] if high is not None else text
    return text


__all__ = ["NoValue", "Unsatisfiable", "generate"]
