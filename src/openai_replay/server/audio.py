"""HTTP: ``POST /v1/audio/speech``, ``/v1/audio/transcriptions`` and ``/v1/audio/translations``.

Validation, the voice code, codecs and bodies are the core's (`openai_replay.audio`); the source,
steps, request log and scenario faults are the shared turn pipeline's. Sources drive an audio builder
(`openai_replay.audio.builder`), whose events the channels here write as raw audio, as SSE, or as one
transcription body.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from aiohttp import web

from openai_replay import errors
from openai_replay.audio import bodies, codecs, listen
from openai_replay.audio.builder import OPENED, AudioBuilder, SpeechBuilder, TranscriptBuilder
from openai_replay.audio.multipart import MultipartError, NotMultipart, Part, logged_form, parse
from openai_replay.audio.validation import (
    MAX_UPLOAD,
    TranscriptionRequest,
    bad_multipart,
    not_multipart,
    too_large,
    validate_speech,
    validate_transcription,
)
from openai_replay.errors import ApiError
from openai_replay.inbound import JsonInputError
from openai_replay.inbound import parse as parse_json
from openai_replay.log import RequestRecord
from openai_replay.responses.protocol import ConnectionState
from openai_replay.server.auth import auth_error
from openai_replay.server.execute import execute
from openai_replay.server.http import RATE_LIMIT_HEADERS
from openai_replay.server.httpjson import common_headers, error_response, json_response, raw_json_response
from openai_replay.server.receive import BodyTimeout, read_body
from openai_replay.server.recorded import serve_unrouted
from openai_replay.server.sessions import state_for
from openai_replay.server.state import ServerState
from openai_replay.server.turns import ClientGone, TurnControl, note_finished, run_turn
from openai_replay.source import Turn
from openai_replay.wire import compact

SPEECH = "/v1/audio/speech"
TRANSCRIPTIONS = "/v1/audio/transcriptions"
TRANSLATIONS = "/v1/audio/translations"
_DELTA_LINE = "event: speech.audio.delta"  # how a cut speech delta's text begins (the scenario's SSE framing)


class AudioChannel:
    """Writes an audio turn's events; an error before the first byte is a JSON status answer."""

    transport: Literal["ws", "http"] = "http"
    content_type = "text/event-stream; charset=utf-8"
    sse = True

    def __init__(self, state: ServerState, request: web.Request) -> None:
        self.state = state
        self.request = request
        self.stream: web.StreamResponse | None = None
        self.answer: web.StreamResponse | None = None
        self.done = False

    async def _write(self, data: bytes) -> None:
        if self.stream is None:
            headers = common_headers(self.state)
            headers["Content-Type"] = self.content_type
            headers.update(RATE_LIMIT_HEADERS)
            self.stream = web.StreamResponse(status=200, headers=headers)
            self.stream.enable_chunked_encoding()
            await self.stream.prepare(self.request)
            self.answer = self.stream
        try:
            await self.stream.write(data)
        except (ConnectionError, RuntimeError) as exc:
            raise ClientGone() from exc

    async def send(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == OPENED:
            return
        if kind == "error":
            inner = event.get("error") or {}
            error = ApiError(500, str(inner.get("message")), type="server_error", code=inner.get("code"))
            await self.fail(error, {}, 0)
            return
        if str(kind).endswith(".done"):
            self.done = True
        await self.deliver(event)

    async def deliver(self, event: dict[str, Any]) -> None:
        await self._write(b"data: " + compact(event).encode() + b"\n\n")

    async def send_raw(self, data: str, event_type: str) -> None:
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            return
        if isinstance(event, dict):
            await self.send(event)

    async def fail(self, error: ApiError, headers: dict[str, str], sequence_number: int) -> None:
        if self.stream is None:
            self.answer = error_response(self.state, error, headers)
        elif self.sse:
            await self._write(b"data: " + compact({"type": "error", "error": error.error_object()}).encode() + b"\n\n")
        else:  # raw audio has no way to say it failed: the stream breaks off, as a real one would
            await self.drop()

    async def close(self, code: int, reason: str) -> None:
        if self.stream is None:
            await self.drop()

    async def drop(self) -> None:
        if self.request.transport is not None:
            self.request.transport.abort()

    async def send_text(self, data: str) -> None:
        """A fault's raw text (a stream cut mid-event, a malformed event): an ``event:`` line is dropped,
        since these streams carry ``data:`` lines only."""
        if data.startswith("event:"):
            data = data.partition("\n")[2]
        await self._write(data.encode())

    async def send_binary(self, data: bytes) -> None:
        await self._write(data)

    async def respond(self, body: str, status: int) -> None:
        if self.stream is None:
            self.answer = raw_json_response(self.state, body, status)

    async def finish(self) -> web.StreamResponse:
        if self.stream is not None:
            try:
                await self.stream.write_eof()
            except (ConnectionError, RuntimeError):
                pass
        return self.answer or error_response(self.state, errors.SERVER_ERROR)


class RawAudioChannel(AudioChannel):
    """``stream_format: "audio"``: the encoded bytes themselves, chunk by chunk."""

    sse = False

    def __init__(self, state: ServerState, request: web.Request, builder: SpeechBuilder) -> None:
        super().__init__(state, request)
        self.content_type = codecs.CONTENT_TYPES[builder.request.response_format]
        self.builder = builder

    async def deliver(self, event: dict[str, Any]) -> None:
        if event.get("type") == "speech.audio.delta":
            await self._write(self.builder.chunk(str(event.get("audio") or "")))

    async def send_text(self, data: str) -> None:
        """A cut delta: its first ``keep`` audio bytes (the cut's ``keep`` counts bytes of audio here,
        at most all but one of the chunk's); a malformed event's text goes out as it is."""
        if not (data.startswith(_DELTA_LINE) or _DELTA_LINE.startswith(data)):
            await super().send_text(data)
            return
        chunk = self.builder.last_chunk
        if len(chunk) > 1:
            await self._write(chunk[: min(len(data), len(chunk) - 1)])


class TranscriptChannel(AudioChannel):
    """A transcription: SSE deltas (``stream: true``, gpt-4o models) or one body in ``response_format``."""

    def __init__(self, state: ServerState, request: web.Request, ask: TranscriptionRequest, seconds: float) -> None:
        super().__init__(state, request)
        self.ask, self.seconds = ask, seconds
        self.text: str | None = None

    async def deliver(self, event: dict[str, Any]) -> None:
        if event.get("type") == "transcript.text.done":
            self.text = str(event.get("text") or "")
        if self.ask.stream:
            await super().deliver(event)
            if event.get("type") == "transcript.text.done":
                await self._write(b"data: [DONE]\n\n")

    async def finish(self) -> web.StreamResponse:
        if self.ask.stream or self.answer is not None or self.text is None:
            return await super().finish()
        ask = self.ask
        body, content_type = bodies.transcription_body(
            self.text,
            self.seconds,
            model=ask.model,
            response_format=ask.response_format,
            translate=ask.translate,
            granularities=ask.granularities,
            language=ask.language,
            prompt=ask.prompt,
            with_logprobs=ask.logprobs,
        )
        if isinstance(body, dict):
            return json_response(self.state, body, 200, RATE_LIMIT_HEADERS)
        headers = common_headers(self.state)
        headers["Content-Type"] = content_type
        headers.update(RATE_LIMIT_HEADERS)
        return web.Response(body=body.encode(), status=200, headers=headers)


def _serve(builder: AudioBuilder, path: str, problem: ApiError | None) -> Any:
    async def serve(
        state: ServerState,
        channel: AudioChannel,
        record: RequestRecord,
        payload: Any,
        conn: ConnectionState | None,
        control: TurnControl,
    ) -> None:
        if problem is not None:
            record.outcome.kind, record.outcome.code = "error", problem.code or problem.type
            record.ended(state.clock.time(), problem.headers)
            await channel.fail(problem, dict(problem.headers), 0)
            return
        turn = Turn(
            payload=builder.payload, transport="http", record=record, builder=builder, context=[], config=state.config, path=path
        )
        await execute(state, channel, record, turn, control)
        if record.outcome.kind == "pending":
            record.outcome.kind = "completed" if channel.done else "closed_by_server"
            record.ended(state.clock.time())

    return serve


async def _body(state: ServerState, request: web.Request) -> bytes | web.Response:
    try:
        return await read_body(request, state.config.body_timeout)
    except BodyTimeout:
        answer = error_response(state, errors.body_timeout(state.config.body_timeout or 0))
        answer.force_close()
        return answer


def _refuse(state: ServerState, record: RequestRecord, error: ApiError) -> web.Response:
    record.outcome.kind, record.outcome.code = "error", error.code or error.type
    record.ended(state.clock.time())
    note_finished(state, record)
    return error_response(state, error)


async def create_speech(request: web.Request) -> web.StreamResponse:
    state = state_for(request)
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    if getattr(state.source, "bypass_protocol", False):  # a cassette's replay: the recorded answer, byte for byte
        return await serve_unrouted(request, ())
    raw = await _body(state, request)
    if isinstance(raw, web.Response):
        return raw
    try:
        payload = parse_json(raw) if raw else None
    except JsonInputError:
        payload = {"_invalid_json": raw[:200].decode(errors="replace")}
        record = state.log.add_request(transport="http", payload=payload, now=state.clock.time(), api="speech", valid=False)
        return _refuse(state, record, errors.INVALID_JSON_BODY)
    checked = validate_speech(payload)
    valid = not isinstance(checked, ApiError)
    record = state.log.add_request(
        transport="http", payload=payload, now=state.clock.time(), api="speech", valid=valid, size=len(raw)
    )
    if isinstance(checked, ApiError):
        return _refuse(state, record, checked)
    record.audio = {"endpoint": SPEECH, "model": checked.model, "format": checked.response_format}
    builder = SpeechBuilder(checked, payload if isinstance(payload, dict) else {}, ids=state.ids, now=state.clock.time())
    channel = AudioChannel(state, request) if checked.stream_format == "sse" else RawAudioChannel(state, request, builder)
    await run_turn(state, channel, record, payload, serve=_serve(builder, SPEECH, None))  # type: ignore[arg-type]
    record.audio.update(seconds=round(builder.seconds, 3), text=builder.text)
    return await channel.finish()


async def create_transcription(request: web.Request) -> web.StreamResponse:
    return await _transcribe(request, translate=False)


async def create_translation(request: web.Request) -> web.StreamResponse:
    return await _transcribe(request, translate=True)


async def _transcribe(request: web.Request, *, translate: bool) -> web.StreamResponse:
    state = state_for(request)
    path = TRANSLATIONS if translate else TRANSCRIPTIONS
    problem = auth_error(state, request)
    if problem is not None:
        return error_response(state, problem)
    if getattr(state.source, "bypass_protocol", False):  # a cassette's replay: the recorded answer, byte for byte
        return await serve_unrouted(request, ())
    raw = await _body(state, request)
    if isinstance(raw, web.Response):
        return raw
    content_type = request.headers.get("Content-Type")
    parts: list[Part] | ApiError
    try:
        parts = parse(raw, content_type)
    except NotMultipart:
        parts = not_multipart(content_type)
    except MultipartError as exc:
        parts = bad_multipart(str(exc))
    checked = parts if isinstance(parts, ApiError) else validate_transcription(parts, translate=translate)
    payload = {"_invalid": "not a multipart/form-data body"} if isinstance(parts, ApiError) else logged_form(parts)
    valid = not isinstance(checked, ApiError)
    record = state.log.add_request(
        transport="http", payload=payload, now=state.clock.time(), api="transcription", valid=valid, size=len(raw)
    )
    if isinstance(checked, ApiError):
        return _refuse(state, record, checked)
    if len(checked.file.data) > MAX_UPLOAD:
        return _refuse(state, record, too_large(len(raw)))
    heard = listen.hear(checked.file)
    if isinstance(heard, ApiError):
        return _refuse(state, record, heard)
    if heard.recognized:  # what was said, as the request's user text: rules match it with text_contains
        record.input_items.append({"type": "message", "role": "user", "content": heard.text})
    record.audio = {
        "endpoint": path,
        "model": checked.model,
        "format": checked.response_format,
        "seconds": round(heard.seconds, 3),
    }
    builder = TranscriptBuilder(checked, heard.seconds, default_text=heard.text, ids=state.ids, now=state.clock.time())
    channel = TranscriptChannel(state, request, checked, heard.seconds)
    await run_turn(state, channel, record, payload, serve=_serve(builder, path, None))  # type: ignore[arg-type]
    record.audio["text"] = builder.text
    return await channel.finish()
