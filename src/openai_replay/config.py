"""Server settings, with the defaults a test wants and every behaviour switch in one place.

Where the real API's behaviour is unknown (protocol.md §6), the choice made is the default here and
the alternative is a switch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Literal

CancelMode = Literal["reject", "honour"]


@dataclass
class ServerConfig:
    """How the fake server behaves. Every field has the default a real-API look-alike needs."""

    #: Answer a missing ``Authorization: Bearer`` with the real 401 (HTTP and WS handshake).
    require_auth: bool = True
    #: ``response.cancel`` is not part of the protocol: "reject" answers it like any unknown client
    #: event (the in-flight response runs on); "honour" ends the in-flight response with
    #: ``response.incomplete`` (reason ``cancel_reason``), emulating a cancel-capable server.
    cancel_mode: CancelMode = "reject"
    cancel_reason: str = "cancelled"
    #: Reply text is streamed one word per delta by default, or in chunks of this many characters.
    chunk_size: int | None = None
    #: Seconds between events (on the server's clock). 0 sends as fast as possible.
    event_delay: float = 0.0
    #: Seed for ids and obfuscation padding: same inputs and seed give the same bytes.
    seed: int | None = None
    #: WebSocket connection-time limit (the real one is 60 minutes).
    connection_limit_seconds: float = 3600.0
    #: Close code sent after the limit error frame; None leaves the socket open (unknown upstream).
    limit_close_code: int | None = None
    #: Most distinct named ``stream_id`` lanes per connection (v2 protocol).
    max_stream_ids: int = 32
    #: Add the ``obfuscation`` padding to delta events (clients may turn it off per request).
    obfuscation: bool = True
    #: Emit ``name`` on ``response.function_call_arguments.done`` (the spec has it, real traffic not).
    function_call_done_name: bool = False
    #: Send ``usage.input_tokens_details.cache_write_tokens`` (the current API); False sends the older
    #: usage shape without it, which some clients fail to parse (built-in scenario ``legacy_usage``).
    usage_cache_write_tokens: bool = True
    #: Enforce ``previous_response_id`` lookups (``previous_response_not_found``). Off: any id works.
    enforce_previous_response: bool = True
    #: Evict the referenced ``previous_response_id`` from the connection cache when a turn fails.
    evict_on_failure: bool = True
    #: Keep only about this many of the newest requests (and client frames) in the request log; None
    #: keeps all. Tests want the whole log; ``openai-replay serve`` keeps 1,000 unless told otherwise,
    #: so a server left running does not grow without bound. Turn numbers still count every request.
    log_limit: int | None = None
    #: Bytes of one request payload (or client frame, or a response's output items) the request log
    #: keeps; a larger one is cut to this in the log's copy, with a note saying so. None keeps every
    #: payload whole (tests read them);
    #: ``openai-replay serve`` keeps 16 KiB.
    log_payload_limit: int | None = None
    #: Event types the request log keeps per request (``record.event_types``); a longer stream keeps its
    #: first and last ones around a note of how many were left out. None keeps all (tests read them);
    #: ``openai-replay serve`` keeps 256.
    log_event_limit: int | None = None
    #: Keep only the newest this many stored (``store: true``) responses; older ones answer
    #: ``previous_response_not_found`` like an expired response. None keeps all (in-process servers);
    #: ``openai-replay serve`` keeps 10,000.
    store_limit: int | None = None
    #: Seconds a connection may take to send a request's headers (from when it opens, or from the end
    #: of its previous answer) before it is closed: trickled headers are reaped, and so are idle
    #: keep-alive connections (fixed when the server starts).
    header_timeout: float | None = 30.0
    #: Seconds an HTTP request's body may take to arrive (then 408 and the connection closes).
    body_timeout: float | None = 60.0
    #: Realtime output audio pace as a multiple of real time: 0 sends it as fast as the socket takes
    #: it (like the real server, which generates faster than it speaks); 1.0 paces it for barge-in tests.
    realtime_pace: float = 0.0
    #: What a Realtime session hears in input audio the recogniser cannot read (speech not made by our
    #: synthesiser): the user's words for the model and the transcription events (None: nothing heard).
    realtime_transcript: str | None = None
    #: Seconds a WebSocket may sit with nothing in flight and no frame from the client before the
    #: server closes it (1000, "idle"). The default is the real API's 60-minute connection limit, the
    #: longest a healthy idle client can stay on a real socket anyway.
    ws_idle_timeout: float | None = 3600.0
    #: Seconds one WebSocket frame may take to arrive once its first byte did (a frame that claims
    #: 64 MiB and trickles is closed with 1008 after this).
    ws_frame_timeout: float | None = 30.0
    #: Requests one WebSocket connection may have queued (all lanes, not counting those running);
    #: past it the server stops reading frames until one is taken, so TCP pushes back on the client.
    ws_queue_limit: int = 64
    #: Most WebSocket connections open at once (all sessions); one more gets a 503 on the handshake.
    #: None: no cap (the file-descriptor limit is then the cap).
    max_ws_connections: int | None = 1000
    #: The models ``GET /v1/models`` lists and embeddings and moderations accept (None: the built-in
    #: list, `openai_replay.models.DEFAULT_MODELS`).
    models: tuple[str, ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.models is not None:
            if isinstance(self.models, str) or not all(isinstance(m, str) and m for m in self.models):
                raise ValueError(f"ServerConfig.models must be a list of model ids, or None; got {self.models!r}")
            object.__setattr__(self, "models", tuple(self.models))
        for name in ("log_limit", "store_limit"):
            _check_count(name, getattr(self, name), low=0)
        _check_count("log_payload_limit", self.log_payload_limit, low=1)
        _check_count("log_event_limit", self.log_event_limit, low=1)
        _check_count("chunk_size", self.chunk_size, low=1)
        _check_count("ws_queue_limit", self.ws_queue_limit, low=1)
        _check_count("max_ws_connections", self.max_ws_connections, low=1)
        for name in ("header_timeout", "body_timeout", "ws_idle_timeout", "ws_frame_timeout"):
            _check_seconds(name, getattr(self, name), optional=True)
        _check_seconds("connection_limit_seconds", self.connection_limit_seconds, optional=False)

    def replace(self, **changes: Any) -> ServerConfig:
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"unknown ServerConfig field(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return ServerConfig(**values)


def _check_count(name: str, value: Any, *, low: int) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < low):
        raise ValueError(f"ServerConfig.{name} must be a whole number, {low} or more, or None; got {value!r}")


def _check_seconds(name: str, value: Any, *, optional: bool) -> None:
    if value is None and optional:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        allowed = " or None" if optional else ""
        raise ValueError(f"ServerConfig.{name} must be a finite number of seconds, 0 or more{allowed}; got {value!r}")
