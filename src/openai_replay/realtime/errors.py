"""The Realtime API's errors and its ``error`` event.

Realtime errors travel as an ``error`` server event (never an HTTP status once the socket is open):
``{"type": "error", "event_id", "error": {type, code, message, param, event_id}}``, where the inner
``event_id`` is the client event that caused it (null when the client sent none). Messages marked
*verbatim* below are copied from real traffic quoted in reference/realtime.md and public issue threads;
the others follow OpenAI's wording for the same kind of error and are documented as such in
docs/realtime.md.
"""

from __future__ import annotations

from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.ids import IdFactory

#: The eleven GA client events (``realtime_client_event.py``); ``output_audio_buffer.clear`` is WebRTC/SIP only.
CLIENT_EVENTS = [
    "session.update",
    "input_audio_buffer.append",
    "input_audio_buffer.commit",
    "input_audio_buffer.clear",
    "conversation.item.create",
    "conversation.item.retrieve",
    "conversation.item.truncate",
    "conversation.item.delete",
    "response.create",
    "response.cancel",
    "output_audio_buffer.clear",
]


def error_event(ids: IdFactory, error: ApiError, client_event_id: Any = None) -> dict[str, Any]:
    """The ``error`` server event for ``error``, naming the client event that caused it."""
    cause = client_event_id if isinstance(client_event_id, str) else None
    inner = {"type": error.type, "code": error.code, "message": error.message, "param": error.param, "event_id": cause}
    return {"type": "error", "event_id": ids.realtime("event"), "error": inner}


def active_response(response_id: str) -> ApiError:
    """Verbatim (openai-agents-python#1466, 2025-08)."""
    return ApiError(
        400,
        f"Conversation already has an active response in progress: {response_id}. "
        "Wait until the response is finished before creating a new one.",
        code="conversation_already_has_active_response",
    )


#: Verbatim (pipecat#3755 and many clients that match on the text).
CANCEL_NOT_ACTIVE = ApiError(400, "Cancellation failed: no active response found", code="response_cancel_not_active")

#: Verbatim (many GA clients; pickle-com/glass#220): the beta handshake, answered then closed with 4000.
BETA_DISABLED = ApiError(
    400,
    "The Realtime Beta API is no longer supported. Please use /v1/realtime for the GA API.",
    code="beta_api_shape_disabled",
)
BETA_CLOSE_CODE = 4000


def commit_empty(buffered_ms: float) -> ApiError:
    """Verbatim (betalgo/openai#674)."""
    return ApiError(
        400,
        "Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
        f"but buffer only has {buffered_ms:.2f}ms of audio.",
        code="input_audio_buffer_commit_empty",
    )


_ACTIONS = {"retrieve": "retrieving", "delete": "deleting", "truncate": "truncating"}


def item_not_found(action: str, item_id: Any) -> ApiError:
    """Verbatim for delete (``Error deleting item: the item with id 'x' does not exist.``); retrieve and
    truncate follow the same pattern with their own codes."""
    return ApiError(
        400,
        f"Error {_ACTIONS[action]} item: the item with id '{item_id}' does not exist.",
        code=f"item_{action}_invalid_item_id",
    )


#: Verbatim (livekit/agents#6157): truncating anything but an assistant message with audio.
TRUNCATE_NOT_AUDIO = ApiError(400, "Only model output audio messages can be truncated", code="unsupported_content_type")


def truncate_too_long(audio_ms: int, end_ms: int) -> ApiError:
    """Verbatim message (twilio-samples/speech-assistant-openai-realtime-api-python#22)."""
    return ApiError(
        400,
        f"Audio content of {audio_ms}ms is already shorter than {end_ms}ms",
        code="invalid_value",
        param="audio_end_ms",
    )


def previous_item_not_found(item_id: Any) -> ApiError:
    return ApiError(
        400,
        f"Error adding item: the previous item with id '{item_id}' does not exist.",
        code="item_not_found",
        param="previous_item_id",
    )


def duplicate_item(item_id: Any) -> ApiError:
    return ApiError(
        400, f"Error adding item: the item with id '{item_id}' already exists.", code="invalid_value", param="item.id"
    )


def invalid_audio(param: str) -> ApiError:
    return ApiError(400, f"Invalid '{param}': expected base64-encoded audio bytes.", code="invalid_value", param=param)


def audio_too_large(param: str, limit: int) -> ApiError:
    return ApiError(
        400,
        f"Invalid '{param}': audio chunks may be at most {limit} bytes of base64; send long audio in several appends.",
        code="invalid_value",
        param=param,
    )


def buffer_full(limit_ms: int) -> ApiError:
    return ApiError(
        400,
        f"The input audio buffer is full ({limit_ms} ms of audio); commit or clear it before appending more.",
        code="input_audio_buffer_full",
    )


def unknown_event(kind: Any) -> ApiError:
    return errors.unknown_event_type(kind, CLIENT_EVENTS)


SERVER_ERROR = ApiError(500, "The server had an error while processing your request. Sorry about that!", type="server_error")
