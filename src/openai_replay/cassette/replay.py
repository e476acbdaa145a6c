"""`CassetteReplay`: a `Source` that answers requests with what a cassette recorded.

    server.use(CassetteReplay(load_cassette("cassettes/chat.json"), speed=0))

Each request is matched to a recorded one (see `matching`): on a WebSocket connection, first the
recorded connection it is replaying, in order, then any unplayed interaction in cassette order.
Recorded text goes out byte-for-byte (``EmitRaw``), paced by the recorded offsets divided by ``speed``
(0 = no waiting, 1 = real time); recorded closes, drops and errors are replayed too. An interaction
recorded over HTTP replays over WebSocket mode and the other way round; a JSON body is turned into
the events that would have carried it. An unmatched request is answered with an error naming the
closest recording, the fields that differ and the command to re-record; `check()` raises it.
"""

from __future__ import annotations

import json
import math
import os
import threading
import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from openai_replay.cassette.forms import recorded_body
from openai_replay.cassette.interactions import Interaction, interactions, parse_object, response_ids
from openai_replay.cassette.matching import (
    DEFAULT_MATCH_ON,
    LiveRequest,
    MatchContext,
    Matcher,
    closest,
    compare,
    mismatch_message,
    resolve,
)
from openai_replay.cassette.matching import transport as transport_matcher
from openai_replay.cassette.model import Cassette, WsConnection
from openai_replay.cassette.redact import Redactor, RequestPart
from openai_replay.cassette.store import load_cassette, rerecord_command
from openai_replay.cassette.synth import events_from_response
from openai_replay.errors import ApiError
from openai_replay.log import ConnectionRecord
from openai_replay.source import Turn
from openai_replay.steps import Close, Drop, Emit, EmitRaw, Fail, Respond, Sleep, Step

RETRY_HEADERS = ("retry-after", "retry-after-ms", "x-should-retry")


#: Where the server accepts a WebSocket upgrade (a recorded connection elsewhere can never replay).
WS_PATHS = ("/v1/responses",)


def never_served(cassette: Cassette) -> list[str]:
    """Each recorded connection replay can never serve, and why (empty when all can be)."""
    found = []
    for number, conn in enumerate(cassette.connections, 1):
        path = conn.path.split("?", 1)[0].rstrip("/")
        if isinstance(conn, WsConnection):
            if path not in WS_PATHS:
                found.append(
                    f"connection {number}: a WebSocket to {conn.path}; replay serves WebSocket mode only at {', '.join(WS_PATHS)}"
                )
        elif not path.startswith("/v1/"):
            found.append(f"connection {number}: {conn.method} {conn.path} is outside /v1/, where the server listens")
        elif conn.status is None:
            found.append(
                f"connection {number}: {conn.method} {conn.path} has no recorded answer (the upstream could not be reached)"
            )
    return found


class CassetteMismatch(AssertionError):
    """Requests the cassette could not answer, or (when asked) interactions never played."""


def check_speed(speed: float) -> float:
    """``speed`` as a float if it is a rate (a number >= 0; 0 = no waiting), else a `ValueError`."""
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or math.isnan(speed) or speed < 0:
        raise ValueError(
            f"speed is a rate: 1 = as recorded, 2 = twice as fast, 0.5 = half as fast, 0 = no waiting; got {speed!r}"
        )
    return float(speed)


