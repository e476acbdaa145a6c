"""One Realtime session's state machine: client events in, server events out, no I/O.

`RealtimeSession.receive` takes one text frame and returns the server events to send at once, in
order. A ``response.create`` (or a turn that server VAD ends with ``create_response``) leaves a
`ResponseRun` in `take_started` for the transport to carry out step by step; its events come from the
one engine (the server's `Source`) through `ResponseRun`. One response is active at a time; a cancel
or an interruption ends it synchronously, so nothing of it is sent after its ``response.done``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from openai_replay import errors
from openai_replay.clock import Clock
from openai_replay.config import ServerConfig
from openai_replay.errors import ApiError
from openai_replay.ids import IdFactory
from openai_replay.inbound import JsonInputError, parse
from openai_replay.items import count_tokens
from openai_replay.log import ConnectionRecord, RequestLog
from openai_replay.realtime import audio
from openai_replay.realtime import errors as rt
from openai_replay.realtime.conversation import Conversation, client_item, engine_items
from openai_replay.realtime.listening import InputAudio
from openai_replay.realtime.response import ResponseRun
from openai_replay.realtime.session import check_update, new_session, normal_format, normal_tool, update_session
from openai_replay.realtime.transcription import new_transcription_session, no_responses, update_transcription_session
from openai_replay.responses.events import ResponseBuilder
from openai_replay.source import Source, Turn

#: Verbatim (pollen-robotics/reachy_mini_conversation_app#134): the GA session limit's close.
LIMIT_CLOSE = (1001, "Your session hit the maximum duration of 60 minutes.")

Speak = Callable[[str, float], bytes]
Recognize = Callable[[bytes, int], "str | None"]


class RealtimeSession(InputAudio):
    """The session, the conversation, the input audio buffer and the active response."""

    def __init__(
        self,
        *,
        ids: IdFactory,
        clock: Clock,
        config: ServerConfig,
        source: Source,
        log: RequestLog,
        connection: ConnectionRecord,
        model: str,
        speak: Speak,
        recognize: Recognize,
        transcription: bool = False,
    ) -> None:
        self.ids, self.clock, self.config, self.source, self.log = ids, clock, config, source, log
        self.connection = connection
        self.speak, self.recognize = speak, recognize
        self.opened_at = clock.time()
        if transcription:
            self.session = new_transcription_session(ids, self.opened_at)
        else:
            self.session = new_session(ids, model, self.opened_at)
        self.session["expires_at"] = int(self.opened_at + (config.connection_limit_seconds or 3600))
        self.conversation = Conversation(ids.realtime("conv"))
        self.active: ResponseRun | None = None
        self._started: ResponseRun | None = None
        self._init_input()
        self.requests = 0

    # -- the transport's view ------------------------------------------------------------------
    def opened(self) -> list[dict[str, Any]]:
        return [self._event("session.created", session=copy.deepcopy(self.session))]

    def take_started(self) -> ResponseRun | None:
        run, self._started = self._started, None
        return run

    def expired(self) -> bool:
        """The 60-minute session limit (``connection_limit_seconds``; 0: none) has passed on the server's clock."""
        limit = self.config.connection_limit_seconds
        return bool(limit) and self.clock.time() - self.opened_at >= limit

    def receive(self, data: str) -> list[dict[str, Any]]:
        """Answer one client text frame; never raises for anything the client sent."""
        now = self.clock.time()
        try:
            event = parse(data)
        except JsonInputError as exc:
            self.log.add_frame(self.connection.id, now, None, f"invalid JSON: {exc}", data[:200], size=len(data))
            return [self._error(errors.invalid_ws_json(str(exc)))]
        if not isinstance(event, dict):
            self.log.add_frame(self.connection.id, now, None, "not a JSON object", event, size=len(data))
            return [self._error(errors.invalid_ws_json("expected a JSON object"))]
        kind = event.get("type")
        cause = event.get("event_id")
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            problem = errors.missing_parameter("type") if kind is None else rt.unknown_event(kind)
            self.log.add_frame(
                self.connection.id, now, kind if isinstance(kind, str) else None, problem.message, _brief(event), size=len(data)
            )
            return [self._error(problem, cause)]
        frame = self.log.add_frame(self.connection.id, now, kind, None, _brief(event), size=len(data))
        result = handler(self, event)
        if isinstance(result, ApiError):
            frame.problem = f"{result.code}: {result.message}" if result.code else result.message
            return [self._error(result, cause)]
        out: list[dict[str, Any]] = result
        return out

    # -- helpers -------------------------------------------------------------------------------
    def _event(self, type_: str, **fields: Any) -> dict[str, Any]:
        return {"type": type_, "event_id": self.ids.realtime("event"), **fields}

    def new_item_id(self) -> str:
        return self.ids.realtime("item")

    def recognize_pcm(self, pcm: bytes) -> str | None:
        return self.recognize(pcm, audio.PCM_RATE)

    def scripted_transcript(self) -> str | None:
        return self.config.realtime_transcript

    def _error(self, error: ApiError, cause: Any = None) -> dict[str, Any]:
        return rt.error_event(self.ids, error, cause)

    def rate_limits(self, tokens: int) -> list[dict[str, Any]]:
        return [
            {"name": "requests", "limit": 5000, "remaining": 4999, "reset_seconds": 0.012},
            {"name": "tokens", "limit": 40000, "remaining": max(0, 40000 - tokens), "reset_seconds": round(tokens * 0.0015, 3)},
        ]

    def response_ended(self, run: ResponseRun) -> None:
        if self.active is run:
            self.active = None
            if run.in_conversation:
                self.arm_idle(run.audio_ms)
        record = run.turn.record
        if record.outcome.kind == "pending":
            kind = {"completed": "completed", "cancelled": "cancelled", "incomplete": "incomplete"}.get(run.status, "failed")
            record.outcome.kind = kind  # type: ignore[assignment]
            record.output_items = engine_items(run.output)  # transcripts read as text by the log
            record.ended(self.clock.time())
            record.finished_at = self.clock.time()

    # -- session ---------------------------------------------------------------------------------
    def _session_update(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        update = update_transcription_session if self.session["type"] == "transcription" else update_session
        problem = update(self.session, event.get("session"))
        if problem is not None:
            return problem
        return [self._event("session.updated", session=copy.deepcopy(self.session))]

    # -- conversation ----------------------------------------------------------------------------
    def _item_create(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        item = client_item(event.get("item"), self.ids.realtime("item"))
        if isinstance(item, ApiError):
            return item
        previous = event.get("previous_item_id")
        problem = self.conversation.insert(item, previous)
        if problem is not None:
            return problem
        before = self.conversation.previous_of(item["id"])
        return [
            self._event(kind, previous_item_id=before, item=dict(item))
            for kind in ("conversation.item.added", "conversation.item.done")
        ]

    def _item_retrieve(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        item_id = event.get("item_id")
        if not isinstance(item_id, str) or item_id not in self.conversation:
            return rt.item_not_found("retrieve", item_id)
        return [self._event("conversation.item.retrieved", item=dict(self.conversation.items[item_id]))]

    def _item_delete(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        item_id = event.get("item_id")
        if not isinstance(item_id, str) or item_id not in self.conversation:
            return rt.item_not_found("delete", item_id)
        self.conversation.delete(item_id)
        return [self._event("conversation.item.deleted", item_id=item_id)]

    def _item_truncate(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        item_id = event.get("item_id")
        if not isinstance(item_id, str) or item_id not in self.conversation:
            return rt.item_not_found("truncate", item_id)
        item = self.conversation.items[item_id]
        parts = item.get("content") or []
        index = event.get("content_index", 0)
        end = event.get("audio_end_ms")
        if not isinstance(index, int) or isinstance(index, bool):
            return errors.invalid_type("content_index", "an integer", type(index).__name__)
        if not isinstance(end, int) or isinstance(end, bool) or end < 0:
            return errors.invalid_type("audio_end_ms", "a non-negative integer", type(end).__name__)
        in_progress = item.get("status") == "in_progress" and item_id in self.conversation.audio_ms
        is_audio = item.get("role") == "assistant" and (any(p.get("type") == "output_audio" for p in parts) or in_progress)
        if not is_audio:
            return rt.TRUNCATE_NOT_AUDIO
        heard = self.conversation.audio_ms.get(item_id, 0)
        if end > heard:
            return rt.truncate_too_long(heard, end)
        for part in parts:
            if part.get("type") == "output_audio":
                part["transcript"] = ""
        self.conversation.edited()
        self.conversation.audio_ms[item_id] = end
        return [self._event("conversation.item.truncated", item_id=item_id, content_index=index, audio_end_ms=end)]

    # -- responses -------------------------------------------------------------------------------
    def _response_create(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        if self.session["type"] == "transcription":
            return no_responses()
        if self.active is not None:
            return rt.active_response(self.active.id)
        params = event.get("response", {})
        if not isinstance(params, dict):
            return errors.invalid_type("response", "an object", type(params).__name__)
        resolved = self._resolve(params)
        if isinstance(resolved, ApiError):
            return resolved
        self.start(resolved)
        return []

    def _resolve(self, params: dict[str, Any]) -> dict[str, Any] | ApiError:
        """A response's settings: its own (checked as a session's would be), else the session's; null: the session's."""
        session = self.session
        given = {k: v for k, v in params.items() if v is not None}
        conversation = given.get("conversation", "auto")
        if conversation not in ("auto", "none"):
            return errors.invalid_value("response.conversation", conversation, ["auto", "none"])
        metadata = given.get("metadata")
        if metadata is not None and (
            not isinstance(metadata, dict)
            or len(metadata) > 16
            or not all(isinstance(v, str) and len(v) <= 512 for v in metadata.values())
        ):
            return errors.invalid_type("response.metadata", "an object of at most 16 string values", type(metadata).__name__)
        checked: dict[str, Any] = {
            k: given[k] for k in ("instructions", "tools", "tool_choice", "max_output_tokens", "output_modalities") if k in given
        }
        audio_params = given.get("audio")
        if audio_params is not None and not isinstance(audio_params, dict):
            return errors.invalid_type("response.audio", "an object", type(audio_params).__name__)
        output = (audio_params or {}).get("output")
        if output is not None:
            checked["audio"] = (
                {"output": {k: v for k, v in output.items() if k in ("format", "voice")}} if isinstance(output, dict) else output
            )
        problem = check_update({"type": "realtime", **checked})
        if problem is not None:
            param = (
                problem.param.replace("session.audio", "response.audio", 1).replace("session.", "response.", 1)
                if problem.param
                else None
            )
            return ApiError(problem.status, problem.message.replace("'session.", "'response."), problem.type, problem.code, param)
        out = output if isinstance(output, dict) else {}
        context = self._context(given.get("input"), conversation == "auto")
        if isinstance(context, ApiError):
            return context
        return {
            "in_conversation": conversation == "auto",
            "output_modalities": given.get("output_modalities", session["output_modalities"]),
            "max_output_tokens": given.get("max_output_tokens", session["max_output_tokens"]),
            "format": normal_format(out["format"])
            if isinstance(out.get("format"), dict)
            else session["audio"]["output"]["format"],
            "voice": out.get("voice") or session["audio"]["output"]["voice"],
            "speed": session["audio"]["output"]["speed"],
            "metadata": metadata,
            "instructions": given.get("instructions", session["instructions"]),
            "tools": [normal_tool(t) for t in given.get("tools", session["tools"])],
            "tool_choice": given.get("tool_choice", session["tool_choice"]),
            "context": context,
        }

    def _context(self, given: Any, in_conversation: bool) -> list[dict[str, Any]] | ApiError:
        if given is None:
            return self.conversation.engine_items() if in_conversation else []
        if not isinstance(given, list):
            return errors.invalid_type("response.input", "an array", type(given).__name__)
        items = []
        for entry in given:
            if isinstance(entry, dict) and entry.get("type") == "item_reference":
                if entry.get("id") not in self.conversation:
                    return rt.item_not_found("retrieve", entry.get("id"))
                items.append(self.conversation.items[entry["id"]])
                continue
            item = client_item(entry, self.ids.realtime("item"))
            if isinstance(item, ApiError):
                return item
            items.append(item)
        return engine_items(items)

    def start(self, params: dict[str, Any]) -> ResponseRun:
        """Open a response now (the caller has checked that none is active)."""
        now = self.clock.time()
        context = params["context"]
        payload = {
            "model": self.session["model"],
            "input": context,
            "instructions": params["instructions"],
            "tools": params["tools"],
            "tool_choice": params["tool_choice"],
        }
        self.requests += 1
        record = self.log.add_request(
            transport="ws", payload=payload, now=now, connection=self.connection, api="realtime", items=context
        )
        group = self.ids.group()
        counted = self.conversation.tally(context)
        instructions = params["instructions"] if isinstance(params["instructions"], str) else ""
        builder = ResponseBuilder(
            payload,
            response_id=self.ids.make("resp", group, now),
            group=group,
            created_at=now,
            ids=self.ids,
            obfuscate=False,
            input_tokens=counted.tokens + count_tokens(instructions),
        )
        turn = Turn(
            payload=payload,
            transport="ws",
            record=record,
            builder=builder,
            context=context,
            config=self.config,
            path="/v1/realtime",
            tally=counted,
        )
        run = ResponseRun(self, turn, params, in_conversation=params["in_conversation"])
        record.response_id = run.id
        self.active = self._started = run
        return run

    def _response_cancel(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        wanted = event.get("response_id")
        if self.active is None or (wanted is not None and wanted != self.active.id):
            return rt.CANCEL_NOT_ACTIVE
        return self.cancel("client_cancelled")

    def cancel(self, reason: str) -> list[dict[str, Any]]:
        run = self.active
        if run is None:
            return []
        if self._started is run:  # cancelled before the transport picked it up
            self._started = None
        return run.cancel(reason)

    def _output_audio_clear(self, event: dict[str, Any]) -> ApiError:
        return ApiError(
            400, "output_audio_buffer.clear is only supported for WebRTC and SIP connections.", code="invalid_value", param="type"
        )


def _brief(event: dict[str, Any]) -> dict[str, Any]:
    """What the log keeps of a client event: audio as its length, never its bytes."""
    if isinstance(event.get("audio"), str):
        return {**event, "audio": f"<{len(event['audio'])} base64 chars>"}
    return event


_HANDLERS: dict[str, Callable[[RealtimeSession, dict[str, Any]], Any]] = {
    "session.update": RealtimeSession._session_update,
    "input_audio_buffer.append": RealtimeSession._append,
    "input_audio_buffer.commit": RealtimeSession._commit,
    "input_audio_buffer.clear": RealtimeSession._clear,
    "conversation.item.create": RealtimeSession._item_create,
    "conversation.item.retrieve": RealtimeSession._item_retrieve,
    "conversation.item.truncate": RealtimeSession._item_truncate,
    "conversation.item.delete": RealtimeSession._item_delete,
    "response.create": RealtimeSession._response_create,
    "response.cancel": RealtimeSession._response_cancel,
    "output_audio_buffer.clear": RealtimeSession._output_audio_clear,
}
