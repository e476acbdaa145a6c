"""Request validation for ``/v1/audio/speech`` (JSON) and ``/v1/audio/transcriptions`` / ``translations``
(multipart form): the real 400s, with ``param``, or the request read into a dataclass."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from openai_replay import errors
from openai_replay.audio.codecs import SPEECH_FORMATS
from openai_replay.audio.multipart import Part
from openai_replay.errors import ApiError

VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer", "verse", "marin", "cedar")
SPEECH_MODELS = ("tts-1", "tts-1-hd", "gpt-4o-mini-tts")
#: The models that have no SSE stream: the API ignores ``stream_format: "sse"`` for them and sends raw audio
#: (HTTP 200, as observed against the real API and reported in sfortis/openai_tts#73, 2026-09; the OpenAPI
#: spec says only "sse is not supported for tts-1 or tts-1-hd").
AUDIO_STREAM_ONLY = ("tts-1", "tts-1-hd")
SPEECH_FIELDS = ("model", "input", "voice", "instructions", "response_format", "speed", "stream_format")
MAX_INPUT = 4096
TRANSCRIBE_MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe")
TEXT_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
TOKEN_MODEL_FORMATS = ("json", "text")  # the gpt-4o transcribe models answer only these
#: The file types the API accepts, by extension; the error lists them as the real one does.
UPLOAD_TYPES = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
MAX_UPLOAD = 25 * 1024 * 1024
TRANSCRIPTION_FIELDS = (
    "file",
    "model",
    "language",
    "prompt",
    "response_format",
    "temperature",
    "timestamp_granularities[]",
    "include[]",
    "stream",
    "chunking_strategy",
    "languages[]",
    "keywords[]",
    "known_speaker_names[]",
    "known_speaker_references[]",
)
TRANSLATION_FIELDS = ("file", "model", "prompt", "response_format", "temperature")


@dataclass(frozen=True)
class SpeechRequest:
    model: str
    input: str
    voice: str
    response_format: str = "mp3"
    speed: float = 1.0
    stream_format: str = "audio"
    instructions: str | None = None


@dataclass(frozen=True)
class TranscriptionRequest:
    model: str
    file: Part
    translate: bool = False
    response_format: str = "json"
    stream: bool = False
    granularities: tuple[str, ...] = ("segment",)
    language: str | None = None
    prompt: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    #: ``include[]=logprobs`` (the gpt-4o models, json only): token log probabilities in the answer.
    logprobs: bool = False


def validate_speech(payload: Any) -> SpeechRequest | ApiError:
    """A speech request read, or the first problem with it."""
    if not isinstance(payload, dict):
        return errors.invalid_type("body", "an object", type(payload).__name__)
    for name in payload:
        if name not in SPEECH_FIELDS:
            return errors.unknown_parameter(name)
    for name in ("model", "input", "voice"):
        if name not in payload:
            return errors.missing_parameter(name)
    for name in ("model", "input", "instructions", "response_format", "stream_format"):
        if name in payload and not isinstance(payload[name], str):
            return errors.invalid_type(name, "a string", _kind(payload[name]))
    voice = payload["voice"]
    if isinstance(voice, dict) and isinstance(voice.get("id"), str):
        voice = voice["id"]
    elif not isinstance(voice, str):
        return errors.invalid_type("voice", "a string", _kind(voice))
    elif voice not in VOICES:
        return errors.invalid_value("voice", voice, list(VOICES))
    if len(payload["input"]) > MAX_INPUT:
        return ApiError(
            400,
            f"Invalid 'input': string too long. Expected a string with maximum length {MAX_INPUT}, "
            f"but got a string with length {len(payload['input'])} instead.",
            code="string_above_max_length",
            param="input",
        )
    response_format = payload.get("response_format", "mp3")
    if response_format not in SPEECH_FORMATS:
        return errors.invalid_value("response_format", response_format, list(SPEECH_FORMATS))
    stream_format = payload.get("stream_format", "audio")
    if stream_format not in ("sse", "audio"):
        return errors.invalid_value("stream_format", stream_format, ["sse", "audio"])
    if stream_format == "sse" and payload["model"] in AUDIO_STREAM_ONLY:
        stream_format = "audio"  # ignored, not refused (see AUDIO_STREAM_ONLY)
    speed = payload.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not math.isfinite(speed):
        return errors.invalid_type("speed", "a number", _kind(speed))
    if not 0.25 <= speed <= 4.0:
        return errors.out_of_range("speed", speed, 0.25, 4.0, "decimal")
    return SpeechRequest(
        model=payload["model"],
        input=payload["input"],
        voice=voice,
        response_format=response_format,
        speed=float(speed),
        stream_format=stream_format,
        instructions=payload.get("instructions"),
    )


def validate_transcription(parts: list[Part], *, translate: bool = False) -> TranscriptionRequest | ApiError:
    """A transcription (or translation) form read, or the first problem with it."""
    known = TRANSLATION_FIELDS if translate else TRANSCRIPTION_FIELDS
    values: dict[str, list[Part]] = {}
    for part in parts:
        key = part.name if part.name in known else f"{part.name}[]" if f"{part.name}[]" in known else None
        if key is None:
            return errors.unknown_parameter(part.name)
        values.setdefault(key, []).append(part)
    files = values.get("file")
    if not files:
        return errors.missing_parameter("file")
    if "model" not in values:
        return errors.missing_parameter("model")
    upload = files[0]
    if upload.filename is None:
        return errors.invalid_type("file", "a file", "a string")
    model = values["model"][0].text()
    texts = {name: [p.text() for p in found] for name, found in values.items() if name != "file"}
    response_format = texts.get("response_format", ["json"])[0]
    if response_format not in TEXT_FORMATS:
        return errors.invalid_value("response_format", response_format, list(TEXT_FORMATS))
    if model.startswith("gpt-") and response_format not in TOKEN_MODEL_FORMATS:
        return ApiError(
            400,
            f"response_format '{response_format}' is not compatible with model '{model}'. Use 'json' or 'text' instead.",
            code="unsupported_value",
            param="response_format",
        )
    temperature = texts.get("temperature", ["0"])[0]
    try:
        degrees = float(temperature)
    except ValueError:
        return errors.invalid_type("temperature", "a decimal", "a string")
    if not 0 <= degrees <= 1:
        return errors.out_of_range("temperature", degrees, 0, 1, "decimal")
    granularities = tuple(texts.get("timestamp_granularities[]", ["segment"]))
    for value in granularities:
        if value not in ("word", "segment"):
            return errors.invalid_value("timestamp_granularities", value, ["word", "segment"])
    stream = texts.get("stream", ["false"])[0]
    if stream not in ("true", "false"):
        return errors.invalid_type("stream", "a boolean", "a string")
    fields = {name: found[0] if len(found) == 1 and not name.endswith("[]") else found for name, found in texts.items()}
    return TranscriptionRequest(
        model=model,
        file=upload,
        translate=translate,
        response_format=response_format,
        stream=stream == "true" and not model.startswith("whisper") and not translate,
        granularities=granularities,
        language=texts.get("language", [None])[0],
        prompt=texts.get("prompt", [None])[0],
        fields=fields,
        logprobs="logprobs" in texts.get("include[]", []) and model.startswith("gpt-") and response_format == "json",
    )


# The wordings below are the real API's as its answers are quoted in public bug reports (message, type,
# param, code): "Invalid file format" with param and code null (2024-2025); the size limit as a 413 typed
# server_error with param and code null (2023); "Audio file is too short" with param "file" and code
# audio_too_short (2024); "Invalid Content-Type header (...)" with param and code null (2023);
# "response_format '...' is not compatible with model '...'. Use 'json' or 'text' instead." with param
# response_format and code unsupported_value (2025-2026). For "Audio file might be corrupted or
# unsupported" only the message and the 400 are on record.
def upload_problem(part: Part) -> ApiError | None:
    """The real 400 for an upload whose type the API does not take, by its file name."""
    name = (part.filename or "").lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in UPLOAD_TYPES:
        return ApiError(400, f"Invalid file format. Supported formats: {list(UPLOAD_TYPES)}")
    return None


def too_large(size: int) -> ApiError:
    """The real answer to an upload over 25 MB: a 413, typed server_error (sic), no param or code."""
    return ApiError(413, f"Maximum content size limit ({MAX_UPLOAD}) exceeded ({size} bytes read)", type="server_error")


def too_long(limit: float) -> ApiError:
    return ApiError(
        400, f"Audio file is too long. Maximum audio length is {limit:g} seconds.", code="audio_too_long", param="file"
    )


UNREADABLE = ApiError(400, "Audio file might be corrupted or unsupported", code="invalid_value", param="file")
TOO_SHORT = ApiError(400, "Audio file is too short. Minimum audio length is 0.1 seconds.", code="audio_too_short", param="file")


def not_multipart(content_type: str | None) -> ApiError:
    shown = " ".join((content_type or "").split())[:100] or "none"
    return ApiError(
        400,
        f"Invalid Content-Type header ({shown}), expected multipart/form-data. (HINT: If you're using "
        "curl, you can pass -H 'Content-Type: multipart/form-data')",
    )


def bad_multipart(detail: str) -> ApiError:
    # The real message is "Could not parse multipart form" alone (param and code null); the fake adds what is
    # wrong, so a test of a hand-made multipart encoder can see its mistake.
    return ApiError(400, f"Could not parse multipart form: {detail}.")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
