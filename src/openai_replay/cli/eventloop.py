"""The event loop a command-line server runs on: uvloop when it is installed (the ``uvloop`` extra), else
asyncio's own. ``--loop asyncio`` or ``--loop uvloop`` chooses explicitly; asking for uvloop without it
installed is a usage error that says how to install it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")
CHOICES = ("auto", "asyncio", "uvloop")
INSTALL_HINT = "pip install 'openai-replay[uvloop]'"


class LoopUnavailable(Exception):
    """The requested event loop cannot be used here; the message says what to do."""


def loop_factory(name: str) -> tuple[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The loop ``name`` resolves to ("auto": uvloop if importable) and a factory for it."""
    if name not in CHOICES:
        raise LoopUnavailable(f"unknown event loop {name!r}: choose one of {', '.join(CHOICES)}")
    if name != "asyncio":
        try:
            import uvloop
        except ImportError:
            if name == "uvloop":
                raise LoopUnavailable(f"--loop uvloop: uvloop is not installed; run `{INSTALL_HINT}`") from None
        else:
            return "uvloop", uvloop.new_event_loop
    return "asyncio", asyncio.new_event_loop


def run(main: Coroutine[Any, Any, T], name: str = "auto") -> T:
    """``asyncio.run(main)`` on the chosen loop."""
    try:
        _, factory = loop_factory(name)
    except LoopUnavailable:
        main.close()  # never started: no "never awaited" warning
        raise
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(main)
    loop = factory()  # pragma: no cover - Python 3.10
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
