"""Keeping secrets out of cassettes. On by default; the rules are in `openai_replay.cassette.secrets`.

Applied to every connection before it is written:

1. **Headers by allowlist.** Only headers named in ``REQUEST_HEADERS`` / ``RESPONSE_HEADERS`` (or
   added with ``allow_headers=``) are kept. A header whose name says credential (authorization,
   key, token, secret, cookie, session; organisation and project) is dropped even if allowlisted,
   and its value (each cookie's value) is *learned*.
2. **Secrets anywhere.** Every string (paths, queries, bodies, frames, SSE data, close reasons,
   notes, meta) is scrubbed of the shapes in `VALUE_PATTERNS` (OpenAI keys, JWTs, ``Bearer ...``,
   URL userinfo, secret query parameters and JSON fields), and of every value learned anywhere in
   the recording or passed as ``secrets=``.
3. **vcrpy's options.** ``filter_headers``, ``filter_query_parameters``, ``filter_post_data_parameters``
   (names, or ``(name, replacement)`` pairs; replacement None removes) and the hooks
   ``before_record_request`` / ``before_record_response``, which see a `RequestPart` or
   `ResponsePart` (an HTTP request or WS client frame; a JSON body, SSE event or WS server frame) and
   return it (changed or not) or None to leave the whole connection out. `request_body` applies the
   request side to a *live* request too, so a replay matches what was recorded.
4. **Your hooks.** ``hooks`` see each whole connection (a `WsConnection` or `HttpExchange`, already
   scrubbed) and return it or None. Layer 2 runs once more after the hooks and filters, so nothing
   puts a secret back by mistake.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Union
from urllib.parse import parse_qsl, urlencode

from openai_replay.cassette.model import Cassette, Connection, Ending, HttpExchange, SseEvent, WsConnection, WsFrame
from openai_replay.cassette.scrub import pieces, scrub, secrets_in
from openai_replay.cassette.secrets import (
    REDACTED,
    VALUE_PATTERNS,
    ValuePattern,
    cookie_values,
    secret_field,
    secret_header,
    secret_query_name,
)

__all__ = ["REDACTED", "Redactor", "RequestPart", "ResponsePart", "as_redactor"]

#: Kept for callers of the old name: the OpenAI key shape of `VALUE_PATTERNS`.
SECRET_PATTERN = VALUE_PATTERNS[0].pattern

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

Filter = Union[str, "tuple[str, str | None]"]


@dataclass
class RequestPart:
    """What ``before_record_request`` sees: an HTTP request, or one WebSocket client frame (``method`` "WS")."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str | None


@dataclass
class ResponsePart:
    """What ``before_record_response`` sees: a JSON body, one SSE event's data, or one WS server frame."""

    status: int | None
    headers: dict[str, str]
    body: str | None


class _Dropped(Exception):
    """A hook returned None: the connection is left out."""


