"""The input audio buffer of a Realtime session: appends, commits, clears and server VAD.

Audio is kept as the wire bytes of the session's input format and measured in audio time. Under turn
detection, between turns only the prefix padding is kept, so appends without end cost bounded memory;
without it the buffer stops at `MAX_BUFFER_MS` with an error until a commit or a clear. A committed
utterance is read by the shared recogniser (its first `RECOGNIZE_MAX_MS` only): speech our synthesiser
made becomes the user's words; other audio gets the scripted ``realtime_transcript`` (or none).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.items import count_tokens
from openai_replay.realtime import audio
from openai_replay.realtime import errors as rt
from openai_replay.realtime.vad import Detector, Settings, Started, Stopped

if TYPE_CHECKING:
    from openai_replay.realtime.conversation import Conversation
    from openai_replay.realtime.response import ResponseRun

#: Base64 characters one ``input_audio_buffer.append`` may carry (15 MiB, the API's frame limit).
MAX_APPEND_CHARS = 15 * 1024 * 1024
#: Audio the input buffer holds at most; past it an append is refused until a commit or a clear.
MAX_BUFFER_MS = 5 * 60 * 1000
MIN_COMMIT_MS = 100
#: Only an utterance's first 30 s are read by the recogniser, so a huge commit costs bounded CPU.
RECOGNIZE_MAX_MS = 30_000


class InputAudio:
    """The input half of `RealtimeSession` (a mixin: it reads the session, conversation and active response)."""

    session: dict[str, Any]
    conversation: Conversation
    active: ResponseRun | None

    def _init_input(self) -> None:
        self.buffer = bytearray()
        #: Session audio time (ms) where the buffer's first byte sits.
        self.buffer_start_ms = 0
        self.vad = Detector()
        self.speech_item: str | None = None
        #: Session audio time at which ``idle_timeout_ms`` fires (server VAD), once a response has played.
        self.idle_deadline_ms: int | None = None

    # provided by RealtimeSession (a mixin's declarations, never called)
    def _event(self, type_: str, **fields: Any) -> dict[str, Any]:
        raise NotImplementedError  # pragma: no cover

    def cancel(self, reason: str) -> list[dict[str, Any]]:
        raise NotImplementedError  # pragma: no cover

    def start(self, params: dict[str, Any]) -> ResponseRun:
        raise NotImplementedError  # pragma: no cover

    def _resolve(self, params: dict[str, Any]) -> dict[str, Any] | ApiError:
        raise NotImplementedError  # pragma: no cover

    def new_item_id(self) -> str:
        raise NotImplementedError  # pragma: no cover

    def scripted_transcript(self) -> str | None:
        raise NotImplementedError  # pragma: no cover

    def recognize_pcm(self, pcm: bytes) -> str | None:
        raise NotImplementedError  # pragma: no cover

    @property
    def input_format(self) -> dict[str, Any]:
        fmt: dict[str, Any] = self.session["audio"]["input"]["format"]
        return fmt

    def buffered_ms(self) -> float:
        return len(self.buffer) / audio.bytes_per_ms(self.input_format)

    def _append(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        data = event.get("audio")
        if not isinstance(data, str):
            return (
                errors.invalid_type("audio", "a string", type(data).__name__)
                if "audio" in event
                else errors.missing_parameter("audio")
            )
        if len(data) > MAX_APPEND_CHARS:
            return rt.audio_too_large("audio", MAX_APPEND_CHARS)
        try:
            chunk = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return rt.invalid_audio("audio")
        if self.buffered_ms() + len(chunk) / audio.bytes_per_ms(self.input_format) > MAX_BUFFER_MS:
            return rt.buffer_full(MAX_BUFFER_MS)
        self.buffer += chunk
        turn = self.session["audio"]["input"]["turn_detection"]
        if turn is None:
            self.vad.skip(len(chunk) // audio.bytes_per_ms(self.input_format))
            return []
        return self._detect(chunk, turn)

    def _detect(self, chunk: bytes, turn: dict[str, Any]) -> list[dict[str, Any]]:
        fmt = self.input_format
        out: list[dict[str, Any]] = []
        for change in self.vad.feed(audio.to_linear(chunk, fmt), audio.rate(fmt), Settings.of(turn)):
            if isinstance(change, Started):
                out += self._speech_started(change.onset_ms, turn)
            elif isinstance(change, Stopped):
                out += self._speech_stopped(change.end_ms, turn)
        out += self._idle(turn)
        if not self.vad.speaking:  # between turns only the prefix padding is kept
            self._trim(Settings.of(turn).prefix_padding_ms)
        return out

    def arm_idle(self, played_ms: int) -> None:
        """A response ended: ``idle_timeout_ms`` counts from the end of its audio's playback, in audio time."""
        turn = self.session["audio"]["input"]["turn_detection"]
        timeout = turn.get("idle_timeout_ms") if turn is not None and turn.get("type") == "server_vad" else None
        self.idle_deadline_ms = self.vad.position_ms + played_ms + timeout if isinstance(timeout, int) else None

    def _idle(self, turn: dict[str, Any]) -> list[dict[str, Any]]:
        """The user stayed silent past the idle timeout: ``timeout_triggered``, the silence committed, a response."""
        deadline = self.idle_deadline_ms
        if deadline is None or self.vad.speaking or self.active is not None or self.vad.position_ms < deadline:
            return []
        self.idle_deadline_ms = None
        item_id = self.new_item_id()
        now = self.vad.position_ms
        out = [
            self._event(
                "input_audio_buffer.timeout_triggered", audio_start_ms=self.buffer_start_ms, audio_end_ms=now, item_id=item_id
            )
        ]
        utterance = bytes(self.buffer)
        self.buffer.clear()
        self.buffer_start_ms = now
        out += self._committed(item_id, utterance)
        if turn.get("create_response", True) and self.session["type"] == "realtime":
            self.start(self._resolve({}))  # type: ignore[arg-type]
        return out

    def _trim(self, keep_ms: int) -> None:
        per_ms = audio.bytes_per_ms(self.input_format)
        excess = len(self.buffer) - keep_ms * per_ms
        if excess > 0:
            excess -= excess % per_ms  # whole milliseconds, so the buffer's start stays exact
            del self.buffer[:excess]
            self.buffer_start_ms += excess // per_ms

    def _speech_started(self, onset_ms: int, turn: dict[str, Any]) -> list[dict[str, Any]]:
        start = max(self.buffer_start_ms, onset_ms - Settings.of(turn).prefix_padding_ms)
        self.speech_item, self.speech_start_ms = self.new_item_id(), start
        self.idle_deadline_ms = None
        out = [self._event("input_audio_buffer.speech_started", audio_start_ms=start, item_id=self.speech_item)]
        if self.active is not None and self.active.in_conversation and turn.get("interrupt_response", True):
            out += self.cancel("turn_detected")
        return out

    def _speech_stopped(self, end_ms: int, turn: dict[str, Any]) -> list[dict[str, Any]]:
        item_id = self.speech_item or self.new_item_id()
        out = [self._event("input_audio_buffer.speech_stopped", audio_end_ms=end_ms, item_id=item_id)]
        per_ms = audio.bytes_per_ms(self.input_format)
        keep = max(0, (end_ms - self.buffer_start_ms) * per_ms)
        utterance, rest = bytes(self.buffer[:keep]), self.buffer[keep:]
        self.buffer = bytearray(rest)
        self.buffer_start_ms = end_ms
        out += self._committed(item_id, utterance)
        self.speech_item = None
        if turn.get("create_response", True) and self.session["type"] == "realtime" and self.active is None:
            self.start(self._resolve({}))  # type: ignore[arg-type]
        return out

    def _committed(self, item_id: str, utterance: bytes) -> list[dict[str, Any]]:
        fmt = self.input_format
        heard = self.recognize_pcm(audio.to_pcm24k(utterance[: RECOGNIZE_MAX_MS * audio.bytes_per_ms(fmt)], fmt))
        if heard is None:
            heard = self.scripted_transcript()
        previous = self.conversation.last()
        echoed = {
            "id": item_id,
            "type": "message",
            "status": "completed",
            "role": "user",
            "content": [{"type": "input_audio", "transcript": None}],
        }
        self.conversation.insert({**echoed, "content": [{"type": "input_audio", "transcript": heard}]})
        out = [
            self._event("input_audio_buffer.committed", previous_item_id=previous, item_id=item_id),
            self._event("conversation.item.added", previous_item_id=previous, item=echoed),
            self._event("conversation.item.done", previous_item_id=previous, item=echoed),
        ]
        if self.session["audio"]["input"]["transcription"] is not None:
            text = heard or ""
            seconds = len(utterance) / audio.bytes_per_ms(fmt) / 1000
            audio_tokens = max(1, round(seconds * 10))
            usage = {
                "type": "tokens",
                "input_tokens": audio_tokens,
                "output_tokens": count_tokens(text),
                "total_tokens": audio_tokens + count_tokens(text),
                "input_token_details": {"text_tokens": 0, "audio_tokens": audio_tokens},
            }
            where = {"item_id": item_id, "content_index": 0}
            out.append(self._event("conversation.item.input_audio_transcription.delta", **where, delta=text))
            out.append(
                self._event("conversation.item.input_audio_transcription.completed", **where, transcript=text, usage=usage)
            )
        return out

    def _commit(self, event: dict[str, Any]) -> list[dict[str, Any]] | ApiError:
        ms = self.buffered_ms()
        if ms < MIN_COMMIT_MS:
            return rt.commit_empty(ms)
        item_id = self.speech_item or self.new_item_id()
        utterance = bytes(self.buffer)
        self.buffer_start_ms += int(ms)
        self.buffer.clear()
        self.vad.reset()
        self.speech_item = None
        return self._committed(item_id, utterance)

    def _clear(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        self.buffer_start_ms += int(self.buffered_ms())
        self.buffer.clear()
        self.vad.reset()
        self.speech_item = None
        return [self._event("input_audio_buffer.cleared")]
