"""Which request a rule answers: selectors over the request log's numbers, plus a predicate.

Every number is 1-based, as in the request log: ``turn`` alone is the number among model turns
(`RequestRecord.model_turn`: creates of responses, chat and realtime; a ``GET /v1/models`` made at
start-up shifts no turn), and with an ``api`` selector the number among that API's turns or, for a
side API (models, embeddings, moderations, conversations, audio), its requests (`api_turn`);
``connection`` the WebSocket connection number, ``turn_on_connection`` the request number on that
connection, ``attempt`` the try at one conversation step (a retry of the same newest input item is
attempt 2). A number selector takes an int, a list/set/range of ints, or ``{"min": a, "max": b}``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from openai_replay.log.records import SIDE_APIS, Api, RequestRecord
from openai_replay.source import Turn


class ScenarioError(ValueError):
    """A scenario that cannot be used; ``problems`` names each rule (and JSON path) at fault."""

    def __init__(self, problems: list[str], source: str = "scenario") -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{source} is not valid:\n{lines}")


@dataclass(frozen=True)
class IntSet:
    """A set of 1-based numbers: listed values, an inclusive ``min``..``max`` range, or both."""

    values: frozenset[int] | None = None
    min: int | None = None
    max: int | None = None

    @classmethod
    def of(cls, value: Any, what: str = "value", minimum: int = 1) -> IntSet:
        result = cls._parse(value, what)
        lows = [*(result.values or ()), *([result.min] if result.min is not None else [])]
        if any(v < minimum for v in lows):
            raise ScenarioError([f"{what}: numbers start at {minimum}, got {result.describe()}"])
        return result

    @classmethod
    def _parse(cls, value: Any, what: str) -> IntSet:
        if isinstance(value, IntSet):
            return value
        if isinstance(value, bool):
            raise ScenarioError([f"{what}: expected a number, a list of numbers or {{min, max}}, got {value!r}"])
        if isinstance(value, int):
            return cls(values=frozenset([value]))
        if isinstance(value, range):
            if value.step == 1:
                return cls(min=value.start, max=value.stop - 1) if len(value) else cls(values=frozenset())
            return cls(values=frozenset(value))
        if isinstance(value, Mapping):
            unknown = set(value) - {"min", "max"}
            if unknown or not value:
                raise ScenarioError([f"{what}: a range takes 'min' and/or 'max', got {dict(value)!r}"])
            return cls(min=_int(value.get("min"), what), max=_int(value.get("max"), what))
        if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
            return cls(values=frozenset(_int(v, what) or 0 for v in value))  # 0 is then refused by of()
        raise ScenarioError([f"{what}: expected a number, a list of numbers or {{min, max}}, got {value!r}"])

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, int):
            return False
        if self.values is not None and number not in self.values:
            return False
        if self.min is not None and number < self.min:
            return False
        return not (self.max is not None and number > self.max)

    @property
    def empty(self) -> bool:
        if self.min is not None and self.max is not None and self.min > self.max:
            return True
        if self.values is not None:
            return not any(v in self for v in self.values)
        return False

    def lowest(self) -> int:
        if self.values is not None:
            return min((v for v in self.values if v in self), default=0)
        return self.min or 1

    def highest(self) -> int | None:
        if self.values is not None:
            return max((v for v in self.values if v in self), default=0)
        return self.max

    def describe(self) -> str:
        if self.values is not None:
            shown = sorted(self.values)
            text = "no number" if not shown else str(shown[0]) if len(shown) == 1 else "one of " + ", ".join(map(str, shown))
            bounds = IntSet(min=self.min, max=self.max)
            return text if self.min is None and self.max is None else f"{text} within {bounds.describe()}"
        if self.min is not None and self.max is not None:
            return f"{self.min}..{self.max}"
        if self.min is not None:
            return f">= {self.min}"
        return f"<= {self.max}"


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError([f"{what}: expected whole numbers, got {value!r}"])
    return value


Transport = Literal["ws", "http"]
APIS = ("responses", "chat", "conversations", "realtime", *SIDE_APIS, "speech", "transcription")
Predicate = Callable[[Turn], bool]


@dataclass(frozen=True)
class Match:
    """Selectors; a request matches when every selector given matches (none given: every request)."""

    turn: IntSet | None = None
    connection: IntSet | None = None
    turn_on_connection: IntSet | None = None
    attempt: IntSet | None = None
    #: ``previous_response_id`` present (True) or absent (False).
    chained: bool | None = None
    transport: Transport | None = None
    #: The API the request speaks: ``responses`` (``/v1/responses...``, WS), ``chat`` (``/v1/chat/completions...``),
    #: ``conversations`` (``/v1/conversations...``), ``realtime`` (a response on
    #: ``/v1/realtime``), ``models``, ``embeddings`` or ``moderations``.
    api: Api | None = None
    #: ``generate: false`` warm-up requests (True) or generating ones (False); model turns only.
    warmup: bool | None = None
    #: The newest user text in the request's own input contains this.
    text_contains: str | None = None
    #: The request's own input holds an item of this type (e.g. ``function_call_output``).
    input_type: str | None = None
    #: The HTTP method (``GET``, ``POST``, ...; a WebSocket request counts as ``POST``).
    method: str | None = None
    #: The request path, exactly, or a glob with ``*`` (``/v1/files/*``); any path, routed or not.
    path: str | None = None
    #: The JSON body equals this value exactly.
    body: Any = None
    #: The JSON body holds this value: every key given (at any depth) with the value given.
    body_contains: Any = None
    #: Any Python test on the `Turn` (payload, record, context); not available in JSON.
    where: Predicate | None = None

    NUMBERS = ("turn", "connection", "turn_on_connection", "attempt")
    NAMED = ("chained", "transport", "api", "warmup", "text_contains", "input_type", "method", "path", "body", "body_contains")

    @classmethod
    def build(cls, **selectors: Any) -> Match:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(selectors) - known)
        if unknown:
            raise ScenarioError([f"unknown selector(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"])
        values = {k: v for k, v in selectors.items() if v is not None}
        for name in cls.NUMBERS:
            if name in values:
                values[name] = IntSet.of(values[name], name)
        if values.get("transport") not in (None, "ws", "http"):
            raise ScenarioError([f"transport: expected 'ws' or 'http', got {values['transport']!r}"])
        if values.get("api") not in (None, *APIS):
            raise ScenarioError([f"api: expected one of {', '.join(map(repr, APIS))}, got {values['api']!r}"])
        return cls(**values)

    @property
    def catch_all(self) -> bool:
        return all(getattr(self, name) is None for name in _SELECTORS)

    def matches(self, turn: Turn) -> bool:
        record = turn.record
        if self.turn is not None and not self._turn_matches(record):
            return False
        for name, value in (
            ("connection", record.connection_id),
            ("turn_on_connection", record.turn_on_connection),
            ("attempt", record.attempt),
        ):
            selector: IntSet | None = getattr(self, name)
            if selector is not None and value not in selector:
                return False
        if self.chained is not None and (record.previous_response_id is not None) != self.chained:
            return False
        if self.transport is not None and record.transport != self.transport:
            return False
        if self.api is not None and record.api != self.api:
            return False
        if self.warmup is not None and ((not turn.generate) != self.warmup or record.model_turn is None):
            return False  # warm-up or generating: a model turn's; a side request is neither
        if self.text_contains is not None and self.text_contains not in turn.user_text():
            return False
        if self.input_type is not None and not any(i.get("type", "message") == self.input_type for i in record.input_items):
            return False
        if self.method is not None and turn.method.upper() != self.method.upper():
            return False
        if self.path is not None and not _path_matches(self.path, turn.path):
            return False
        if self.body is not None and turn.payload != self.body:
            return False
        if self.body_contains is not None and not json_contains(turn.payload, self.body_contains):
            return False
        return self.where is None or bool(self.where(turn))

    def _turn_matches(self, record: RequestRecord) -> bool:
        """Without ``api``, ``turn`` is the number among all model turns (side requests have none);
        with it, the number among that API's turns or requests."""
        number = record.model_turn if self.api is None else record.api_turn
        return number is not None and self.turn is not None and number in self.turn

    def impossible(self) -> str | None:
        """Why no request can ever match these selectors, or None."""
        for name in self.NUMBERS:
            selector: IntSet | None = getattr(self, name)
            if selector is not None and selector.empty:
                return f"'{name}' selects no number at all ({selector.describe()})"
        if self.api in SIDE_APIS and (self.transport == "ws" or self.warmup or self.chained):
            return f"{self.api} requests are single HTTP calls, never over WebSocket, warm-up or chained"
        if self.api == "chat":
            if self.transport == "ws":
                return "Chat Completions is HTTP only, so api 'chat' never matches with transport 'ws'"
            for name in ("connection", "turn_on_connection"):
                if getattr(self, name) is not None:
                    return f"Chat Completions requests have no WebSocket connection, so '{name}' never matches with api 'chat'"
            if self.warmup or self.chained:
                what = "warm-up requests (generate: false)" if self.warmup else "chained requests (previous_response_id)"
                return f"{what} exist only in the Responses API, not with api 'chat'"
        if self.api == "realtime" and self.transport == "http":
            return "the Realtime API is WebSocket only, so api 'realtime' never matches with transport 'http'"
        if self.transport == "http":
            for name in ("connection", "turn_on_connection"):
                if getattr(self, name) is not None:
                    return f"HTTP requests have no WebSocket connection, so '{name}' never matches with transport 'http'"
            if self.warmup:
                return "warm-up requests (generate: false) exist only over WebSocket, not with transport 'http'"
        if self.turn is not None and (top := self.turn.highest()) is not None:
            for name in ("turn_on_connection", "attempt"):
                selector = getattr(self, name)
                if selector is not None and selector.lowest() > top:
                    return (
                        f"'{name}' {selector.describe()} needs at least {selector.lowest()} requests, but 'turn' is at most {top}"
                    )
        return None

    def describe(self) -> str:
        parts = []
        for name in self.NUMBERS:
            selector: IntSet | None = getattr(self, name)
            if selector is not None:
                parts.append(f"{name} {selector.describe()}")
        for name in self.NAMED:
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        if self.where is not None:
            parts.append(f"where={getattr(self.where, '__name__', 'predicate')}")
        return ", ".join(parts) or "every request"


#: Every selector's name (``fields()`` itself is slow to call once a rule).
_SELECTORS = tuple(f.name for f in fields(Match))


def _path_matches(pattern: str, path: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern) if "*" in pattern else path == pattern


def json_contains(value: Any, wanted: Any) -> bool:
    """``wanted`` is a subset of ``value``: objects by key (recursively), anything else by equality."""
    if isinstance(wanted, dict):
        return isinstance(value, dict) and all(k in value and json_contains(value[k], v) for k, v in wanted.items())
    return bool(value == wanted)


def describe_request(turn: Turn) -> str:
    """One line naming a request, for messages about it."""
    r = turn.record
    where = f"WebSocket connection {r.connection_id}, request {r.turn_on_connection} on it" if r.transport == "ws" else "HTTP"
    chained = f"chained on {r.previous_response_id}" if r.previous_response_id else "not chained"
    label = f", {r.turn_label()}" if r.turn_label() else ""
    return f"request #{r.turn} ({where}{label}, attempt {r.attempt}, {chained})"
