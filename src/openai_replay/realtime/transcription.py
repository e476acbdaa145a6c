"""Realtime transcription sessions: ``/v1/realtime?intent=transcription`` (GA, ``session.type: "transcription"``).

The same socket, input audio buffer, server VAD and recogniser as a conversation session, without
responses: each committed utterance (by VAD or ``input_audio_buffer.commit``) is answered with
``input_audio_buffer.committed``, the user item (``conversation.item.added`` / ``.done``) and
``conversation.item.input_audio_transcription.delta`` / ``.completed``; speech made by our synthesiser
decodes to its text. The session object is the GA transcription session (``object:
"realtime.transcription_session"``, ``audio.input`` and ``include`` only), with defaults of our choosing
where no real capture was found: ``gpt-4o-transcribe`` and server VAD (0.5, 300 ms padding, 500 ms
silence, the spec's documented defaults). A ``response.create`` is refused.
"""

from __future__ import annotations

import copy
from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.ids import IdFactory
from openai_replay.realtime.session import SESSION_SECONDS, audio_format_problem, input_problem, merge_audio, unknown_fields

#: Only these turn detection settings exist in a transcription session (the spec's GA object).
TURN_KEYS = ("type", "threshold", "prefix_padding_ms", "silence_duration_ms")
TRANSCRIPTION_VAD = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500}
_KEYS = {
    "session": frozenset({"type", "audio", "include"}),
    "session.audio": frozenset({"input"}),
    "session.audio.input": frozenset({"format", "transcription", "noise_reduction", "turn_detection"}),
}


def new_transcription_session(ids: IdFactory, now: float) -> dict[str, Any]:
    """A complete GA transcription session, as its ``session.created`` carries it."""
    return {
        "type": "transcription",
        "object": "realtime.transcription_session",
        "id": ids.realtime("sess"),
        "expires_at": int(now) + SESSION_SECONDS,
        "audio": {
            "input": {
                "format": {"type": "audio/pcm", "rate": 24000},
                "transcription": {"model": "gpt-4o-transcribe", "language": None, "prompt": ""},
                "noise_reduction": None,
                "turn_detection": dict(TRANSCRIPTION_VAD),
            }
        },
        "include": None,
    }


def update_transcription_session(session: dict[str, Any], update: Any) -> ApiError | None:
    """Merge a ``session.update`` into a transcription session; on an error nothing changes."""
    problem = _check(update)
    if problem is not None:
        return problem
    merged = copy.deepcopy(session)
    audio = update.get("audio") or {}
    if audio.get("input"):
        sides = {"input": merged["audio"]["input"], "output": {}}
        merge_audio(sides, {"input": audio["input"]})
        turn = merged["audio"]["input"]["turn_detection"]
        if turn is not None:
            merged["audio"]["input"]["turn_detection"] = {k: v for k, v in turn.items() if k in TURN_KEYS}
    if "include" in update:
        merged["include"] = update["include"]
    session.clear()
    session.update(merged)
    return None


def _check(update: Any) -> ApiError | None:
    if not isinstance(update, dict):
        return errors.invalid_type("session", "an object", type(update).__name__)
    problem = unknown_fields("session", update, _KEYS["session"])
    if problem:
        return problem
    if "type" not in update:
        return errors.missing_parameter("session.type")
    if update["type"] != "transcription":
        return errors.invalid_value("session.type", update["type"], ["transcription"])
    include, logprobs = update.get("include"), "item.input_audio_transcription.logprobs"
    if include is not None and (not isinstance(include, list) or any(i != logprobs for i in include)):
        return errors.invalid_value("session.include", include, [logprobs])
    audio = update.get("audio")
    if audio is None:
        return None
    if not isinstance(audio, dict):
        return errors.invalid_type("session.audio", "an object", type(audio).__name__)
    problem = unknown_fields("session.audio", audio, _KEYS["session.audio"])
    part = audio.get("input")
    if problem or part is None:
        return problem
    if not isinstance(part, dict):
        return errors.invalid_type("session.audio.input", "an object", type(part).__name__)
    problem = unknown_fields("session.audio.input", part, _KEYS["session.audio.input"])
    if problem:
        return problem
    turn = part.get("turn_detection")
    if isinstance(turn, dict) and turn.get("type") != "server_vad":
        return errors.invalid_value("session.audio.input.turn_detection.type", turn.get("type"), ["server_vad"])
    return audio_format_problem("session.audio.input.format", part.get("format")) or input_problem("session.audio.input", part)


def no_responses() -> ApiError:
    """``response.create`` in a transcription session (our wording: no real capture was found)."""
    return ApiError(
        400,
        "Responses are not supported in transcription sessions (session.type is 'transcription').",
        code="invalid_request_error",
        param="type",
    )
