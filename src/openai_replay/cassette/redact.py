"""Keeping secrets out of cassettes.

Three layers, applied to every connection before it is written:

1. **Headers by allowlist.** Only headers named in ``REQUEST_HEADERS`` / ``RESPONSE_HEADERS`` (or
   added with ``Redactor(allow_headers=...)``) are kept, compared case-insensitively. Credentials and
   identities (``NEVER_HEADERS``: authorization, api-key, cookies, organisation and project) are
   dropped even if someone allowlists them.
2. **Secrets anywhere.** Every string (paths, queries, bodies, frames, SSE data, close reasons,
   notes, meta) has ``sk-``-style keys replaced by ``sk-REDACTED``, and every secret value seen in a
   dropped credential header (or passed as ``secrets=``) replaced by ``REDACTED``.
3. **Your hooks.** ``hooks`` are called with each connection (a `WsConnection` or `HttpExchange`,
   already scrubbed) just before it is written; return it (changed or not), or ``None`` to leave it
   out. Layer 2 runs once more after the hooks, so a hook cannot put a key back by mistake.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from openai_replay.cassette.model import Cassette, Connection, Ending, SseEvent, WsConnection, WsFrame

SECRET_PATTERN = re.compile(r"sk-[A-Za-z0-9_\-]{16,}")
REDACTED = "REDACTED"

NEVER_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "openai-organization",
        "openai-project",
        "cookie",
        "set-cookie",
    }
)
REQUEST_HEADERS = frozenset(
    {
        "content-type",
        "accept",
        "user-agent",
        "openai-beta",
        "idempotency-key",
        "x-stainless-lang",
        "x-stainless-package-version",
        "x-stainless-os",
        "x-stainless-arch",
        "x-stainless-runtime",
        "x-stainless-runtime-version",
        "x-stainless-retry-count",
        "x-stainless-read-timeout",
        "x-stainless-async",
    }
)
RESPONSE_HEADERS = frozenset(
    {
        "content-type",
        "openai-version",
        "openai-processing-ms",
        "openai-model",
        "x-request-id",
        "retry-after",
        "retry-after-ms",
        "x-should-retry",
        "x-ratelimit-limit-requests",
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-requests",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-requests",
        "x-ratelimit-reset-tokens",
    }
)

Hook = Callable[[Connection], "Connection | None"]


@dataclass
class Redactor:
    """What to keep and what to scrub; the defaults are safe for committing to a public repo."""

    allow_headers: Iterable[str] = ()
    secrets: Iterable[str] = ()
    hooks: Iterable[Hook] = ()
    patterns: Iterable[re.Pattern[str]] = (SECRET_PATTERN,)
    _found: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.allow_headers = frozenset(h.lower() for h in self.allow_headers)
        self.hooks = list(self.hooks)
        self.patterns = list(self.patterns)
        for value in self.secrets:
            self.add_secret(value)

    def add_secret(self, value: str | None) -> None:
        """Scrub this exact value wherever it appears (a bearer token, an org id ...)."""
        if not value:
            return
        token = value.split(" ", 1)[1] if value.lower().startswith(("bearer ", "basic ")) else value
        for candidate in (value, token.strip()):
            if len(candidate) >= 6:
                self._found.add(candidate)

    # -- the pieces ----------------------------------------------------------------------------
    def text(self, value: str) -> str:
        for secret in sorted(self._found, key=len, reverse=True):
            value = value.replace(secret, REDACTED)
        for pattern in self.patterns:
            value = pattern.sub("sk-" + REDACTED, value)
        return value

    def headers(self, headers: Mapping[str, str], allowed: frozenset[str]) -> dict[str, str]:
        keep: dict[str, str] = {}
        for name, value in headers.items():
            key = name.lower()
            if key in NEVER_HEADERS:
                self.add_secret(value)
                continue
            if key in allowed or key in self.allow_headers:
                keep[key] = value if key not in keep else f"{keep[key]}, {value}"
        return {k: self.text(v) for k, v in keep.items()}

    @property
    def generation(self) -> int:
        """Grows whenever a new secret is learned: text scrubbed at an older generation may hold it."""
        return len(self._found)

    # -- whole records -------------------------------------------------------------------------
    def learn(self, conn: Connection) -> None:
        """Note the secrets ``conn`` carries, so they are scrubbed wherever else they appear."""
        for name, value in [*conn.request_headers.items(), *conn.response_headers.items()]:
            if name.lower() in NEVER_HEADERS:
                self.add_secret(value)

    def connection(self, conn: Connection) -> Connection | None:
        """Scrub one connection and run the hooks; None when a hook dropped it."""
        self.learn(conn)
        scrubbed: Connection | None = self._scrub(conn)
        for hook in self.hooks:  # type: ignore[union-attr]
            if scrubbed is None:
                return None
            scrubbed = hook(scrubbed)
        return self._scrub(scrubbed) if scrubbed is not None else None

    def cassette(self, cassette: Cassette) -> Cassette:
        for conn in cassette.connections:
            self.learn(conn)  # first, so a secret seen late is scrubbed from earlier connections too
        kept = [c for c in (self.connection(conn) for conn in cassette.connections) if c is not None]
        meta = {k: self.value(v) for k, v in cassette.meta.items()}
        return Cassette(connections=kept, meta=meta, version=cassette.version, path=cassette.path)

    def value(self, value: Any) -> Any:
        """Scrub strings anywhere inside a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def _opt(self, value: str | None) -> str | None:
        return self.text(value) if value is not None else None

    def _binary(self, data: str | None) -> str | None:
        """A binary frame is scrubbed too when its bytes are text."""
        if data is None:
            return None
        try:
            text = base64.b64decode(data, validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return data
        clean = self.text(text)
        return data if clean == text else base64.b64encode(clean.encode("utf-8")).decode("ascii")

    def _ending(self, ending: Ending | None) -> Ending | None:
        return replace(ending, reason=self.text(ending.reason)) if ending else None

    def _scrub(self, conn: Connection) -> Connection:
        common: dict[str, Any] = {
            "path": self.text(conn.path),
            "query": self.text(conn.query),
            "request_headers": self.headers(conn.request_headers, REQUEST_HEADERS),
            "response_headers": self.headers(conn.response_headers, RESPONSE_HEADERS),
            "body": self._opt(conn.body),
            "note": self._opt(conn.note),
        }
        if isinstance(conn, WsConnection):
            frames = [WsFrame(f.t, f.sender, self._opt(f.text), self._binary(f.binary)) for f in conn.frames]
            return replace(conn, frames=frames, close=self._ending(conn.close), **common)
        events = [SseEvent(e.t, self.text(e.event), self.text(e.data)) for e in conn.events] if conn.events is not None else None
        return replace(conn, request_body=self._opt(conn.request_body), events=events, end=self._ending(conn.end), **common)


def as_redactor(redact: Redactor | Hook | Iterable[Hook] | None) -> Redactor:
    """Accept a `Redactor`, one hook, a list of hooks, or None (the defaults)."""
    if redact is None:
        return Redactor()
    if isinstance(redact, Redactor):
        return redact
    if callable(redact):
        return Redactor(hooks=[redact])
    return Redactor(hooks=list(redact))
