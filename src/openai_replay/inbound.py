"""The one strict JSON reader for everything a user or client hands us: WebSocket frames, HTTP bodies
(``/v1`` and the control API), scenario and cassette files.

orjson refuses what the real API refuses (``NaN``, ``1e400``, lone surrogates such as ``"\\ud800"``,
invalid UTF-8) and stops at 1,024 levels of nesting. Three more checks are ours:

- depth: `json.dumps`, ``repr`` and ``copy.deepcopy`` recurse once a level and ``orjson.dumps`` stops
  at 255, so a value nested more than ``max_depth`` levels is refused before anything reads it;
- size: ``max_bytes`` refuses a text that is too large before it is parsed;
- duplicate keys: orjson (like ``json.loads``) keeps the last of two equal keys, so a scenario with
  two ``rules`` keys would load as the second one silently. The keys the parsed value holds are
  counted (a walk only over objects) and compared with the keys the text spells, counted by a C
  regex over its strings; they differ only when a key repeats. Most payloads skip the regex: when
  the text has no more colons than the value has keys, no key can repeat.

Every refusal is a `JsonInputError` whose message is one line; the transports turn it into the API's
400 and the file loaders into their one-line error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import orjson

from openai_replay.bounded import json_depth_problem

#: The most levels of arrays and objects a request may nest (JSON schemas in real tools use about 10).
MAX_DEPTH = 128
#: Deepest nesting a scenario or cassette file may have (real ones stay under 20).
FILE_MAX_DEPTH = 200

# A JSON string, and the colon after it when it is a key (unrolled: `[^"\\]*` runs in C per character).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')


class JsonInputError(ValueError):
    """What the client sent is not JSON we accept; the message says why, in one line. ``pos`` is
    where parsing stopped, when the text is not JSON at all."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message)
        self.pos = pos


def parse(data: str | bytes, *, max_depth: int = MAX_DEPTH, max_bytes: int | None = None) -> Any:
    """The JSON value in ``data``, or `JsonInputError` (not JSON, too deep, too large, a repeated key)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise JsonInputError(f"{len(data)} bytes is more than the {max_bytes:,} bytes allowed")
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if exc.msg.startswith("depth limit exceeded"):
            raise JsonInputError(_too_deep(max_depth)) from None
        raise JsonInputError(_explain(data, exc), exc.pos) from None
    if isinstance(value, (dict, list)):
        if _brackets(data) > max_depth and _deeper_than(value, max_depth):
            where = json_depth_problem(value, max_depth) or "$"
            raise JsonInputError(f"{_too_deep(max_depth)} (at {where if len(where) < 80 else where[:77] + '...'})")
        raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
        keys = _keys(value)
        if raw.count(b":") > keys and _spelled_keys(raw) != keys:
            raise JsonInputError(_repeated(raw))
    return value


def _explain(data: str | bytes, exc: orjson.JSONDecodeError) -> str:
    """orjson's message, made plain for the two cases where it misleads."""
    if isinstance(data, bytes):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            return f"not UTF-8 text (bad byte at offset {bad.start})"
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    rest = text[exc.pos : exc.pos + 9].lstrip("-")
    for name in ("NaN", "Infinity"):
        if rest.startswith(name):
            return f"{name} is not a JSON number (at line {exc.lineno} column {exc.colno}); give a finite number"
    return f"{exc.msg} at line {exc.lineno} column {exc.colno}"


def read_file(path: str | Path, *, max_bytes: int | None = None, max_depth: int = FILE_MAX_DEPTH) -> Any:
    """The JSON value in the file at ``path``: `JsonInputError` for a bad file, `OSError` for no file."""
    raw = Path(path).read_bytes()
    return parse(raw, max_depth=max_depth, max_bytes=max_bytes)


def _too_deep(limit: int) -> str:
    return f"nests deeper than {limit} levels of arrays and objects"


def _brackets(data: str | bytes) -> int:
    """An upper bound on the nesting depth, counted in C: most payloads need no walk at all."""
    if isinstance(data, str):
        return data.count("[") + data.count("{")
    return data.count(b"[") + data.count(b"{")


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether ``value`` nests more than ``limit`` levels (a loop, not recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))
    return False


def _keys(value: Any) -> int:
    """How many keys the objects in ``value`` hold, all levels together (a loop, not recursion)."""
    total = 0
    stack = [value]
    push, pop = stack.append, stack.pop
    while stack:  # exact types: orjson makes only dict and list (no generator per node: a turn's payload has ~5)
        node = pop()
        if type(node) is dict:
            total += len(node)
            node = node.values()
        for v in node:
            t = type(v)
            if t is dict or t is list:
                push(v)
    return total


def _spelled_keys(raw: bytes) -> int:
    """How many keys the (valid) JSON text spells: strings followed by a colon. Scanning string by
    string from the start, a quote outside a string always opens the next one."""
    return sum(1 for match in _STRING.finditer(raw) if match.group(1))


def _repeated(raw: bytes) -> str:
    """The message for a text with a repeated key, naming it (only on this error path: json is slower)."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                raise _Repeated(key)
            seen.add(key)
        return {}

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except _Repeated as found:
        return f"the key {str(found)[:80]!r} appears twice in one object; give each key once"
    except (ValueError, RecursionError):
        pass
    return "a key appears twice in one object; give each key once"


class _Repeated(Exception):
    pass