def deprecated_time_scale(value: float) -> float:
    """The old meaning of ``speed`` (a factor on the recorded delays), with a deprecation warning."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"time_scale multiplies the recorded delays (0 = no waiting, 2 = twice as slow); got {value!r}")
    rate = "0 (no waiting)" if value == 0 else f"{1 / value:g}"
    warnings.warn(
        f"time_scale={value:g} (the old meaning of speed: a factor on the recorded delays) is deprecated; "
        f"speed is now a rate, so use speed={rate}",
        DeprecationWarning,
        stacklevel=3,
    )
    return float(value)


class CassetteReplay:
    """Serves a cassette at ``speed``, a rate: 1 = the recorded timing, 2 = twice as fast, 0.5 = half as
    fast, 0 = no waiting at all (the default). ``time_scale`` is the old meaning of ``speed`` (a factor
    on the recorded delays: 2 = twice as slow), deprecated."""

    bypass_protocol = True

    def __init__(
        self,
        cassette: Cassette | str | os.PathLike[str],
        speed: float = 0.0,
        *,
        match_on: Sequence[str | Matcher] = DEFAULT_MATCH_ON,
        cross_transport: bool = True,
        rerecord: str | None = None,
        time_scale: float | None = None,
        redactor: Redactor | None = None,
        allow_playback_repeats: bool = False,
    ) -> None:
        self.speed = check_speed(speed)
        #: vcrpy's option: a request no unplayed interaction matches may be answered by a played one.
        self.allow_playback_repeats = allow_playback_repeats
        #: What the recorded delays are multiplied by (0: no waiting).
        self.delay_factor = 0.0 if self.speed in (0.0, math.inf) else 1.0 / self.speed
        if time_scale is not None:
            self.delay_factor = deprecated_time_scale(time_scale)
        self.cassette = cassette if isinstance(cassette, Cassette) else load_cassette(cassette)
        #: Applied to each live request before matching, as it was to the recording.
        self.redactor = redactor or Redactor()
        self.items = [_scrubbed_again(item, self.redactor) for item in interactions(self.cassette)]
        self.matchers = resolve(match_on)
        self.cross_transport = cross_transport
        self.rerecord = (
            rerecord
            or self.cassette.meta.get("rerecord")
            or rerecord_command(self.cassette.path, self.cassette.meta.get("upstream"))
        )
        self.context = MatchContext(recorded_ids=response_ids(self.items))
        #: The error text of every request that matched nothing, in order.
        self.mismatches: list[str] = []
        self._lock = threading.Lock()
        self._played: set[int] = set()
        self._bound: dict[int, int] = {}  # live ws connection id -> recorded connection index
        self._owner: dict[int, int] = {}  # recorded connection index -> live ws connection id
        self._refused: set[int] = set()  # recorded rejected handshakes already replayed

    # -- what was (not) used -------------------------------------------------------------------
    def played(self) -> list[Interaction]:
        with self._lock:
            return [i for i in self.items if i.index in self._played]

    def unplayed(self) -> list[Interaction]:
        """Recorded interactions no request has used (yet)."""
        with self._lock:
            return [i for i in self.items if i.index not in self._played]

    def report(self) -> str:
        """What was not played and what did not match, for a person; empty when all is well."""
        lines = list(self.mismatches)
        never = never_served(self.cassette)
        if never:
            where = self.cassette.path or "the cassette"
            lines.append(f"openai-replay: {len(never)} recorded connection(s) in {where} can never be served:")
            lines += [f"  - {why}" for why in never]
        left = self.unplayed()
        if left:
            where = self.cassette.path or "the cassette"
            lines.append(f"openai-replay: {len(left)} recorded interaction(s) in {where} never played:")
            lines += [f"  - interaction {i.index + 1}: {i.describe()} -> {i.outcome()}" for i in left]
        return "\n".join(lines)

    def check(self, *, allow_unplayed: bool = True) -> None:
        """Raise `CassetteMismatch` if a request matched nothing (or, strictly, something never played)."""
        if self.mismatches or (not allow_unplayed and self.unplayed()):
            raise CassetteMismatch(self.report())

    def connection_played(self, number: int) -> None:
        """Count every interaction of recorded connection ``number`` as played (a replayed Realtime socket)."""
        with self._lock:
            self._played.update(i.index for i in self.items if i.connection == number)

    def assert_all_played(self) -> None:
        self.check(allow_unplayed=False)

    def reset(self) -> None:
        """Forget what was played, to replay the cassette from the start."""
        with self._lock:
            self._played.clear()
            self._bound.clear()
            self._owner.clear()
            self._refused.clear()
            self.context.live_ids.clear()
            self.mismatches.clear()

    # -- the Source protocol -------------------------------------------------------------------
    def handshake(self, connection: ConnectionRecord, headers: Mapping[str, str]) -> ApiError | None:
        """Refuse an upgrade when the next recorded WebSocket connection was refused."""
        with self._lock:
            for number, conn in enumerate(self.cassette.connections):
                if not isinstance(conn, WsConnection) or number in self._owner or number in self._refused:
                    continue
                if any(i.connection == number and i.index in self._played for i in self.items):
                    continue
                if conn.status == 101:
                    return None
                self._refused.add(number)
                return _api_error(conn.status, conn.body, conn.response_headers)
        return None

    def _as_recorded(self, turn: Turn) -> RequestPart:
        body = json.dumps(turn.payload, ensure_ascii=False, separators=(",", ":")) if turn.payload else None
        method = "WS" if turn.transport == "ws" else turn.method
        return self.redactor.live(RequestPart(method, turn.path, turn.query, {}, body))

    def plan(self, turn: Turn) -> Iterator[Step]:
        seen = self._as_recorded(turn)
        live = LiveRequest(
            transport=turn.transport,
            body=parse_object(seen.body) or None,
            method=turn.method,
            path=seen.path,
            query=seen.query,
            connection_id=turn.record.connection_id,
            turn_on_connection=turn.record.turn_on_connection,
        )
        with self._lock:
            found = self._take(live)
            if found is None:
                message = self._mismatch(live)
                self.mismatches.append(message)
        if found is None:
            yield Fail(ApiError(400, message, code="cassette_mismatch", param=None))
            return
        turn.record.response_id = found.response_id
        yield from self._steps(found, turn)

    # -- matching ------------------------------------------------------------------------------
    def _candidates(self, live: LiveRequest) -> list[Interaction]:
        live_conn = live.connection_id if live.transport == "ws" else None
        bound = self._bound.get(live_conn) if live_conn is not None else None
        free = [i for i in self.items if i.index not in self._played]
        first = [i for i in free if i.connection == bound]
        rest = [i for i in free if i.connection != bound and self._owner.get(i.connection, live_conn) == live_conn]
        return first + rest

    def peek(self, live: LiveRequest) -> Interaction | None:
        """The interaction ``live`` would be answered with, without using it up."""
        with self._lock:
            return self._find(live)

    def _find(self, live: LiveRequest) -> Interaction | None:
        passes = [self.matchers]
        if self.cross_transport and transport_matcher in self.matchers:
            passes.append([m for m in self.matchers if m is not transport_matcher])
        candidates = self._candidates(live)
        if self.allow_playback_repeats:  # played ones last: an unplayed match always wins
            candidates += [i for i in self.items if i.index in self._played]
        for matchers in passes:
            for rec in candidates:
                if not compare(live, rec, matchers, self.context):
                    return rec
        return None

    def _take(self, live: LiveRequest) -> Interaction | None:
        found = self._find(live)
        if found is not None:
            self._use(live, found)
        return found

    def _use(self, live: LiveRequest, rec: Interaction) -> None:
        self._played.add(rec.index)
        if rec.response_id:
            self.context.live_ids[rec.response_id] = rec.index
        if live.transport == "ws" and rec.transport == "ws" and live.connection_id is not None:
            old = self._bound.get(live.connection_id)
            if old is not None and old != rec.connection:
                self._owner.pop(old, None)
            self._bound[live.connection_id] = rec.connection
            self._owner[rec.connection] = live.connection_id

    def _mismatch(self, live: LiveRequest) -> str:
        nearest = closest(live, self.items, self.matchers, self.context, lambda i: 0.5 if i.index in self._played else 0.0)
        return mismatch_message(
            live,
            nearest,
            cassette=self.cassette.path,
            rerecord=self.rerecord,
            played=lambda i: i.index in self._played,
        )

    # -- answering -----------------------------------------------------------------------------
    def _steps(self, rec: Interaction, turn: Turn) -> Iterator[Step]:
        clock = 0.0
        if rec.status is not None and rec.status >= 400:
            yield Fail(_api_error(rec.status, rec.body, rec.response_headers))
            return
        if rec.streamed:
            for number, event in enumerate(rec.events):
                if self.delay_factor and event.t > clock:
                    yield Sleep((event.t - clock) * self.delay_factor)
                clock = max(clock, event.t)
                if number == 0 and event.type == "error" and turn.transport == "http" and rec.transport == "ws":
                    yield Fail(_frame_error(event.data))  # a refused request is an HTTP status, not an SSE stream
                    return
                yield EmitRaw(event.data, event.type)
        elif rec.body is not None or rec.body_base64 is not None:
            response = parse_object(rec.body)
            whole = response.get("object") in ("response", "chat.completion")
            if whole and turn.transport == "http" and turn.payload.get("stream") is not True:
                yield Respond(rec.body or "", rec.status or 200)  # the recorded JSON answer, byte for byte
                return
            if response.get("object") == "response":
                for synthetic in events_from_response(response):
                    yield Emit(synthetic)
            elif turn.transport == "http" and not whole:  # any other endpoint's answer (a file, a model list): as recorded
                body = recorded_body(rec.body, rec.body_base64) or b""
                content_type = next((v for k, v in rec.response_headers.items() if k.lower() == "content-type"), None)
                yield Respond(body, rec.status or 200, content_type or "application/json")
                return
            else:
                yield Fail(_api_error(rec.status or 500, rec.body, rec.response_headers))
                return
        ending = rec.ending
        if ending is None or ending.by != "server":
            return
        if self.delay_factor and rec.ending_after > clock:
            yield Sleep((rec.ending_after - clock) * self.delay_factor)
        if ending.dropped:
            yield Drop()
        else:
            yield Close(ending.code if ending.code is not None else 1000, ending.reason)


def _api_error(status: int, body: str | None, headers: Mapping[str, str]) -> ApiError:
    """The recorded error answer (``{"error": {...}}``) as an `ApiError`, retry headers kept."""
    inner = parse_object(body).get("error")
    keep = {k: v for k, v in headers.items() if k.lower() in RETRY_HEADERS}
    if not isinstance(inner, dict):
        text = (body or "").strip() or f"HTTP {status}"
        return ApiError(status, text, type="server_error" if status >= 500 else "invalid_request_error", headers=keep)
    return ApiError(
        status,
        str(inner.get("message") or ""),
        type=str(inner.get("type") or ("server_error" if status >= 500 else "invalid_request_error")),
        code=inner.get("code"),
        param=inner.get("param"),
        has_param="param" in inner,
        headers=keep,
    )


def _frame_error(data: str) -> ApiError:
    frame = parse_object(data)
    status = frame.get("status")
    return _api_error(status if isinstance(status, int) else 400, json.dumps({"error": frame.get("error")}), {})


def _scrubbed_again(item: Interaction, redactor: Redactor) -> Interaction:
    """A recorded request scrubbed with today's rules exactly as a live one is (its JSON view through
    `Redactor.live`): a cassette recorded under older, narrower rules (a password kept in a tool call's
    arguments) still matches the live request they now scrub."""
    body = json.dumps(item.request, ensure_ascii=False, separators=(",", ":")) if item.request is not None else None
    text = redactor.request_body(body)
    query = redactor.query(item.query)
    if text == body and query == item.query:
        return item
    return replace(item, request=parse_object(text) if text is not None else None, query=query)
