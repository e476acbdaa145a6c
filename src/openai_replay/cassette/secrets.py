"""What counts as a secret: the one table of value shapes, and the rules for header and query names.

`VALUE_PATTERNS` lists every shape scrubbed anywhere in text (paths, queries, bodies, frames, SSE
data, close reasons, notes, meta). Each pattern's ``secret`` group is the part replaced; the rest
of the match (a parameter name, ``Bearer``, a URL's scheme) stays, so a redacted cassette still
reads. What a pattern finds is also *learned* by the `Redactor`, and then scrubbed wherever else
it appears.

No well-kept library fits this job: detect-secrets (Yelp, last release 2024) finds OpenAI keys
only with the legacy ``T3BlbkFJ`` marker, so it misses ``sk-proj-`` keys with ``.`` or ``/`` and short
keys, and its detectors report lines to review rather than spans to replace.
"""

from __future__ import annotations

import re
from typing import NamedTuple

REDACTED = "REDACTED"

#: Words that make a header secret wherever they appear in its name (requests and responses).
SECRET_HEADER_WORDS = ("authorization", "key", "token", "secret", "cookie", "session")
#: Secret whatever their name says: identities that tie a cassette to an account.
ALWAYS_SECRET_HEADERS = frozenset({"openai-organization", "openai-project"})
#: Names with a secret word that carry counts, not credentials: kept when allowlisted, never learned.
COUNTER_HEADERS = frozenset(
    {"x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", "idempotency-key"}
)
#: Query parameters that are secret by name; any name containing one of `SECRET_NAME_WORDS` is too.
SECRET_QUERY_NAMES = frozenset({"api_key", "api-key", "key", "token", "access_token", "sig"})
SECRET_NAME_WORDS = ("key", "token", "secret", "password", "signature")

_NAME = r"[^=&#\s\"'\\]*"
_VALUE = r"[^&#\s\"'\\]+"


class ValuePattern(NamedTuple):
    """A secret shape: what it is, its regex (group ``secret`` is replaced) and the replacement."""

    name: str
    pattern: re.Pattern[str]
    replacement: str = REDACTED


VALUE_PATTERNS: tuple[ValuePattern, ...] = (
    ValuePattern(
        "OpenAI API key: sk-..., sk-proj-..., sk-svcacct-..., sk-admin-..., with . or /, short ones",
        re.compile(
            r"(?<![A-Za-z0-9_\-])(?P<secret>sk-(?:(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-./+]{4,}"
            r"|(?=[A-Za-z0-9_\-./+]*\d)[A-Za-z0-9_\-./+]{6,}|[A-Za-z0-9_\-./+]{16,}))"
        ),
        "sk-" + REDACTED,
    ),
    ValuePattern("JWT", re.compile(r"(?P<secret>\beyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)")),
    ValuePattern("Bearer or Basic credentials", re.compile(r"(?i)\b(?:bearer|basic)\s+(?P<secret>[A-Za-z0-9_\-.~+/=]{6,})")),
    ValuePattern("URL userinfo (user:password@)", re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://(?P<secret>[^/\s@?#\"']+)@")),
    ValuePattern(
        "secret query parameter (api_key=, key=, token=, sig=, *secret*=, *password*=, ...)",
        re.compile(
            r"(?i)(?:^|[?&])(?:api[_-]key|key|token|access_token|sig|" + _NAME + r"(?:key|token|secret|password|signature)"
            + _NAME + r")=(?P<secret>" + _VALUE + ")"
        ),
    ),
    ValuePattern(
        'secret JSON field ("api_key": "...", "client_secret": "...", "access_token": "...")',
        re.compile(
            r'(?i)"[^"\\]*(?:key|secret|password|signature|[a-z]_token)"\s*:\s*"(?P<secret>(?:[^"\\]|\\.)+)"'
        ),
    ),
)


def secret_header(name: str) -> bool:
    """Whether a header (either direction) is a credential: dropped from the cassette, its value learned."""
    key = name.lower()
    if key in COUNTER_HEADERS:
        return False
    return key in ALWAYS_SECRET_HEADERS or any(word in key for word in SECRET_HEADER_WORDS)


def secret_query_name(name: str) -> bool:
    """Whether a query parameter's value is a secret."""
    key = name.lower()
    return key in SECRET_QUERY_NAMES or any(word in key for word in SECRET_NAME_WORDS)


def cookie_values(value: str) -> list[str]:
    """The values in a ``Cookie`` or ``Set-Cookie`` header (attributes such as ``Path`` left out)."""
    found = []
    for pair in re.split(r"[;,]\s*", value):
        name, sep, rest = pair.partition("=")
        if sep and name.strip().lower() not in ("path", "domain", "expires", "max-age", "samesite"):
            found.append(rest.strip().strip('"'))
    return found
