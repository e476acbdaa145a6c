"""Parsing the JSON a client sent (a WebSocket frame, an HTTP body): strict, and bounded in depth.

orjson refuses what the real API refuses (``NaN``, ``1e400``, lone surrogates such as ``"\\ud800"``,
invalid UTF-8) and stops at 1,024 levels of nesting. That is still too deep for what reads a payload
afterwards: ``json.dumps``, ``repr`` and ``copy.deepcopy`` recurse once a level, and ``orjson.dumps``
stops at 255. So a payload nested more than `MAX_DEPTH` levels is refused here, before anything else
reads it, with an error the transport turns into the API's 400.
"""

from __future__ import annotations

from typing import Any

import orjson

#: The most levels of arrays and objects a request may nest (JSON schemas in real tools use about 10).
MAX_DEPTH = 128


class JsonInputError(ValueError):
    """What the client sent is not JSON we accept; the message says why, in one line."""


def parse(data: str | bytes) -> Any:
    """The JSON value in ``data``, or `JsonInputError`."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if exc.msg.startswith("depth limit exceeded"):
            raise JsonInputError(_too_deep()) from None
        raise JsonInputError(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if isinstance(value, (dict, list)) and _brackets(data) > MAX_DEPTH and _deeper_than(value, MAX_DEPTH):
        raise JsonInputError(_too_deep())
    return value


def _too_deep() -> str:
    return f"nested more than {MAX_DEPTH} levels of arrays and objects deep"


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
