"""A thin client for the control API of a fake server running elsewhere (``openai-replay serve``).

    control = ReplayControl("http://127.0.0.1:8765", session="suite-a")   # token: $OPENAI_REPLAY_CONTROL_TOKEN
    control.load_builtin("cache_miss")
    ...  # the client under test talks to http://127.0.0.1:8765/v1 with X-Replay-Session: suite-a
    control.log.assert_chained()             # runs server-side; AssertionError with the timeline
    control.log.assert_retried("rate_limit_exceeded", connection="new")
    assert control.verify()["ok"]

Standard library only (``urllib``): usable from any test runner, sync or in a thread.
"""

from __future__ import annotations

import inspect
import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from openai_replay.exposure import CONTROL_TOKEN_ENV, CONTROL_TOKEN_HEADER, control_token_from_env
from openai_replay.log.assertions import LogAssertions

__all__ = ["ControlError", "RemoteLog", "ReplayControl"]

SESSION_HEADER = "X-Replay-Session"


class ControlError(RuntimeError):
    """The control API refused a request (bad input, no control API, server gone); says what to do."""


class ReplayControl:
    """The control API of the fake server at ``url`` (its base, with or without ``/v1``)."""

    def __init__(self, url: str, *, session: str | None = None, timeout: float = 30.0, token: str | None = None) -> None:
        parts = urlsplit(url.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the fake server's URL is http://host:port (optionally ending in /v1), got {url!r}")
        path = parts.path[: -len("/v1")] if parts.path.endswith("/v1") else parts.path
        self.base = f"{parts.scheme}://{parts.netloc}{path}"
        self.session = session
        self.timeout = timeout
        #: The server's control token (``serve --control-token``), sent on every request; defaults to
        #: ``$OPENAI_REPLAY_CONTROL_TOKEN``.
        self.token = token or control_token_from_env()
        self.log = RemoteLog(self)

    # -- transport ------------------------------------------------------------------------------
    def call(self, method: str, path: str, body: Any = None, *, ok: tuple[int, ...] = (200,)) -> tuple[int, Any]:
        """One control request; returns (status, decoded body). A status not in ``ok`` raises `ControlError`."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.base}/__replay/{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.session is not None:
            request.add_header(SESSION_HEADER, self.session)
        if self.token:
            request.add_header(CONTROL_TOKEN_HEADER, self.token)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:
                status, raw, kind = answer.status, answer.read(), answer.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            status, raw, kind = exc.code, exc.read(), exc.headers.get_content_type()
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ControlError(f"cannot reach the fake server's control API at {self.base}/__replay/: {reason}") from None
        decoded: Any = json.loads(raw) if kind == "application/json" and raw else raw.decode(errors="replace")
        if status not in ok:
            raise ControlError(self._explain(method, path, status, decoded))
        return status, decoded

    def _explain(self, method: str, path: str, status: int, body: Any) -> str:
        message = body.get("error", {}).get("message") if isinstance(body, dict) else None
        if status == 404 and not path.startswith("assert/"):
            message = f"{message or 'not found'} (was the server started with --no-control?)"
        if status == 401 and not self.token:
            message = f"{message} (pass ReplayControl(token=...) or set {CONTROL_TOKEN_ENV})"
        return f"{method} /__replay/{path} answered {status}: {message or str(body)[:200]}"

    # -- the API --------------------------------------------------------------------------------
    def requests(self, since: int = 0, frames_since: int = 0) -> dict[str, Any]:
        """Connections, requests after turn ``since`` and frames after ``frames_since``, plus ``next``."""
        return dict(self.call("GET", f"requests?since={int(since)}&frames_since={int(frames_since)}")[1])

    def timeline(self) -> str:
        return str(self.call("GET", "timeline")[1])

    def load_scenario(self, scenario: dict[str, Any]) -> dict[str, Any]:
        """Answer with a scenario given as its JSON document (the scenario file format)."""
        return dict(self.call("PUT", "scenario", scenario)[1])

    def load_builtin(self, name: str, **params: Any) -> dict[str, Any]:
        """Answer with a built-in scenario (``load_builtin("connection_limit", turn=3)``)."""
        return dict(self.call("PUT", "scenario", {"builtin": name, "params": params})[1])

    def clear_scenario(self) -> None:
        self.call("DELETE", "scenario")

    def reset(self) -> None:
        """A fresh log, store and ids; back to the starting scenario (and clock, for the default session)."""
        self.call("POST", "reset", {})

    def verify(self) -> dict[str, Any]:
        """``{"ok", "rules", "unplayed", "mismatches"}``: rules not fired as declared, interactions never played."""
        return dict(self.call("GET", "verify")[1])

    def run_assertion(self, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run assertion ``name`` server-side; `AssertionError` with its failure text and timeline when it fails."""
        status, body = self.call("POST", f"assert/{name}", args or {}, ok=(200, 409))
        if status == 409:
            raise AssertionError(body.get("failure") or body)
        return dict(body)

    def advance_clock(self, seconds: float) -> float:
        """Move a ``--manual-clock`` server's clock; returns its new time."""
        return float(self.call("POST", "clock/advance", {"seconds": seconds})[1]["now"])


class RemoteLog:
    """The request log of a server elsewhere, with the same ``assert_*`` methods as `RequestLog`;
    each runs server-side over the control API."""

    def __init__(self, control: ReplayControl) -> None:
        self._control = control

    @property
    def requests(self) -> list[dict[str, Any]]:
        return list(self._control.requests()["requests"])

    @property
    def connections(self) -> list[dict[str, Any]]:
        return list(self._control.requests()["connections"])

    def __len__(self) -> int:
        return len(self.requests)

    def timeline(self) -> str:
        return self._control.timeline()

    def __getattr__(self, name: str) -> Any:
        method = getattr(LogAssertions, name, None) if name.startswith("assert_") else None
        if method is None:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        signature = inspect.signature(method)

        def remote(*args: Any, **kwargs: Any) -> dict[str, Any]:
            __tracebackhide__ = True
            bound = signature.bind(None, *args, **kwargs)
            arguments = {k: (list(v) if isinstance(v, tuple) else v) for k, v in bound.arguments.items() if k != "self"}
            return self._control.run_assertion(name[len("assert_") :], arguments)

        remote.__name__ = name
        remote.__doc__ = method.__doc__
        return remote
