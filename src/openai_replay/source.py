"""The contract between the server and whatever decides a response's events.

The server validates a request, applies the protocol rules, then hands a `Turn` to a `Source`,
which yields `steps`. The simulated model is the default source; scenarios and cassettes are others.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .config import ServerConfig
from .events import ResponseBuilder
from .log import RequestRecord
from .steps import Step


@dataclass
class Turn:
    """Everything a source may look at when answering one request."""

    payload: dict[str, Any]
    transport: Literal["ws", "http"]
    record: RequestRecord
    builder: ResponseBuilder
    #: The whole conversation as the server sees it: the chained parent's context plus new input.
    context: list[dict[str, Any]]
    config: ServerConfig

    @property
    def generate(self) -> bool:
        return self.payload.get("generate", True) is not False


class Source(Protocol):
    """Answers turns with steps.

    A source may set ``bypass_protocol = True`` (cassette replay does): the server then skips
    validation and the protocol rules and serves exactly what the source yields.
    """

    def plan(self, turn: Turn) -> Iterator[Step]:
        """The steps that answer ``turn``, produced lazily (a cancel can stop them anywhere)."""
        ...
