"""Checks on the values a scenario carries, so that what loads also works on the wire.

Used by the actions (`actions.py`), scripted errors (`catalog.py`) and the scenario's ``config``
(`scenario.py`), so a JSON file and the fluent API are held to the same rules. Each check raises
`ScenarioError` with one line saying what was given and what is allowed.
"""

from __future__ import annotations

import math
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from openai_replay.config import ServerConfig
from openai_replay.scenarios.match import ScenarioError

#: RFC 6455 §5.5: a close frame's payload is at most 125 bytes, 2 of them the code.
MAX_CLOSE_REASON_BYTES = 123
#: RFC 9110 §5.6.2: a header name is a token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 9110 §5.5: a field value has no CR, LF, NUL or other control characters (tab is allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


#: The longest duration a scenario may give (a stall, a delay, a retry-after): one day. Longer ones
#: are typos or probes (``retry_after: 1e308`` would become a 309-digit header); ``stall_forever``
#: exists for a reply that never comes.
MAX_SECONDS = 86_400.0


def duration(value: Any, what: str, most: float = MAX_SECONDS, unit: str = "seconds") -> float:
    """A number of ``unit``: finite, >= 0 and at most ``most``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError([f"{what}: expected a number of {unit}, got {value!r}"])
    if not math.isfinite(value) or value < 0:
        raise ScenarioError([f"{what}: {unit} must be finite and 0 or more, got {value!r}"])
    if value > most:
        raise ScenarioError([f"{what}: at most {most:,.0f} {unit} (one day), got {value:g}"])
    return float(value)


def count(value: Any, what: str, minimum: int = 0) -> int:
    """A whole number >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError([f"{what}: expected a whole number, got {value!r}"])
    if value < minimum:
        raise ScenarioError([f"{what}: must be {minimum} or more, got {value}"])
    return value


def close_reason(reason: Any) -> str:
    """A WebSocket close reason that fits in a close frame."""
    if not isinstance(reason, str):
        raise ScenarioError([f"reason: expected text, got {reason!r}"])
    size = len(reason.encode("utf-8", errors="surrogatepass"))
    if size > MAX_CLOSE_REASON_BYTES:
        raise ScenarioError([f"reason: a close reason is at most {MAX_CLOSE_REASON_BYTES} bytes of UTF-8, got {size}"])
    return reason


def headers(values: Any) -> dict[str, str]:
    """Header names that are tokens and values without CR, LF or other control characters."""
    if not isinstance(values, Mapping):
        raise ScenarioError([f"headers: expected an object of name: value, got {values!r}"])
    problems = []
    for name, value in values.items():
        if not isinstance(name, str) or not _TOKEN.fullmatch(name):
            problems.append(f"headers: {name!r} is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)")
        elif not isinstance(value, str) or _CONTROL.search(value):
            problems.append(f"headers: the value of {name!r} must be text without CR, LF or control characters, got {value!r}")
    if problems:
        raise ScenarioError(problems)
    return dict(values)


def config(overrides: Mapping[str, Any]) -> list[str]:
    """Problems with a scenario's ``config`` (`ServerConfig` changes): unknown names, wrong types."""
    hints = typing.get_type_hints(ServerConfig)
    known = {f.name for f in fields(ServerConfig)} - {"extra"}
    found = []
    for key, value in overrides.items():
        if key == "extra":
            if not isinstance(value, Mapping):
                found.append(f"config.extra: expected an object, got {value!r}")
            continue
        if key not in known:
            found.append(f"config: unknown server setting '{key}'; known: {', '.join(sorted(known))}")
            continue
        low, high = _RANGES.get(key, (0, None))
        problem = _type_problem(value, hints[key], low, high)
        if problem:
            found.append(f"config.{key}: {problem}")
    return found


#: Whole-number settings whose range is not just "0 or more".
_RANGES: dict[str, tuple[int | None, int | None]] = {
    "seed": (None, None),
    "chunk_size": (1, None),
    "max_stream_ids": (1, None),
    "limit_close_code": (1000, 4999),
}


def _type_problem(value: Any, hint: Any, low: int | None, high: int | None) -> str | None:
    """Why ``value`` does not fit the annotation ``hint`` (bool, int, float, str, Literal, Optional)."""
    options = typing.get_args(hint) if _is_union(hint) else (hint,)
    if value is None:
        return None if type(None) in options else "must not be null"
    for option in options:
        if typing.get_origin(option) is typing.Literal:
            if value in typing.get_args(option):
                return None
        elif option is bool:
            if isinstance(value, bool):
                return None
        elif option is int:
            if isinstance(value, int) and not isinstance(value, bool):
                if (low is not None and value < low) or (high is not None and value > high):
                    return f"must be {_span(low, high)}, got {value}"
                return None
        elif option is float:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return None if math.isfinite(value) and value >= 0 else f"must be a finite number >= 0, got {value!r}"
        elif option is str and isinstance(value, str):
            return None
    return f"expected {_describe(options)}, got {value!r}"


def _span(low: int | None, high: int | None) -> str:
    return f"{low} or more" if high is None else f"between {low} and {high}"


def _is_union(hint: Any) -> bool:
    return typing.get_origin(hint) in (typing.Union, types.UnionType)


def _describe(options: tuple[Any, ...]) -> str:
    words = []
    for option in options:
        if typing.get_origin(option) is typing.Literal:
            words.append(" or ".join(repr(v) for v in typing.get_args(option)))
        elif option is type(None):
            words.append("null")
        else:
            words.append({bool: "true or false", int: "a whole number", float: "a number", str: "text"}.get(option, str(option)))
    return " or ".join(words)
