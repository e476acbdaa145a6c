"""One Realtime response: the engine's steps re-told as GA Realtime server events.

The source (the simulated model, a scenario, a cassette) answers a `Turn` with the engine's
Responses events, as it does for ``/v1/responses`` and chat; this module translates them, in the
order real GA captures show (``real-cassettes-surface/realtime/``)::

    response.created
    response.output_item.added -> conversation.item.added -> response.content_part.added
    response.output_text.delta xN -> response.output_text.done            (text)
    response.output_audio_transcript.delta xN -> response.output_audio.delta xM
        -> response.output_audio.done -> response.output_audio_transcript.done   (audio)
    response.function_call_arguments.delta xN -> .done                    (a call)
    response.content_part.done -> conversation.item.done -> response.output_item.done
    response.done (usage) -> rate_limits.updated

Audio comes from the shared synthesiser once the transcript is known (real captures send every
transcript delta before the first audio delta), cut into 100 ms deltas, paced at
``config.realtime_pace`` times real time (0: as fast as the socket takes them).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from openai_replay.errors import ApiError
from openai_replay.realtime import audio
from openai_replay.realtime.errors import error_event
from openai_replay.steps import Emit, Fail, Sleep, Step

if TYPE_CHECKING:
    from openai_replay.realtime.machine import RealtimeSession
    from openai_replay.source import Turn

CHUNK_MS = 100
#: Characters of a reply that are spoken (about 4.5 minutes of speech); the transcript keeps the rest.
SPEAK_MAX_CHARS = 4096
#: Characters synthesised at a time: each segment is its own utterance, which the recogniser reads back
#: joined by a space, so segments are cut at spaces.
SEGMENT_CHARS = 240
#: Output audio tokens per millisecond (about 20 tokens a second of speech).
AUDIO_TOKENS_PER_MS = 1 / 50

Speak = Callable[[str, float], bytes]


#: Engine (Responses) events with no Realtime counterpart: the translation drops them.
ENGINE_ONLY = frozenset(
    {
        "response.in_progress",
        "response.queued",
        "response.reasoning_summary_part.added",
        "response.reasoning_summary_part.done",
        "response.reasoning_summary_text.delta",
        "response.reasoning_summary_text.done",
        "response.reasoning_text.delta",
        "response.reasoning_text.done",
        "response.output_text.annotation.added",
        "response.refusal.delta",
        "response.refusal.done",
    }
)


def _fields(ev: dict[str, Any]) -> dict[str, Any]:
    """A scripted event's own fields, without the Responses numbering and the keys set here."""
    return {k: v for k, v in ev.items() if k not in ("type", "event_id", "sequence_number")}


def segments(text: str) -> list[str]:
    """``text`` in pieces of at most `SEGMENT_CHARS`, cut at a space (the space dropped) where there is one."""
    pieces: list[str] = []
    while len(text) > SEGMENT_CHARS:
        cut = text.rfind(" ", 1, SEGMENT_CHARS + 1)
        if cut <= 0:
            pieces.append(text[:SEGMENT_CHARS])
            text = text[SEGMENT_CHARS:]
        else:
            pieces.append(text[:cut])
            text = text[cut + 1 :]
    return [*pieces, text] if text or not pieces else pieces