@dataclass
class Redactor:
    """What to keep and what to scrub; the defaults are safe for committing to a public repo."""

    allow_headers: Iterable[str] = ()
    secrets: Iterable[str] = ()
    hooks: Iterable[Hook] = ()
    patterns: Iterable[ValuePattern] = VALUE_PATTERNS
    filter_headers: Iterable[Filter] = ()
    filter_query_parameters: Iterable[Filter] = ()
    filter_post_data_parameters: Iterable[Filter] = ()
    before_record_request: Callable[[RequestPart], RequestPart | None] | None = None
    before_record_response: Callable[[ResponsePart], ResponsePart | None] | None = None
    _found: set[str] = field(default_factory=set, init=False, repr=False)
    _compiled: tuple[int, re.Pattern[str] | None] = field(default=(0, None), init=False, repr=False)

    def __post_init__(self) -> None:
        self.allow_headers = frozenset(h.lower() for h in self.allow_headers)
        self.hooks = list(self.hooks)
        self.patterns = [p if isinstance(p, ValuePattern) else ValuePattern("custom", p) for p in self.patterns]
        self._headers = _filters(self.filter_headers, lower=True)
        self._query = _filters(self.filter_query_parameters)
        self._post = _filters(self.filter_post_data_parameters)
        for value in self.secrets:
            self.add_secret(value)

    def add_secret(self, value: str | None) -> None:
        """Scrub this exact value wherever it appears (a bearer token, an org id ...)."""
        if not value:
            return
        token = value.split(" ", 1)[1] if value.lower().startswith(("bearer ", "basic ")) else value
        for candidate in (value, token.strip()):
            if len(candidate) >= 6 and candidate not in (REDACTED, "sk-" + REDACTED):
                # as written in text and as written in JSON (which may escape a slash)
                self._found.update({candidate, candidate.replace("\\/", "/"), candidate.replace("/", "\\/")})

    @property
    def generation(self) -> int:
        """Grows whenever a new secret is learned: text scrubbed at an older generation may hold it."""
        return len(self._found)

    # -- the pieces ----------------------------------------------------------------------------
    def text(self, value: str) -> str:
        known = self._known()
        out = []
        for piece, data in pieces(value):
            if not data:
                piece = scrub(piece, self.patterns)  # type: ignore[arg-type]
                piece = known.sub(REDACTED, piece) if known is not None else piece
            out.append(piece)
        return "".join(out)

    def learn_text(self, value: str | None) -> None:
        """Learn every secret-shaped value in ``value`` (a query parameter, a JSON field, a password)."""
        for piece, data in pieces(value or ""):
            if not data:
                for secret in secrets_in(piece, self.patterns):  # type: ignore[arg-type]
                    self.add_secret(secret)

    def _known(self) -> re.Pattern[str] | None:
        if self._compiled[0] != len(self._found) or (self._found and self._compiled[1] is None):
            ordered = sorted(self._found, key=len, reverse=True)
            self._compiled = (len(self._found), re.compile("|".join(map(re.escape, ordered))) if ordered else None)
        return self._compiled[1]

    def headers(self, headers: Mapping[str, str], allowed: frozenset[str]) -> dict[str, str]:
        keep: dict[str, str] = {}
        for name, value in headers.items():
            key = name.lower()
            if key in self._headers:
                if value != self._headers[key]:
                    self.add_secret(value)
                if self._headers[key] is not None:
                    keep[key] = str(self._headers[key])
                continue
            if secret_header(key):
                self._learn_header(key, value)
                continue
            if key in allowed or key in self.allow_headers:  # type: ignore[operator]
                keep[key] = value if key not in keep else f"{keep[key]}, {value}"
        return {k: self.text(v) for k, v in keep.items()}

    def _learn_header(self, key: str, value: str) -> None:
        self.add_secret(value)
        if "cookie" in key:
            for part in cookie_values(value):
                self.add_secret(part)

    def query(self, query: str) -> str:
        """``query`` with filtered parameters replaced or removed (secret names are scrubbed by `text`)."""
        if not self._query or not query:
            return self.text(query)
        pairs = []
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in self._query:
                self.add_secret(value)
                if self._query[name] is None:
                    continue
                value = str(self._query[name])
            pairs.append((name, value))
        return self.text(urlencode(pairs))

    def request_body(self, body: str | None) -> str | None:
        """A request body (HTTP, or a WS client frame) with ``filter_post_data_parameters`` applied and
        secrets scrubbed: used on recordings and on live requests before matching."""
        if body is None:
            return None
        if self._post:
            body = _filter_json(body, self._post)
        return self.text(body)

    def live(self, part: RequestPart) -> RequestPart:
        """A live request as it would have been recorded (filters, patterns, ``before_record_request``):
        what replay matches against the cassette, so a redacted cassette still replays."""
        part = RequestPart(part.method, part.path, self.query(part.query), dict(part.headers), self.request_body(part.body))
        if self.before_record_request is not None:
            part = self.before_record_request(part) or part
            part.body = self._opt(part.body)
        return part

    # -- whole records -------------------------------------------------------------------------
    def learn(self, conn: Connection) -> None:
        """Note the secrets ``conn`` carries, so they are scrubbed wherever else they appear."""
        for name, value in [*conn.request_headers.items(), *conn.response_headers.items()]:
            key = name.lower()
            if key in self._headers or secret_header(key):
                self._learn_header(key, value)
        for name, value in parse_qsl(conn.query, keep_blank_values=True):
            if name in self._query or secret_query_name(name):
                self.add_secret(value)
        bodies = [conn.request_body] if isinstance(conn, HttpExchange) else [f.text for f in conn.frames if f.sender == "client"]
        for body in bodies:
            self.learn_text(body)
            if self._post and body:
                self._learn_post(body)

    def _learn_post(self, body: str) -> None:
        """The values of ``filter_post_data_parameters`` are secrets too (a reply may echo them)."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return
        for name in self._post.keys() & (data.keys() if isinstance(data, dict) else set()):
            if isinstance(data[name], str):
                self.add_secret(data[name])

    def connection(self, conn: Connection) -> Connection | None:
        """Scrub one connection and run the filters and hooks; None when a hook dropped it."""
        self.learn(conn)
        try:
            scrubbed: Connection | None = self._scrub(conn, filters=True)
        except _Dropped:
            return None
        for hook in self.hooks:  # type: ignore[union-attr]
            if scrubbed is None:
                return None
            scrubbed = hook(scrubbed)
        return self._scrub(scrubbed, filters=False) if scrubbed is not None else None

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
            return {
                self.text(str(k)): REDACTED if isinstance(v, str) and secret_field(str(k), v) else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def _opt(self, value: str | None) -> str | None:
        return self.text(value) if value is not None else None

    def _binary(self, data: str | None) -> str | None:
        """A binary frame or body (base64) is scrubbed too: as UTF-8 text when it is, else byte for byte
        (Latin-1), so a token inside audio, an upload or a packed message is found as well."""
        if data is None:
            return None
        try:
            raw = base64.b64decode(data, validate=True)
        except ValueError:
            return data
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = raw.decode("latin-1"), "latin-1"
        clean = self.text(text)
        return data if clean == text else base64.b64encode(clean.encode(encoding)).decode("ascii")

    def _ending(self, ending: Ending | None) -> Ending | None:
        return replace(ending, reason=self.text(ending.reason)) if ending else None

    def _request(self, conn: Connection, method: str, body: str | None, filters: bool) -> str | None:
        if not filters:
            return self._opt(body)
        body = self.request_body(body)
        if self.before_record_request is None:
            return body
        part = self.before_record_request(RequestPart(method, conn.path, conn.query, dict(conn.request_headers), body))
        if part is None:
            raise _Dropped
        return self._opt(part.body)

    def _response(self, conn: Connection, body: str | None, filters: bool) -> str | None:
        if not filters or self.before_record_response is None or body is None:
            return self._opt(body)
        part = self.before_record_response(ResponsePart(conn.status, dict(conn.response_headers), body))
        if part is None:
            raise _Dropped
        return self._opt(part.body)

    def _frame(self, conn: Connection, frame: WsFrame, filters: bool) -> str | None:
        if frame.text is None:
            return None
        if frame.sender == "client":
            return self._request(conn, "WS", frame.text, filters)
        return self._response(conn, frame.text, filters)

    def _scrub(self, conn: Connection, *, filters: bool) -> Connection:
        """Scrub every string; with ``filters`` also run the vcrpy-style filters and record hooks (once)."""
        common: dict[str, Any] = {
            "path": self.text(conn.path),
            "query": self.query(conn.query),
            "request_headers": self.headers(conn.request_headers, REQUEST_HEADERS),
            "response_headers": self.headers(conn.response_headers, RESPONSE_HEADERS),
            "body": self._response(conn, conn.body, filters),
            "note": self._opt(conn.note),
        }
        if isinstance(conn, WsConnection):
            frames = [
                WsFrame(
                    f.t,
                    f.sender,
                    self._frame(conn, f, filters),
                    self._binary(f.binary),
                )
                for f in conn.frames
            ]
            return replace(conn, frames=frames, close=self._ending(conn.close), **common)
        events = None
        if conn.events is not None:
            events = [SseEvent(e.t, self.text(e.event), self._response(conn, e.data, filters) or "") for e in conn.events]
        request_body = self._request(conn, conn.method, conn.request_body, filters)
        return replace(
            conn,
            request_body=request_body,
            request_body_base64=self._binary(conn.request_body_base64),
            body_base64=self._binary(conn.body_base64),
            events=events,
            end=self._ending(conn.end),
            **common,
        )


def _filters(entries: Iterable[Filter], *, lower: bool = False) -> dict[str, str | None]:
    """vcrpy's filter lists: a name (replaced by REDACTED) or a (name, replacement) pair (None removes)."""
    out: dict[str, str | None] = {}
    for entry in entries:
        name, replacement = (entry, REDACTED) if isinstance(entry, str) else entry
        out[name.lower() if lower else name] = replacement
    return out


def _filter_json(body: str, names: Mapping[str, str | None]) -> str:
    """A JSON object body with the named top-level keys replaced (or removed); other bodies unchanged."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if not isinstance(data, dict) or not names.keys() & data.keys():
        return body
    for name, replacement in names.items():
        if name in data:
            if replacement is None:
                del data[name]
            else:
                data[name] = replacement
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def as_redactor(redact: Redactor | Hook | Iterable[Hook] | None) -> Redactor:
    """Accept a `Redactor`, one hook, a list of hooks, or None (the defaults)."""
    if redact is None:
        return Redactor()
    if isinstance(redact, Redactor):
        return redact
    if callable(redact):
        return Redactor(hooks=[redact])
    return Redactor(hooks=list(redact))
