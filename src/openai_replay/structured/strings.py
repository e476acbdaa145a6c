"""Strings for a JSON schema: a value for each ``format`` and a string that matches a ``pattern``.

No well-kept library fits here: Hypothesis' ``from_regex`` draws at random and is a test-only
dependency, and regex-to-string packages (rstr, exrex) pick at random too. The simulated model needs
the same answer every time, so this walks the pattern's parse tree (the standard library's own parser)
and takes the first choice at every branch, the minimum count at every repeat.
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse
else:  # pragma: no cover - 3.10
    import sre_constants as sre
    import sre_parse

#: One valid value per JSON Schema string format (RFC 3339 dates and times, RFC 5321 e-mail...).
FORMATS: dict[str, str] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "uri": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri-reference": "https://example.com/",
    "uri-template": "https://example.com/{id}",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "json-pointer": "/example",
    "relative-json-pointer": "0",
    "regex": "example",
}

_MAX_REPEAT = 64  # a pattern's minimum repeat above this is too long to be a sensible answer
_MAX_TEXT = 10_000  # nested repeats multiply: no derived string grows past this


class NoMatch(ValueError):
    """The pattern uses a construct this walker cannot derive a string for."""


def matching(pattern: str) -> str:
    """A short string that ``re.search(pattern, s)`` accepts (JSON Schema patterns are unanchored)."""
    try:
        tree = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        raise NoMatch(f"the pattern {pattern!r} is not a valid regular expression ({exc})") from exc
    text = _walk(tree)
    if re.search(pattern, text) is None:
        raise NoMatch(f"no string could be derived for the pattern {pattern!r}")
    return text


def _walk(tree: Any) -> str:
    return "".join(_node(op, arg) for op, arg in tree)


def _node(op: Any, arg: Any) -> str:
    if op is sre.LITERAL:
        return chr(arg)
    if op is sre.NOT_LITERAL:
        return "a" if arg != ord("a") else "b"
    if op is sre.ANY:
        return "a"
    if op is sre.IN:
        return _in(arg)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, _high, body = arg
        if low > _MAX_REPEAT:
            raise NoMatch("a repeat count too large to answer")
        part = str(_walk(body))
        if len(part) * int(low) > _MAX_TEXT:
            raise NoMatch(f"the pattern's shortest match is longer than {_MAX_TEXT} characters")
        return part * int(low)
    if op is sre.SUBPATTERN:
        return _walk(arg[-1])
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _walk(arg)
    if op is sre.BRANCH:
        return _walk(arg[1][0])
    if op in (sre.AT, sre.ASSERT_NOT):
        return ""
    if op is sre.ASSERT:
        return ""  # a lookahead is checked by the final re.search; the common cases need no text
    if op is sre.GROUPREF:
        raise NoMatch("a back-reference")
    raise NoMatch(f"the construct {op}")


_CATEGORIES = {
    sre.CATEGORY_DIGIT: "0",
    sre.CATEGORY_NOT_DIGIT: "a",
    sre.CATEGORY_SPACE: " ",
    sre.CATEGORY_NOT_SPACE: "a",
    sre.CATEGORY_WORD: "a",
    sre.CATEGORY_NOT_WORD: "-",
}


def _in(items: list[Any]) -> str:
    """The first character a character class accepts (a negated class: the first printable it does not list)."""
    if items and items[0][0] is sre.NEGATE:
        excluded = re.compile(_class_source(items[1:]))
        for candidate in "aA0_-. x":
            if not excluded.fullmatch(candidate):
                return candidate
        raise NoMatch("a negated character class")
    for op, arg in items:
        if op is sre.LITERAL:
            return chr(arg)
        if op is sre.RANGE:
            return chr(arg[0])
        if op is sre.CATEGORY and arg in _CATEGORIES:
            return str(_CATEGORIES[arg])
    raise NoMatch("a character class")


def _class_source(items: list[Any]) -> str:
    parts = []
    for op, arg in items:
        if op is sre.LITERAL:
            parts.append(re.escape(chr(arg)))
        elif op is sre.RANGE:
            parts.append(f"{re.escape(chr(arg[0]))}-{re.escape(chr(arg[1]))}")
        elif op is sre.CATEGORY:
            parts.append({v: k for k, v in _CATEGORY_CODES.items()}.get(arg, ""))
    return f"[{''.join(parts)}]" if parts else "(?!)"


_CATEGORY_CODES = {
    r"\d": sre.CATEGORY_DIGIT,
    r"\D": sre.CATEGORY_NOT_DIGIT,
    r"\s": sre.CATEGORY_SPACE,
    r"\S": sre.CATEGORY_NOT_SPACE,
    r"\w": sre.CATEGORY_WORD,
    r"\W": sre.CATEGORY_NOT_WORD,
}