class ResponseRun:
    """A response in flight: its realtime ``response`` object, its items, and how it ended."""

    def __init__(self, rt: RealtimeSession, turn: Turn, params: dict[str, Any], *, in_conversation: bool) -> None:
        self.rt = rt
        self.turn = turn
        self.params = params
        self.in_conversation = in_conversation
        self.id = rt.ids.realtime("resp")
        self.audio_out = params["output_modalities"] == ["audio"]
        self.output: list[dict[str, Any]] = []
        #: Engine output_index -> our item (reasoning and other items the API never shows are skipped).
        self.by_index: dict[int, dict[str, Any]] = {}
        self.text: dict[str, str] = {}
        self.audio_ms = 0
        self.finished = False
        #: Ended by a cancel or an interruption: the transport sends nothing more of it.
        self.cancelled = False
        self.status = "in_progress"
        #: The scripted ending has no usage (``no_usage``): neither has ``response.done``.
        self.omit_usage = False

    # -- the response object -------------------------------------------------------------------
    def response(self, status: str = "in_progress", details: dict[str, Any] | None = None, usage: Any = None) -> dict[str, Any]:
        return {
            "object": "realtime.response",
            "id": self.id,
            "status": status,
            "status_details": details,
            "output": [dict(i) for i in self.output] if status != "in_progress" else [],
            "conversation_id": self.rt.conversation.id if self.in_conversation else None,
            "output_modalities": self.params["output_modalities"],
            "max_output_tokens": self.params["max_output_tokens"],
            "audio": {"output": {"format": self.params["format"], "voice": self.params["voice"]}},
            "usage": usage,
            "metadata": self.params["metadata"],
        }

    def event(self, type_: str, **fields: Any) -> dict[str, Any]:
        return {"type": type_, "event_id": self.rt.ids.realtime("event"), **fields}

    # -- translation ----------------------------------------------------------------------------
    def steps(self) -> Iterator[Step]:
        """The response's steps, built lazily so a cancel can stop them between any two."""
        for step in self.rt.source.plan(self.turn):
            if self.finished:
                return
            if isinstance(step, Emit):
                yield from self._translate(step.event)
            elif isinstance(step, Fail):
                yield from self._failed(step.error)
            else:
                yield step

    def _translate(self, ev: dict[str, Any]) -> Iterator[Step]:
        kind = ev.get("type")
        if kind == "response.created":
            yield Emit(self.event("response.created", response=self.response()))
        elif kind == "response.output_item.added":
            yield from self._item_added(ev)
        elif kind == "response.content_part.added":
            item = self.by_index.get(ev.get("output_index", -1))
            if item is not None:
                part = {"type": "audio", "transcript": ""} if self.audio_out else {"type": "text", "text": ""}
                yield Emit(self.event("response.content_part.added", **self._where(item), part=part))
        elif kind == "response.output_text.delta":
            item = self.by_index.get(ev.get("output_index", -1))
            if item is not None:
                yield from self._text_delta(item, str(ev.get("delta", "")))
        elif kind == "response.output_text.done":
            item = self.by_index.get(ev.get("output_index", -1))
            if item is not None:
                yield from self._text_done(item)
        elif kind == "response.content_part.done":
            item = self.by_index.get(ev.get("output_index", -1))
            if item is not None:
                text = self.text.get(item["id"], "")
                part = {"type": "audio", "transcript": text} if self.audio_out else {"type": "text", "text": text}
                yield Emit(self.event("response.content_part.done", **self._where(item), part=part))
        elif kind in ("response.function_call_arguments.delta", "response.function_call_arguments.done"):
            item = self.by_index.get(ev.get("output_index", -1))
            if item is not None:
                yield from self._arguments(item, ev)
        elif kind == "response.output_item.done":
            item = self.by_index.get(ev.get("output_index", -1))
            if item is not None:
                yield from self._item_done(item)
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            yield from self._ended(ev)
        elif kind == "response.done":  # a scripted ending (e.g. without usage): sent as written, and the response is over
            yield from self._scripted_done(ev)
        elif kind not in ENGINE_ONLY and kind != "error":  # a scripted event (an unknown type, a raw Realtime event)
            yield Emit({"type": kind, "event_id": ev.get("event_id") or self.rt.ids.realtime("event"), **_fields(ev)})
        elif kind == "error":
            inner = ev.get("error") or {}
            error = ApiError(
                int(ev.get("status") or 500),
                str(inner.get("message")),
                str(inner.get("type") or "server_error"),
                inner.get("code"),
                inner.get("param"),
            )
            yield from self._failed(error)

    def _where(self, item: dict[str, Any]) -> dict[str, Any]:
        return {"response_id": self.id, "item_id": item["id"], "output_index": self.output.index(item), "content_index": 0}

    def _item_added(self, ev: dict[str, Any]) -> Iterator[Step]:
        engine = ev.get("item") or {}
        item_id = self.rt.ids.realtime("item")
        if engine.get("type") == "message":
            item: dict[str, Any] = {"id": item_id, "type": "message", "status": "in_progress", "role": "assistant", "content": []}
        elif engine.get("type") == "function_call":
            item = {
                "id": item_id,
                "type": "function_call",
                "status": "in_progress",
                "name": engine.get("name"),
                "call_id": engine.get("call_id"),
                "arguments": "",
            }
        else:
            return
        self.by_index[int(ev.get("output_index", len(self.by_index)))] = item
        self.output.append(item)
        yield Emit(
            self.event("response.output_item.added", response_id=self.id, output_index=len(self.output) - 1, item=dict(item))
        )
        if self.in_conversation:
            self.rt.conversation.insert(item)
            previous = self.rt.conversation.previous_of(item_id)
            yield Emit(self.event("conversation.item.added", previous_item_id=previous, item=dict(item)))

    def _text_delta(self, item: dict[str, Any], delta: str) -> Iterator[Step]:
        self.text[item["id"]] = self.text.get(item["id"], "") + delta
        name = "response.output_audio_transcript.delta" if self.audio_out else "response.output_text.delta"
        fields = self._where(item)
        fields["delta"] = delta
        if self.rt.config.obfuscation:
            fields["obfuscation"] = self.rt.ids.obfuscation(delta)
        yield Emit(self.event(name, **fields))

    def _text_done(self, item: dict[str, Any]) -> Iterator[Step]:
        text = self.text.get(item["id"], "")
        if not self.audio_out:
            item["content"] = [{"type": "output_text", "text": text}]
            yield Emit(self.event("response.output_text.done", **self._where(item), text=text))
            return
        item["content"] = [{"type": "output_audio", "transcript": text}]
        yield from self._audio(item, text)
        yield Emit(self.event("response.output_audio.done", **self._where(item)))
        yield Emit(self.event("response.output_audio_transcript.done", **self._where(item), transcript=text))

    def _audio(self, item: dict[str, Any], text: str) -> Iterator[Step]:
        """The transcript spoken, one segment at a time (bounded memory; a cancel stops it between deltas)."""
        fmt = self.params["format"]
        step = audio.bytes_per_ms(fmt) * CHUNK_MS
        pace = self.rt.config.realtime_pace
        first = True
        for segment in segments(text[:SPEAK_MAX_CHARS]):
            wire = audio.encode(self.rt.speak(segment, float(self.params["speed"])), fmt)
            for start in range(0, len(wire), step):
                if not first and pace > 0:
                    yield Sleep(CHUNK_MS / 1000 / pace)
                first = False
                if self.finished:
                    return
                chunk = wire[start : start + step]
                self.audio_ms += len(chunk) // audio.bytes_per_ms(fmt)
                if self.in_conversation and item["id"] in self.rt.conversation:
                    self.rt.conversation.audio_ms[item["id"]] = self.audio_ms
                delta = base64.b64encode(chunk).decode("ascii")
                yield Emit(self.event("response.output_audio.delta", **self._where(item), delta=delta))

    def _arguments(self, item: dict[str, Any], ev: dict[str, Any]) -> Iterator[Step]:
        where = {
            "response_id": self.id,
            "item_id": item["id"],
            "output_index": self.output.index(item),
            "call_id": item["call_id"],
        }
        if ev["type"].endswith(".delta"):
            delta = str(ev.get("delta", ""))
            item["arguments"] += delta
            extra = {"obfuscation": self.rt.ids.obfuscation(delta)} if self.rt.config.obfuscation else {}
            yield Emit(self.event("response.function_call_arguments.delta", **where, delta=delta, **extra))
        else:
            item["arguments"] = str(ev.get("arguments", item["arguments"]))
            yield Emit(
                self.event("response.function_call_arguments.done", **where, name=item["name"], arguments=item["arguments"])
            )

    def _item_done(self, item: dict[str, Any]) -> Iterator[Step]:
        item["status"] = "completed"
        if self.in_conversation:
            if item["id"] in self.rt.conversation:
                self.rt.conversation.items[item["id"]] = item
            previous = self.rt.conversation.previous_of(item["id"]) if item["id"] in self.rt.conversation else None
            yield Emit(self.event("conversation.item.done", previous_item_id=previous, item=dict(item)))
        yield Emit(
            self.event("response.output_item.done", response_id=self.id, output_index=self.output.index(item), item=dict(item))
        )

    # -- endings ---------------------------------------------------------------------------------
    def usage(self, engine: dict[str, Any] | None) -> dict[str, Any]:
        engine = engine or {}
        input_tokens = int(engine.get("input_tokens") or 0)
        cached = int((engine.get("input_tokens_details") or {}).get("cached_tokens") or 0)
        text_out = int(engine.get("output_tokens") or 0)
        audio_out = math.ceil(self.audio_ms * AUDIO_TOKENS_PER_MS)
        return {
            "total_tokens": input_tokens + text_out + audio_out,
            "input_tokens": input_tokens,
            "output_tokens": text_out + audio_out,
            "input_token_details": {
                "text_tokens": input_tokens,
                "audio_tokens": 0,
                "image_tokens": 0,
                "cached_tokens": cached,
                "cached_tokens_details": {"text_tokens": cached, "audio_tokens": 0, "image_tokens": 0},
            },
            "output_token_details": {"text_tokens": text_out, "audio_tokens": audio_out},
        }

    def _ended(self, ev: dict[str, Any]) -> Iterator[Step]:
        engine = ev.get("response") or {}
        kind = ev["type"]
        if "usage" not in engine:  # a scenario's no_usage: response.done goes without it
            self.omit_usage = True
        if kind == "response.completed":
            yield from self._done("completed", None, self.usage(engine.get("usage")))
        elif kind == "response.incomplete":
            reason = (engine.get("incomplete_details") or {}).get("reason")
            if reason == "cancelled":  # the engine's emulated cancel: a client cancel in Realtime words
                yield from self._done(
                    "cancelled", {"type": "cancelled", "reason": "client_cancelled"}, self.usage(engine.get("usage"))
                )
            else:
                reason = reason if reason in ("max_output_tokens", "content_filter") else "max_output_tokens"
                yield from self._done("incomplete", {"type": "incomplete", "reason": reason}, self.usage(engine.get("usage")))
        else:
            error = engine.get("error") or {}
            details = {
                "type": "failed",
                "error": {
                    "type": str(error.get("type") or "server_error"),
                    "code": error.get("code"),
                    "message": error.get("message"),
                },
            }
            yield from self._done("failed", details, self.usage(engine.get("usage")))

    def _scripted_done(self, ev: dict[str, Any]) -> Iterator[Step]:
        if self.finished:
            return
        scripted = ev.get("response")
        response: dict[str, Any] = scripted if isinstance(scripted, dict) else {}
        self.finished = True
        self.status = str(response.get("status") or "completed")
        self.rt.response_ended(self)
        yield Emit({"type": "response.done", "event_id": ev.get("event_id") or self.rt.ids.realtime("event"), **_fields(ev)})

    def _failed(self, error: ApiError) -> Iterator[Step]:
        """A failure mid-response: the ``error`` event, then ``response.done`` with status failed."""
        yield Emit(error_event(self.rt.ids, error))
        details = {"type": "failed", "error": {"type": error.type, "code": error.code, "message": error.message}}
        yield from self._done("failed", details, self.usage(None))

    def _done(self, status: str, details: dict[str, Any] | None, usage: dict[str, Any]) -> Iterator[Step]:
        if self.finished:
            return
        for item in self.output:
            if item["status"] == "in_progress":
                item["status"] = "incomplete"
        self.finished = True
        self.status = status
        self.rt.response_ended(self)
        response = self.response(status, details, usage)
        if self.omit_usage:
            del response["usage"]
        yield Emit(self.event("response.done", response=response))
        yield Emit(self.event("rate_limits.updated", rate_limits=self.rt.rate_limits(usage["total_tokens"])))

    def cancel(self, reason: str) -> list[dict[str, Any]]:
        """End the response now (``client_cancelled`` or ``turn_detected``): its open items are marked
        incomplete and ``response.done`` says cancelled; nothing else of it is sent afterwards."""
        self.cancelled = True
        events: list[dict[str, Any]] = []
        for item in self.output:
            if item["status"] == "in_progress":
                item["status"] = "incomplete"
                if item["type"] == "message" and item["id"] in self.text:
                    key = "transcript" if self.audio_out else "text"
                    item["content"] = [{"type": "output_audio" if self.audio_out else "output_text", key: self.text[item["id"]]}]
                events.append(
                    self.event(
                        "response.output_item.done", response_id=self.id, output_index=self.output.index(item), item=dict(item)
                    )
                )
        for step in self._done("cancelled", {"type": "cancelled", "reason": reason}, self.usage(None)):
            assert isinstance(step, Emit)
            events.append(step.event)
        return events
