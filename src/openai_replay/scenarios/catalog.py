"""Known API errors by code, in their real shapes, so a scenario can say just ``code=...``.

A scripted error starts from the entry for its ``code`` (or, without one, the usual error for its
``status``) and any field the scenario gives wins. Unknown codes are allowed: status 400 and
``invalid_request_error`` unless the scenario says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from openai_replay import errors
from openai_replay.errors import ApiError
from openai_replay.scenarios import values
from openai_replay.scenarios.match import ScenarioError

_QUOTA = (
    "You exceeded your current quota, please check your plan and billing details. For more information on this "
    "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors."
)


def _rate_limit(payload: Mapping[str, Any]) -> ApiError:
    model = payload.get("model") or "gpt-4o-mini"
    return ApiError(
        429,
        f"Rate limit reached for {model} in organization org-fakeopenaireplay on requests per min (RPM): "
        "Limit 3, Used 3, Requested 1. Please try again in 1s. Visit https://platform.openai.com/account/rate-limits "
        "to learn more.",
        type="requests",
        code="rate_limit_exceeded",
    )


CATALOG: dict[str, Callable[[Mapping[str, Any]], ApiError]] = {
    "previous_response_not_found": lambda p: errors.previous_response_not_found(
        str(p.get("previous_response_id") or "resp_unknown")
    ),
    "websocket_connection_limit_reached": lambda p: errors.connection_limit_reached(60),
    "rate_limit_exceeded": _rate_limit,
    "insufficient_quota": lambda p: ApiError(429, _QUOTA, type="insufficient_quota", code="insufficient_quota"),
    "server_error": lambda p: replace(errors.SERVER_ERROR, code="server_error"),
    "server_is_overloaded": lambda p: ApiError(
        503, "The engine is currently overloaded, please try again later", type="server_error", code="server_is_overloaded"
    ),
    "invalid_api_key": lambda p: ApiError(
        401,
        "Incorrect API key provided: sk-fake***. You can find your API key at https://platform.openai.com/account/api-keys.",
        code="invalid_api_key",
    ),
    "websocket_stream_limit_reached": lambda p: errors.stream_limit_reached(32),
}

#: The error a bare status stands for.
BY_STATUS = {
    401: "invalid_api_key",
    429: "rate_limit_exceeded",
    500: "server_error",
    503: "server_is_overloaded",
}

STATUS_MESSAGES = {
    400: "Bad request.",
    403: "You are not allowed to sample from this model.",
    404: "Not found.",
    408: "Request timed out.",
    409: "Conflict.",
    426: "Upgrade required: WebSocket mode is not available for this request.",
    502: "Bad gateway.",
    504: "Gateway timeout.",
}


@dataclass(frozen=True)
class ErrorSpec:
    """An error as a scenario writes it; `build` turns it into the exact `ApiError` for a request."""

    code: str | None = None
    status: int | None = None
    message: str | None = None
    type: str | None = None
    #: ``...`` (the default) keeps the catalogue's ``param``; None sends ``"param": null``.
    param: Any = ...
    retry_after: float | None = None
    retry_after_ms: float | None = None
    should_retry: bool | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status is not None and (isinstance(self.status, bool) or self.status not in range(400, 600)):
            raise ScenarioError([f"status: an error status is between 400 and 599, got {self.status!r}"])
        if self.retry_after is not None:
            values.duration(self.retry_after, "retry_after")
        if self.retry_after_ms is not None:
            values.duration(self.retry_after_ms, "retry_after_ms", values.MAX_SECONDS * 1000, "milliseconds")
        values.headers(self.headers)

    def build(self, payload: Mapping[str, Any] | None = None) -> ApiError:
        payload = payload or {}
        code = self.code or (BY_STATUS.get(self.status) if self.status is not None else None)
        base = CATALOG[code](payload) if code in CATALOG else None
        if base is None:
            status = self.status or 400
            kind = "server_error" if status >= 500 else "invalid_request_error"
            base = ApiError(status, STATUS_MESSAGES.get(status, f"Scripted error{f' ({code})' if code else ''}."), type=kind)
            base = replace(base, code=self.code)
        changes: dict[str, Any] = {"headers": {**base.headers, **self.header_values()}}
        if self.status is not None:
            changes["status"] = self.status
        if self.message is not None:
            changes["message"] = self.message
        if self.type is not None:
            changes["type"] = self.type
        if self.code is not None:
            changes["code"] = self.code
        if self.param is not ...:
            changes["param"], changes["has_param"] = self.param, True
        return replace(base, **changes)

    def header_values(self) -> dict[str, str]:
        values = dict(self.headers)
        if self.retry_after is not None:
            values["retry-after"] = _number(self.retry_after)
        if self.retry_after_ms is not None:
            values["retry-after-ms"] = _number(self.retry_after_ms)
        if self.should_retry is not None:
            values["x-should-retry"] = "true" if self.should_retry else "false"
        return values

    def describe(self) -> str:
        label = self.code or (f"HTTP {self.status}" if self.status else "error")
        extra = ", ".join(f"{k}: {v}" for k, v in self.header_values().items())
        return f"{label} [{extra}]" if extra else label


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)
