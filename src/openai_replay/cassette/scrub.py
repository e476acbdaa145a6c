"""Running the secret table over text fast: what `Redactor.text` and `Redactor.learn_text` call.

Hand-written because it must be fast on large bodies (a recording scrubs every frame):

- a long unbroken run of base64 (`DATA_RUN` characters or more: audio, images) is data, never
  searched, so a 5 MB audio frame costs one scan;
- a shape whose literal ``hints`` are all absent is skipped (a substring test);
- a name-based shape (``near_name``) searches only the stretches near a secret-like name followed
  by ``=``, ``:`` or a quote (`name_windows`) once the text is large.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence

from openai_replay.cassette.secrets import ValuePattern, name_windows

__all__ = ["DATA_RUN", "pieces", "scrub", "secrets_in"]

#: Unbroken base64 this long is data (audio, images), never searched for secrets.
DATA_RUN = 4096
_DATA = re.compile(rf"[A-Za-z0-9+/]{{{DATA_RUN},}}={{0,2}}")
#: Below this size a name-based shape runs over the whole text (finding windows costs more).
_WINDOWED = 4096


def pieces(value: str) -> Iterator[tuple[str, bool]]:
    """``value`` cut into (text, is_data) pieces, in order; joined they give ``value`` back."""
    if len(value) < DATA_RUN:
        yield value, False
        return
    at = 0
    for run in _DATA.finditer(value):
        yield value[at : run.start()], False
        yield run.group(), True
        at = run.end()
    yield value[at:], False


def scrub(text: str, patterns: Sequence[ValuePattern]) -> str:
    """``text`` (one piece that is not data) with every match of ``patterns`` replaced."""
    if not text:
        return text
    folded = text.lower()
    windows: list[tuple[int, int]] | None = None
    for shape in patterns:
        if not shape.applies(text, folded):
            continue
        swap = functools.partial(_swap, shape=shape)
        if not shape.near_name or len(text) < _WINDOWED:
            text = shape.pattern.sub(swap, text)
            continue
        if windows is None:
            windows = name_windows(text, folded)
        text = _sub_within(shape.pattern, swap, text, windows)
        if len(text) != len(folded):  # a replacement moved the text: find the windows again
            folded, windows = text.lower(), None
    return text


def secrets_in(text: str, patterns: Sequence[ValuePattern]) -> Iterator[str]:
    """Each secret ``patterns`` find in ``text`` (one piece that is not data), as `scrub` would replace it."""
    folded = text.lower()
    windows: list[tuple[int, int]] | None = None
    for shape in patterns:
        if not shape.applies(text, folded):
            continue
        if not shape.near_name or len(text) < _WINDOWED:
            found: Iterator[re.Match[str]] = shape.pattern.finditer(text)
        else:
            windows = name_windows(text, folded) if windows is None else windows
            found = (m for start, end in windows for m in shape.pattern.finditer(text, start, end))
        for match in found:
            secret = match.group("secret") if "secret" in match.re.groupindex else match.group()
            if shape.guard is None or shape.guard(secret):
                yield secret


def _swap(match: re.Match[str], shape: ValuePattern) -> str:
    """The match with its ``secret`` group (or all of it) replaced, unless the shape's guard says it is no secret."""
    if "secret" not in match.re.groupindex:
        return shape.replacement
    start, end = match.span("secret")
    whole = match.group()
    if shape.guard is not None and not shape.guard(whole[start - match.start() : end - match.start()]):
        return whole
    return whole[: start - match.start()] + shape.replacement + whole[end - match.start() :]


def _sub_within(pattern: re.Pattern[str], swap: Callable[[re.Match[str]], str], text: str, windows: list[tuple[int, int]]) -> str:
    """``pattern.sub(swap, text)`` that searches only inside ``windows`` (each match still sees the
    whole text around it, for look-behinds and ``^``)."""
    out, at = [], 0
    for start, end in windows:
        for match in pattern.finditer(text, max(start, at), end):
            out += [text[at : match.start()], swap(match)]
            at = match.end()
    out.append(text[at:])
    return "".join(out)
