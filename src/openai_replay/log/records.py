"""The request log: every client request and connection the server saw, as typed records.

Numbers a person reads are 1-based: turn 1 is the first request the server received, connection 1
the first WebSocket, attempt 1 the first try at a conversation step.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from openai_replay.log.limits import Bounds
from openai_replay.log.trim import cut_events, cut_fields, cut_items

#: The APIs a request can speak; the side endpoints answer one JSON body (no events, no chain).
Api = Literal["responses", "chat", "conversations", "realtime", "models", "embeddings", "moderations", "speech", "transcription"]
#: The APIs served by `openai_replay.side` (one JSON body answered by the source itself).
SIDE_APIS = ("models", "embeddings", "moderations")
#: The APIs whose creates are model turns (numbered by `RequestRecord.model_turn` among all model
#: turns); every other API's requests are side requests, numbered among their own API's (`api_turn`).
MODEL_APIS = ("responses", "chat", "realtime")
_ENDPOINTS = {
    ("responses", "ws"): "WS /v1/responses",
    ("responses", "http"): "POST /v1/responses",
    ("chat", "http"): "POST /v1/chat/completions",
}

OutcomeKind = Literal[
    "pending",
    "completed",
    "incomplete",
    "failed",
    "error",
    "cancelled",
    "closed_by_client",
    "closed_by_server",
    "dropped",
]


# Records use __slots__: a long-running server keeps one per request, frame and connection.
@dataclass(slots=True)
class Outcome:
    """How a request ended: its terminal event, an error code, or who closed the connection."""

    kind: OutcomeKind = "pending"
    code: str | None = None
    close_code: int | None = None

    def __str__(self) -> str:
        text: str = self.kind
        if self.code:
            text += f" ({self.code})"
        if self.close_code is not None:
            text += f" [close {self.close_code}]"
        return text


@dataclass(slots=True)
class ConnectionRecord:
    """One WebSocket connection."""

    id: int
    path: str
    query: str
    opened_at: float
    closed_at: float | None = None
    close_code: int | None = None
    closed_by: Literal["client", "server"] | None = None
    #: Set when the upgrade was refused (a scripted rejection): the HTTP status sent instead of 101.
    handshake_status: int | None = None
    #: Frames the server sent unprompted while the connection was idle (e.g. ``error (code)``).
    pushed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RequestRecord:
    """One client request (``response.create``, ``POST /v1/responses`` or ``POST /v1/chat/completions``)."""

    turn: int
    transport: Literal["ws", "http"]
    connection_id: int | None
    turn_on_connection: int | None
    payload: dict[str, Any]
    received_at: float
    lane: str | None = None
    attempt: int = 1
    response_id: str | None = None
    outcome: Outcome = field(default_factory=Outcome)
    finished_at: float | None = None
    event_types: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    #: Injected transport faults in the order they happened (``malformed frame``, ``binary frame``, ...).
    faults: list[str] = field(default_factory=list)
    #: Which scenario rule answered (e.g. ``rule 2 'rate limit'``); None for the default source.
    answered_by: str | None = None
    #: When the server decided the outcome: stamped just before the terminal event, error or close
    #: was sent, so a client's next request can never look earlier than it.
    terminal_at: float | None = None
    #: The delay the server asked for with a failure (``retry-after-ms`` / ``retry-after``), seconds.
    retry_after: float | None = None
    #: The ``output`` items of the terminal response (what the assistant said or called).
    output_items: list[dict[str, Any]] = field(default_factory=list)
    #: Which API the request spoke: ``responses`` (``/v1/responses``, WS), ``chat`` (``/v1/chat/completions``),
    #: ``conversations``, ``realtime`` (``/v1/realtime``), a side endpoint's (``models``, ``embeddings``,
    #: ``moderations``), ``speech`` (``/v1/audio/speech``) or ``transcription`` (``/v1/audio/transcriptions``,
    #: ``/translations``).
    api: Api = "responses"
    #: The request line of a request that is not a create (``GET /v1/responses/resp_…/input_items``,
    #: ``POST /v1/conversations``, ``POST /v1/embeddings``); None for ``POST /v1/responses``, WebSocket and
    #: chat creates (`request_line` names those too).
    endpoint: str | None = None
    #: An audio request's facts: model, format, duration in seconds, the transcript or spoken text.
    audio: dict[str, Any] | None = None
    #: What a scenario's ``turn`` selector matches. A model turn (a create of `MODEL_APIS`: ``POST
    #: /v1/responses``, ``response.create``, ``POST /v1/chat/completions``, Realtime ``response.create``)
    #: has ``model_turn``, its number among all model turns (so a ``GET /v1/models`` an SDK makes at
    #: start-up shifts no turn), and ``api_turn``, its number among its API's model turns. A side request
    #: (models, embeddings, moderations, conversations, speech, transcription) has only ``api_turn``,
    #: among its own API's requests. The other requests of a model API (a retrieve, a cancel, a stored
    #: chat completion) and paths no API routes have neither. `turn` counts every request.
    model_turn: int | None = None
    api_turn: int | None = None
    #: The conversation step this request performs (see `step_key`); None for a refused request.
    step: str | None = field(default=None, repr=False, compare=False)
    #: Set on a payload larger than the log keeps: its byte budget once the outcome is decided.
    shrink_to: int | None = field(default=None, repr=False, compare=False)
    #: The log's limits when the request came in (see `Bounds`); None keeps everything whole.
    bounds: Bounds | None = field(default=None, repr=False, compare=False)
    #: What the log cut from this record to stay within its limits: ``payload.<field>`` (``payload.input``),
    #: ``output_items``, ``event_types``. Empty: the record is whole. Assertions that need a cut part
    #: fail saying so (`openai_replay.log.bounds`).
    truncated: tuple[str, ...] = ()

    def ended(self, now: float, headers: Mapping[str, str] | None = None) -> None:
        """Note that the outcome was decided at ``now`` (first call wins), with any retry hint.

        A payload over the log's byte limit is cut to it now: the turn has read it (the original
        stays with the turn, the connection cache and the store; only the log's copy is cut). Event
        types and output items over the log's limits are cut too (again at each later call: the
        server calls this at the terminal event and once more when the turn is over)."""
        if self.terminal_at is None:
            self.terminal_at = now
        if self.shrink_to is not None:
            self.payload, cut = cut_fields(self.payload, self.shrink_to)
            self.shrink_to, self._input_items = None, None
            self._cut(*cut)
        if self.bounds is not None:
            self._bound(self.bounds)
        if headers:
            self.retry_after = retry_after_seconds(headers)

    def _bound(self, bounds: Bounds) -> None:
        """Cut the event types and output items to the log's limits, noting what was cut."""
        if bounds.events is not None:
            events = cut_events(self.event_types, bounds.events)
            if events is not None:
                self.event_types = events
                self._cut("event_types")
        if bounds.payload is not None and self.output_items and "output_items" not in self.truncated:
            items = cut_items(self.output_items, bounds.payload)
            if items is not None:
                self.output_items = items
                self._cut("output_items")

    def _cut(self, *parts: str) -> None:
        self.truncated = (*self.truncated, *(p for p in parts if p not in self.truncated))

    def turn_label(self) -> str:
        """What a scenario's ``turn`` calls this request, when the log's number would mislead:
        ``models turn 1`` (a side request), ``turn 2`` (a model turn after side requests), ``turn 3,
        chat turn 2`` (a model turn of an app that uses two model APIs); "" when `turn` says it."""
        if self.model_turn is None:
            return "" if self.api_turn is None else f"{self.api} turn {self.api_turn}"
        parts = [f"turn {self.model_turn}"] if self.model_turn != self.turn else []
        if self.api_turn != self.model_turn:
            parts.append(f"{self.api} turn {self.api_turn}")
        return ", ".join(parts)

    @property
    def request_line(self) -> str:
        """The request line it came in on: `endpoint`, or the create's (``WS /v1/responses`` for WebSocket)."""
        return self.endpoint or _ENDPOINTS.get((self.api, self.transport), "")

    @property
    def previous_response_id(self) -> str | None:
        value = self.payload.get("previous_response_id")
        return value if isinstance(value, str) else None

    _input_items: list[dict[str, Any]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def input_items(self) -> list[dict[str, Any]]:
        """The request's own ``input`` (chat: ``messages``) as items (worked out once: the log, rules
        and checks all ask)."""
        if self._input_items is None:
            if self.api == "chat":
                from openai_replay.chat.messages import message_items

                self._input_items = message_items(self.payload.get("messages"))
            elif self.api == "transcription":  # the upload, by its digest: a retry of the same audio is attempt 2
                self._input_items = [{"type": "input_audio", "file": self.payload.get("file")}]
            else:
                from openai_replay.items import normalize_input

                given = self.payload.get("input")
                if self.api in SIDE_APIS and isinstance(given, list):  # embeddings, moderations: a list of texts
                    given = [{"type": "message", "role": "user", "content": t} if isinstance(t, str) else t for t in given]
                self._input_items = normalize_input(given)
        return self._input_items

    def keep_items(self, items: list[dict[str, Any]]) -> None:
        """Take ``items`` as `input_items` as they are, instead of working them out from the payload
        (a list of dicts nothing changes, such as a Realtime response's view of its conversation)."""
        self._input_items = items

    @property
    def chained(self) -> bool:
        return self.previous_response_id is not None

    def step_key(self) -> str:
        """What identifies the conversation step this request performs: its newest input item."""
        items = self.input_items
        try:
            return orjson.dumps(items[-1] if items else None, option=orjson.OPT_SORT_KEYS).decode()
        except TypeError:  # what orjson refuses (non-string keys, huge integers)
            return json.dumps(items[-1] if items else None, sort_keys=True, default=str)

    def summary(self) -> str:
        where = f"conn {self.connection_id}" if self.connection_id is not None else "http"
        if self.api == "chat":
            where += " chat"
        prev = self.previous_response_id or "-"
        return (
            f"#{self.turn} {where} attempt {self.attempt}: prev={prev} input={len(self.input_items)} "
            f"-> {self.response_id or '-'} {self.outcome}"
            + (f" faults=[{', '.join(self.faults)}]" if self.faults else "")
            + (f" <{self.answered_by}>" if self.answered_by else "")
        )


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The delay a response asks for, as the openai SDK reads it: ``retry-after-ms``, then ``retry-after``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return float(lowered[name]) * scale
        except (KeyError, ValueError):
            continue
    return None


@dataclass(slots=True)
class FrameRecord:
    """One client WebSocket frame, whatever it held (``type`` is None when it was not JSON)."""

    connection_id: int
    received_at: float
    type: str | None
    problem: str | None = None
    data: Any = None
    #: True for a frame that arrived after the server closed the connection: nothing acted on it.
    discarded: bool = False
