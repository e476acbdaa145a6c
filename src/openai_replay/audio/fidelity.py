"""What the audio endpoints' output is checked against in OpenAI's OpenAPI spec (the machinery is
`openai_replay.responses.fidelity`'s `SpecChecker`)."""

from __future__ import annotations

from typing import Any

from openai_replay.responses.fidelity import SpecChecker

SPEECH_EVENT = "CreateSpeechResponseStreamEvent"
TRANSCRIPT_EVENT = "CreateTranscriptionResponseStreamEvent"
SPEECH_REQUEST = "CreateSpeechRequest"
#: response_format -> the component a JSON transcription body must match.
TRANSCRIPTION_BODY = {"json": "CreateTranscriptionResponseJson", "verbose_json": "CreateTranscriptionResponseVerboseJson"}
TRANSLATION_BODY = {"json": "CreateTranslationResponseJson", "verbose_json": "CreateTranslationResponseVerboseJson"}


def check_speech_event(checker: SpecChecker, event: dict[str, Any]) -> list[str]:
    return checker.check(SPEECH_EVENT, event, str(event.get("type")))


def check_transcript_event(checker: SpecChecker, event: dict[str, Any]) -> list[str]:
    return checker.check(TRANSCRIPT_EVENT, event, str(event.get("type")))


def check_transcription(
    checker: SpecChecker, body: dict[str, Any], response_format: str, *, translate: bool = False
) -> list[str]:
    """Problems with a JSON transcription (or translation) body in ``response_format``."""
    component = (TRANSLATION_BODY if translate else TRANSCRIPTION_BODY)[response_format]
    return checker.check(component, body, component)


def check_speech_request(checker: SpecChecker, payload: dict[str, Any]) -> list[str]:
    return checker.check(SPEECH_REQUEST, payload, "speech-request")
