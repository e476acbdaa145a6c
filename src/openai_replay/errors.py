"""The API's error objects, in the exact shapes the real server sends.

One `ApiError` renders three ways: the HTTP body (``{"error": {message, type, param, code}}``,
pretty-printed), the WebSocket frame (``{"type": "error", "status": N, "error": {...}}``) and
the SSE ``error`` event (nested, like the WebSocket frame; protocol.md §2.5.4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

_UNSET: Any = object()


@dataclass(frozen=True)
class ApiError:
    """An error the fake server answers with."""

    status: int
    message: str
    type: str = "invalid_request_error"
    code: str | None = None
    param: str | None = None
    #: False for the few documented frames that carry no ``param`` key at all.
    has_param: bool = True
    headers: dict[str, str] = field(default_factory=dict)

    def error_object(self) -> dict[str, Any]:
        """The inner ``error`` object in the real key order: message, type, param, code."""
        obj: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.has_param:
            obj["param"] = self.param
        obj["code"] = self.code
        return obj

    def http_body(self) -> dict[str, Any]:
        return {"error": self.error_object()}

    def ws_frame(self, stream_id: str | None = None) -> dict[str, Any]:
        """The WebSocket ``error`` frame (schema ``ResponseWsError``)."""
        inner: dict[str, Any] = {"type": self.type, "code": self.code, "message": self.message}
        if self.has_param:
            inner["param"] = self.param
        frame: dict[str, Any] = {"type": "error", "status": self.status, "error": inner}
        if stream_id is not None:
            frame["stream_id"] = stream_id
        return frame

    def sse_event(self, sequence_number: int) -> dict[str, Any]:
        """The mid-stream SSE ``error`` event (nested shape, as real traffic shows)."""
        inner = {"type": self.type, "code": self.code, "message": self.message, "param": self.param}
        return {"type": "error", "sequence_number": sequence_number, "error": inner}


def missing_parameter(name: str) -> ApiError:
    return ApiError(400, f"Missing required parameter: '{name}'.", code="missing_required_parameter", param=name)


def unknown_parameter(name: str) -> ApiError:
    return ApiError(400, f"Unknown parameter: '{name}'.", code="unknown_parameter", param=name)


def invalid_type(name: str, expected: str, got: str) -> ApiError:
    return ApiError(
        400,
        f"Invalid type for '{name}': expected {expected}, but got {got} instead.",
        code="invalid_type",
        param=name,
    )


def invalid_value(name: str, value: Any, supported: list[str]) -> ApiError:
    options = ", ".join(f"'{s}'" for s in supported)
    return ApiError(
        400,
        f"Invalid value: '{value}'. Supported values are: {options}.",
        code="invalid_value",
        param=name,
    )


def out_of_range(name: str, value: float, low: float | None, high: float | None, kind: str) -> ApiError:
    if low is not None and value < low:
        return ApiError(
            400,
            f"Invalid '{name}': {kind} below minimum value. Expected a value >= {_num(low)}, but got {_num(value)} instead.",
            code=f"{kind}_below_min_value",
            param=name,
        )
    return ApiError(
        400,
        f"Invalid '{name}': {kind} above maximum value. Expected a value <= {_num(high or 0)}, but got {_num(value)} instead.",
        code=f"{kind}_above_max_value",
        param=name,
    )


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


INVALID_JSON_BODY = ApiError(
    400,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)",
)


def unreadable_request(detail: str) -> ApiError:
    """The request could not be read to its end (the client hung up, or its framing was broken)."""
    return ApiError(400, f"The request could not be read ({detail}). Send the whole request and wait for the answer.")


def body_too_large(detail: str) -> ApiError:
    """The body is over the server's size limit (413)."""
    return ApiError(413, f"The request body is too large: {' '.join(detail.split())}.")


def too_many_connections(cap: int) -> ApiError:
    """The WebSocket handshake past the server's connection cap (503; ``max_ws_connections``)."""
    return ApiError(
        503,
        f"This server already has {cap} WebSocket connections open, its limit. Close idle connections "
        "and retry, or raise the limit (FakeServer(max_ws_connections=...), serve --max-ws-connections).",
        type="server_error",
        code="too_many_connections",
    )


def body_timeout(seconds: float) -> ApiError:
    """The request body did not arrive in time (the server's read deadline, 408)."""
    return ApiError(408, f"The request body did not arrive within {_num(seconds)} seconds. Send the whole body promptly.")


MISSING_API_KEY = ApiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
    "username) if you're accessing the API from your browser and are prompted for a username. You "
    "can obtain an API key from https://platform.openai.com/account/api-keys.",
)

SERVER_ERROR = ApiError(
    500,
    "The server had an error while processing your request. Sorry about that!",
    type="server_error",
)


def previous_response_not_found(response_id: str) -> ApiError:
    return ApiError(
        400,
        f"Previous response with id '{response_id}' not found.",
        code="previous_response_not_found",
        param="previous_response_id",
    )


def connection_limit_reached(minutes: float) -> ApiError:
    """The documented frame: no ``param`` key (protocol.md §1.7)."""
    shown = _num(minutes)
    return ApiError(
        400,
        f"Responses websocket connection limit reached ({shown} minutes). Create a new websocket connection to continue.",
        code="websocket_connection_limit_reached",
        has_param=False,
    )


def response_not_found(response_id: str) -> ApiError:
    return ApiError(404, f"Response with id '{response_id}' not found.")


def invalid_url(method: str, path: str) -> ApiError:
    return ApiError(404, f"Invalid URL ({method} {path})")


def method_not_allowed(method: str, path: str, allowed: list[str]) -> ApiError:
    return ApiError(
        405,
        f"Method {method} is not allowed for {path}. Allowed methods: {', '.join(allowed)}.",
    )


def invalid_ws_json(detail: str) -> ApiError:
    return ApiError(400, f"Invalid JSON in WebSocket message: {detail}. Send one JSON object per text frame.")


BINARY_FRAME = ApiError(
    400,
    "Binary WebSocket messages are not supported. Send each event as a JSON text frame.",
)


def unknown_event_type(value: Any, supported: list[str]) -> ApiError:
    return invalid_value("type", value, supported)


def invalid_stream_id() -> ApiError:
    return ApiError(
        400,
        "The 'stream_id' field must be a non-empty string with at most 256 characters and may only "
        "contain letters, numbers, underscores, hyphens, and periods.",
        code="invalid_stream_id",
        param="stream_id",
    )


def stream_limit_reached(limit: int) -> ApiError:
    return ApiError(
        400,
        f"This WebSocket connection has reached its maximum number of distinct stream IDs ({limit}). "
        "Reuse an existing stream_id or open a new WebSocket connection.",
        code="websocket_stream_limit_reached",
        param="stream_id",
    )


def background_over_websocket() -> ApiError:
    return ApiError(
        400,
        "The 'background' parameter is not supported over WebSocket. Use POST /v1/responses instead.",
        code="unsupported_parameter",
        param="background",
    )
