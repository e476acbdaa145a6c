"""Argument types that refuse out-of-range values with argparse's usage error (exit 2) saying what was expected."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable


def whole_number(what: str, low: int, high: int | None = None, *, note: str = "") -> Callable[[str], int]:
    """An integer in ``low..high`` (``high`` None: no upper bound); ``what`` names it in the error."""
    span = f"from {low} to {high}" if high is not None else f"{low} or more"
    expected = f"{what}: a whole number {span}{note}"

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return convert


def seconds(what: str, *, note: str = "") -> Callable[[str], float]:
    """A finite number of seconds, 0 or more."""
    return non_negative(f"{what}: a number of seconds, 0 or more{note}")


def non_negative(expected: str) -> Callable[[str], float]:
    """A finite number, 0 or more; ``expected`` says what it is in the error."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text}")
        return value

    return convert


def one_of(what: str, known: Iterable[str]) -> Callable[[str], str]:
    """A name from ``known`` (listed in the error)."""
    names = list(known)

    def convert(text: str) -> str:
        if text not in names:
            raise argparse.ArgumentTypeError(f"unknown {what} {text!r}; expected one of: {', '.join(names)}")
        return text

    return convert


def port(text: str) -> int:
    """A TCP port, 0 (any free port) to 65535."""
    return whole_number("a port", 0, 65535, note=" (0 picks a free port)")(text)
