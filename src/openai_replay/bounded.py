"""Reading untrusted files with limits: YAML without alias bombs or deep nesting, bodies without
decompression bombs, JSON without `RecursionError`.

Every limit breaks with `LimitExceeded`, whose message says which limit and how far the file went;
the loaders add the file name and turn it into their own one-line error.

- `yaml_load`: PyYAML's safe loader with two hooks on its composer. Each node's *expanded* size
  (roughly the bytes it stands for once every alias is spelled out) is added up as the document is
  composed, so a "billion laughs" file stops at `MAX_YAML_EXPANSION` after a few thousand nodes
  instead of growing to gigabytes; and nesting deeper than `MAX_DEPTH` stops before Python's
  recursion limit.
- `inflate`: gzip / zlib / raw deflate, streamed through `zlib.decompressobj` with ``max_length``,
  so a body never grows past `MAX_BODY_BYTES` in memory.
- `json_depth_problem`: the JSON path where a parsed value nests deeper than `MAX_DEPTH`, found
  without recursion (``json.loads`` itself is iterative in CPython's C decoder, and raises
  `RecursionError` only beyond about 100,000 levels; the loaders catch that too).
"""

from __future__ import annotations

import zlib
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

#: Deepest nesting any file may have (real cassettes and scenarios stay under 20).
MAX_DEPTH = 200
#: The most bytes a YAML document may stand for once aliases are expanded, beyond its own size.
MAX_YAML_EXPANSION = 32 * 1024 * 1024
#: The largest a compressed body may become when decompressed.
MAX_BODY_BYTES = 32 * 1024 * 1024


class LimitExceeded(ValueError):
    """A file goes past one of the limits above (the message says which)."""


def _size(node: Node) -> int:
    cached = getattr(node, "_expanded", None)
    if isinstance(cached, int):
        return cached
    if isinstance(node, ScalarNode):
        size = 8 + len(node.value)
    elif isinstance(node, SequenceNode):
        size = 8 + sum(_size(child) for child in node.value)
    elif isinstance(node, MappingNode):
        size = 8 + sum(_size(k) + _size(v) for k, v in node.value)
    else:  # pragma: no cover - PyYAML has only these three
        size = 8
    node._expanded = size  # type: ignore[attr-defined]
    return size


try:  # libyaml's parser when PyYAML was built with it (5-10x faster), else the pure-Python one
    from yaml.cyaml import CParser as _Events  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - PyYAML's wheels ship libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Events(Reader, Scanner, Parser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)


class _BoundedLoader(Composer, _Events, SafeConstructor, Resolver):  # type: ignore[misc]
    """A safe loader (events from libyaml, nodes composed here) that refuses deep nesting and
    runaway alias expansion: the same as ``yaml.safe_load`` for every document within the limits."""

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        Composer.__init__(self)
        self._depth = 0
        self._cap = MAX_YAML_EXPANSION + 8 * len(stream)
        self._aliased = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        aliased = self.check_event(yaml.AliasEvent)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                event: Any = self.peek_event()  # type: ignore[no-untyped-call]
                raise LimitExceeded(f"it nests deeper than {MAX_DEPTH} levels (line {event.start_mark.line + 1})")
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        assert node is not None
        size = _size(node)  # a node's size is known once its children are composed
        if aliased:
            self._aliased += size
        if size > self._cap or self._aliased > MAX_YAML_EXPANSION:
            raise LimitExceeded(
                f"its aliases expand to more than {MAX_YAML_EXPANSION // (1024 * 1024)} MiB "
                f"(line {node.start_mark.line + 1}); is it a YAML alias bomb?"
            )
        return node


def yaml_load(text: str) -> Any:
    """``yaml.safe_load(text)`` within `MAX_DEPTH` and `MAX_YAML_EXPANSION`."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def inflate(raw: bytes, encoding: str, limit: int = MAX_BODY_BYTES) -> bytes:
    """``raw`` decompressed (``gzip``, ``deflate``), never holding more than ``limit`` bytes.

    Raises `LimitExceeded` past the limit and `ValueError` for a corrupt or truncated stream.
    """
    if encoding == "deflate":
        try:
            return _stream(raw, zlib.MAX_WBITS, limit)  # zlib-wrapped, as the RFC says
        except zlib.error:
            return _stream(raw, -zlib.MAX_WBITS, limit)  # raw deflate, as some servers send
    return _stream(raw, 16 + zlib.MAX_WBITS, limit, members=True)


def _stream(raw: bytes, wbits: int, limit: int, *, members: bool = False) -> bytes:
    out = bytearray()
    rest = raw
    while True:
        inflater = zlib.decompressobj(wbits)
        out += inflater.decompress(rest, limit + 1 - len(out))
        if len(out) > limit or inflater.unconsumed_tail:
            raise LimitExceeded(f"it decompresses to more than {limit // (1024 * 1024)} MiB; is it a decompression bomb?")
        if not inflater.eof:
            raise ValueError("the compressed body ends early (truncated)")
        rest = inflater.unused_data
        if not (members and rest.startswith(b"\x1f\x8b")):
            return bytes(out)


def json_depth_problem(value: Any, limit: int = MAX_DEPTH) -> str | None:
    """The JSON path (``$.a[0].b``...) where ``value`` nests deeper than ``limit``, or None."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        current, where, depth = stack.pop()
        if depth > limit:
            return where
        if isinstance(current, dict):
            stack.extend((v, f"{where}.{k}", depth + 1) for k, v in current.items() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(current) if isinstance(v, (dict, list)))
    return None
