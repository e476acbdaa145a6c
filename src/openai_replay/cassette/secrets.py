"""What counts as a secret: the one table of value shapes, and the rules for header and query names.

`VALUE_PATTERNS` lists every shape scrubbed anywhere in text (paths, queries, bodies, frames, SSE
data, close reasons, notes, meta, log lines, error messages). It has three parts:

- OpenAI keys (``sk-...`` of every kind), JWTs, ``Bearer``/``Basic`` credentials and URL userinfo;
- `TOKEN_SHAPES`: vendor tokens recognisable by their own format (AWS, GitHub, GitLab, Slack, Google,
  Stripe, PEM private keys, npm, PyPI, ...; see `openai_replay.cassette.secret_shapes`);
- values *next to a secret-like name*, wherever that name is written: a JSON field at any depth of
  escaping (so JSON inside a JSON string, such as a tool call's ``arguments``, too), a query or form
  parameter, ``name=value`` after a space or a newline, a ``Name: value`` line, a multipart part.
  A name that always means a credential (``password``, ``api_key``, ``client_secret``, ``accessToken``,
  ``authorization``, ``credentials`` ...) loses any value; a name that is also an ordinary word
  (``token``, as in logprobs) loses only a value that looks like a credential (`credential_like`).

Each pattern's ``secret`` group is the part replaced; the rest of the match (a parameter name,
``Bearer``, a URL's scheme) stays, so a redacted cassette still reads. What a pattern finds is also
*learned* by the `Redactor`, and then scrubbed wherever else it appears.

Why hand-written: see `openai_replay.cassette.secret_shapes` (detect-secrets audits the outputs in
the tests instead). Every regex here is linear: no nested quantifiers over the same characters.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from openai_replay.cassette.secret_shapes import REDACTED, TOKEN_SHAPES, ValuePattern

__all__ = [
    "REDACTED",
    "TOKEN_SHAPES",
    "VALUE_PATTERNS",
    "ValuePattern",
    "cookie_values",
    "credential_like",
    "name_windows",
    "secret_field",
    "secret_header",
    "secret_query_name",
]

#: Words that make a header secret wherever they appear in its name (requests and responses).
SECRET_HEADER_WORDS = ("authorization", "key", "token", "secret", "cookie", "session", "credential", "password", "auth")
#: Secret whatever their name says: identities that tie a cassette to an account.
ALWAYS_SECRET_HEADERS = frozenset({"openai-organization", "openai-project"})
#: Names with a secret word that carry counts or ids, not credentials: kept when allowlisted, never learned.
COUNTER_HEADERS = frozenset(
    {
        "x-ratelimit-limit-tokens",
        "x-ratelimit-remaining-tokens",
        "x-ratelimit-reset-tokens",
        "idempotency-key",
    }
)
#: Query parameters that are secret by exact name; any name containing one of `SECRET_NAME_WORDS` is too.
SECRET_QUERY_NAMES = frozenset(
    {"api_key", "api-key", "apikey", "key", "token", "access_token", "sig", "code", "auth", "sid", "jwt"}
)
SECRET_NAME_WORDS = ("key", "token", "secret", "password", "passwd", "pwd", "signature", "credential", "session", "cookie")

#: Name words that always mean a credential, anywhere in a name (`client_secret`, `X-Amz-Credential`).
_ANYWHERE = (
    r"secret|passw(?:or)?d|passphrase|credential|api[_\-.]?key|access[_\-.]?key|private[_\-.]?key"
    r"|authori[sz]ation|session[_\-.]?id"
)
#: Name words that mean a credential at the end of a name (`api_key`, `accessToken`, `x-auth`, `pwd`).
_AT_END = r"key|pwd|pass|signature|sig|cookie|auth|jwt|[a-z0-9][_\-.]?token"
#: Characters of a name (a JSON key may escape its slash: ``"api\/key"``).
_NC = r"(?:[A-Za-z0-9_.\-$@]|\\/)"
_NAME = rf"(?:{_NC}{{0,64}}?(?:{_ANYWHERE}){_NC}{{0,64}}|{_NC}{{0,64}}?(?:{_AT_END}))"
#: A value in a ``name=value`` or ``Name: value`` (up to a delimiter).
_VALUE = r"[^&#\s\"'\\,;<>]+"


def credential_like(value: str) -> bool:
    """Whether a value next to an ambiguous name (``token``) looks like a credential rather than a word:
    12 or more characters, no spaces, letters and digits, and about 3 bits of entropy per character."""
    value = value.replace("\\/", "/")
    if len(value) < 12 or any(c.isspace() for c in value):
        return False
    if not (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)):
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return entropy >= 3.0


def _not_a_count(value: str) -> bool:
    """A value after ``name=`` in free text: a credential, not a number or a short word."""
    return len(value) >= 6 and not value.isdigit()


def _not_a_word(value: str) -> bool:
    """A value after ``Name:``: a credential, not the first word of a sentence (``Key: understanding``)."""
    return not value.isalpha() or len(value) >= 16


def _named(name: str, regex: str, *hints: str, guard: Callable[[str], bool] | None = None) -> ValuePattern:
    return ValuePattern(name, re.compile(regex), REDACTED, tuple(hints), True, guard, near_name=True)


#: Where a name-based pattern can match: a secret-like word, the rest of its name, then ``=`` or ``:``
#: (perhaps after quotes), or a closing quote and a line end (a multipart part's name). The words are
#: found with ``str.find`` (fast); the rest is matched only where a word is.
_GATE_WORDS = (
    "key", "secret", "pass", "pwd", "credential", "authori", "session", "sig", "cookie", "auth", "jwt", "token", "code",
    "bearer", "value", "sid",
)  # fmt: skip
_GATE_TAIL = re.compile(r"[A-Za-z0-9_.\-$@/]{0,64}(?:[\\\"' \t]{0,16}[=:]|\\*\"(?:[\r\n;]|\\[rn]))")
_GATE = re.compile(r"(?i)(?:" + "|".join(_GATE_WORDS) + ")" + _GATE_TAIL.pattern)
#: How far a name-based match reaches before its name's word and after it (its value).
_BEFORE, _AFTER = 160, 4_600


def name_windows(text: str, folded: str | None = None) -> list[tuple[int, int]]:
    """The (start, end) stretches of ``text`` where a name-based pattern may match, merged."""
    folded = text.lower() if folded is None else folded
    if len(folded) == len(text):
        hits = []
        for word in _GATE_WORDS:
            at = folded.find(word)
            while at != -1:
                tail = _GATE_TAIL.match(text, at + len(word))
                if tail is not None:
                    hits.append((at, tail.end()))
                at = folded.find(word, at + 1)
        hits.sort()
    else:  # lower-casing changed the length (a few non-ASCII letters): the slower regex scan
        hits = [hit.span() for hit in _GATE.finditer(text)]
    windows: list[tuple[int, int]] = []
    for hit_start, hit_end in hits:
        start, end = max(0, hit_start - _BEFORE), min(len(text), hit_end + _AFTER)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


_NAME_HINTS = (
    "key", "secret", "pass", "pwd", "credential", "authori", "session", "sig", "cookie", "auth", "jwt", "token",
)  # fmt: skip
#: A JSON string's quote at any depth of escaping: ``"``, ``\"``, ``\\\"`` ... (group ``q`` holds the backslashes).
_Q_OPEN = r'(?P<q>\\*)"'
_Q_CLOSE = r'(?<!\\)(?P=q)"'

NAMED_PATTERNS: tuple[ValuePattern, ...] = (
    _named(
        'JSON field with a secret name, at any depth ("api_key": "...", \\"password\\": \\"...\\" in tool arguments)',
        rf"(?i){_Q_OPEN}(?={_NC}{{1,130}}\\*\"\s*:){_NAME}(?P=q)\"\s*:\s*(?P=q)\"(?P<secret>(?!(?P=q)\")[^\r\n]{{1,4000}}?){_Q_CLOSE}",
        *_NAME_HINTS,
    ),
    _named(
        'JSON field "token" or "code" holding a credential-like value',
        rf"(?i){_Q_OPEN}(?:token|code|value|bearer)(?P=q)\"\s*:\s*(?P=q)\"(?P<secret>[^\r\n\"\\]{{12,4096}}){_Q_CLOSE}",
        "token",
        "code",
        "value",
        "bearer",
        guard=credential_like,
    ),
    _named(
        "secret query or form parameter (?api_key=, &code=, X-Amz-Credential=, sessionid=, ...)",
        rf"(?i)(?:^|[?&])(?=[^=&#\s]{{1,130}}=)(?:{_NAME}|code|sid|state_token)=(?P<secret>{_VALUE})",
        *_NAME_HINTS,
        "code",
        "sid",
    ),
    _named(
        "name=value after a space, a newline or a separator (api_key=..., export TOKEN=...)",
        rf"(?i)(?:[\s(\[{{,;|]|\\[nt])(?={_NC}{{1,130}}\s*=){_NAME}\s*=\s*[\"']?(?P<secret>{_VALUE})",
        *_NAME_HINTS,
        guard=_not_a_count,
    ),
    _named(
        "token=... or token: ... in free text, holding a credential-like value",
        rf"(?i)(?:^|[\s(\[{{,;|?&]|\\n)(?:token|code|bearer)\s*[=:]\s*[\"']?(?P<secret>{_VALUE})",
        "token",
        "code",
        "bearer",
        guard=credential_like,
    ),
    _named(
        'Name: value line, or quoted (a header in an error message, curl -H "X-Api-Key: ...", a multipart part, YAML)',
        rf"(?im)(?:^|\\[nr]|(?<=[\"']))[ \t]*(?={_NC}{{1,130}}[ \t]*:)(?:{_NAME})[ \t]*:[ \t]*"
        rf"(?:(?:bearer|basic|token)[ \t]+)?(?P<secret>[^\s\"\\]{{4,}})",
        *_NAME_HINTS,
        guard=_not_a_word,
    ),
    _named(
        'multipart part with a secret name (name="api_key" ... blank line ... value)',
        rf"(?i)\bname=(?P<q>\\*)\"{_NAME}(?P=q)\"[^\r\n]{{0,512}}?(?:(?:\r?\n|\\r\\n|\\n)[^\r\n\\]{{1,256}}){{0,4}}?"
        r"(?:\r?\n|\\r\\n|\\n)(?:\r?\n|\\r\\n|\\n)(?P<secret>[^\r\n\\]{1,2048})",
        "name=",
    ),
)

VALUE_PATTERNS: tuple[ValuePattern, ...] = (
    ValuePattern(
        "OpenAI API key: sk-..., sk-proj-..., sk-svcacct-..., sk-admin-..., with . or / (also JSON-escaped \\/), short ones",
        re.compile(
            r"(?<!(?<!\\)[A-Za-z0-9_\-])(?P<secret>sk-(?:(?:proj|svcacct|admin|None|ant)-(?:[A-Za-z0-9_\-./+]|\\/){4,}"
            r"|(?=[A-Za-z0-9_\-./+]*\d)(?:[A-Za-z0-9_\-./+]|\\/){6,}|(?:[A-Za-z0-9_\-./+]|\\/){16,}))"
        ),
        "sk-" + REDACTED,
        ("sk-",),
    ),
    ValuePattern(
        "JWT",
        re.compile(r"(?<!(?<!\\)[A-Za-z0-9_])(?P<secret>eyJ[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]{4,}\.[A-Za-z0-9_\-]*)"),
        REDACTED,
        ("eyJ",),
    ),
    ValuePattern(
        "Bearer or Basic credentials",
        re.compile(
            r"(?<!(?<!\\)[A-Za-z0-9_])(?:(?i:bearer)\s+|Basic\s+(?=[A-Za-z0-9+/=]{8}))(?P<secret>(?:[A-Za-z0-9_\-.~+=]|\\?/){6,})"
        ),
        REDACTED,
        ("bearer", "basic"),
        True,
    ),
    ValuePattern(
        "URL userinfo (user:password@)",
        re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*:(?:\\?/){2}(?P<secret>[^/\s@?#\"'\\]+(?:\\[^/\s@?#\"'][^/\s@?#\"'\\]*)*)@"),
        REDACTED,
        ("@",),
    ),
    *TOKEN_SHAPES,
    *NAMED_PATTERNS,
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


_FIELD_ALWAYS = re.compile(rf"(?i){_NAME}")
_FIELD_AMBIGUOUS = frozenset({"token", "code", "value", "bearer"})


def secret_field(name: str, value: str) -> bool:
    """Whether ``value``, held under the JSON key ``name``, is a secret (the rule of the JSON-field patterns)."""
    if _FIELD_ALWAYS.fullmatch(name.replace("/", "\\/")):
        return bool(value)
    return name.lower() in _FIELD_AMBIGUOUS and credential_like(value)
