"""Fake secrets of every shape the widely used detectors look for, built in the vendors' real formats
(never real ones), and the places a probe plants them.

Every token holds ``PLANT`` so that a probe can also find a *part* of a secret that leaked. The random
parts come from a seeded generator, so a failure names the same token on every run.
"""

from __future__ import annotations

import base64
import json
import random
import string
from typing import Any

MARK = "PLANT"
_rng = random.Random(21)
UPPER_DIGITS = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


def _pick(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _pem() -> str:
    body = base64.b64encode(MARK.encode() + bytes(_rng.randrange(256) for _ in range(180))).decode()
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN RSA PRIVATE KEY-----\n{lines}\n-----END RSA PRIVATE KEY-----"


def _jwt() -> str:
    header = _b64url({"alg": "HS256", "typ": "JWT"})
    payload = _b64url({"sub": f"{MARK}-user", "iat": 1700000000})
    return f"{header}.{payload}.{MARK}{_pick(ALNUM + '-_', 38)}"


#: name -> a fake token in the vendor's format (what `test_secret_shapes` checks against detect-secrets).
_DIGITS, _LOWER_DIGITS, _HEX = string.digits, string.ascii_lowercase + string.digits, "0123456789abcdef"
TOKENS: dict[str, str] = {
    "aws_access_key_id": "AKIA" + MARK + _pick(UPPER_DIGITS, 11),
    "aws_sts_key_id": "ASIA" + MARK + _pick(UPPER_DIGITS, 11),
    "github_classic": "ghp_" + MARK + _pick(ALNUM, 31),
    "github_oauth": "gho_" + MARK + _pick(ALNUM, 31),
    "github_fine_grained": "github_pat_11" + MARK + _pick(UPPER_DIGITS, 15) + "_" + _pick(ALNUM, 59),
    "gitlab": "glpat-" + MARK + _pick(ALNUM, 15),
    "slack_bot": f"xoxb-{_pick(_DIGITS, 12)}-{_pick(_DIGITS, 13)}-{MARK.lower()}{_pick(_LOWER_DIGITS, 19)}",
    "slack_user": f"xoxp-{_pick(_DIGITS, 12)}-{_pick(_DIGITS, 12)}-{_pick(_DIGITS, 13)}-{MARK.lower()}{_pick(_HEX, 27)}",
    "google_api_key": "AIza" + MARK + _pick(ALNUM + "-_", 30),
    "stripe_live": "sk_live_" + MARK + _pick(ALNUM, 19),
    "stripe_restricted": "rk_live_" + MARK + _pick(ALNUM, 19),
    "pem_private_key": _pem(),
    "jwt": _jwt(),
    "openai_project": "sk-proj-" + MARK + _pick(ALNUM + "-_", 20) + _pick(ALNUM, 20) + "T3BlbkFJ" + _pick(ALNUM, 20),
    "openai_ephemeral": "ek_" + _pick("0123456789abcdef", 32),  # hex only: no room for the mark
    "npm": "npm_" + MARK + _pick(ALNUM, 31),
    "sendgrid": "SG." + MARK + _pick(ALNUM, 17) + "." + _pick(ALNUM + "-_", 43),
}

#: Secrets that only their name gives away: high-entropy values a detector finds by the key next to them.
AWS_SECRET = MARK + _pick(ALNUM + "/+", 35)  # 40 characters, as AWS secret access keys are
NAMED: dict[str, str] = {
    "password": MARK + "pw-" + _pick(ALNUM, 9),
    "api_key": MARK + _pick(ALNUM, 27),
    "secret": MARK + _pick(ALNUM, 27),
    "token": MARK + _pick(ALNUM, 27),
    "accessToken": MARK + _pick(ALNUM, 27),
    "authorization": MARK + _pick(ALNUM, 27),
    "credentials": MARK + _pick(ALNUM, 27),
    "aws_secret_access_key": AWS_SECRET,
}

#: Query parameters that carry credentials by name (OAuth codes, sessions, AWS presigned URLs).
QUERY: dict[str, str] = {
    "code": "4/0A" + MARK + _pick(ALNUM, 30),
    "auth": MARK + _pick(ALNUM, 20),
    "sessionid": MARK + _pick(ALNUM, 24),
    "X-Amz-Credential": "AKIA" + MARK + _pick(UPPER_DIGITS, 11) + "/20261204/us-east-1/s3/aws4_request",
    "X-Amz-Signature": MARK.lower() + _pick("0123456789abcdef", 59),
    "api_key": MARK + _pick(ALNUM, 20),
}

BASIC_AUTH_PASSWORD = MARK + "basic" + _pick(ALNUM, 10)
BASIC_AUTH_URL = f"https://deploy:{BASIC_AUTH_PASSWORD}@git.example.com/org/repo.git"


def every_secret() -> list[str]:
    """Each planted value (what must not appear in any output)."""
    return [*TOKENS.values(), *NAMED.values(), *QUERY.values(), BASIC_AUTH_PASSWORD]


def leaks(text: str) -> list[str]:
    """The planted values (or pieces of them: anything with the mark) that ``text`` still holds."""
    found = [s for s in every_secret() if s in text or s.replace("/", "\\/") in text]
    if MARK in text or MARK.lower() in text:
        at = text.find(MARK) if MARK in text else text.find(MARK.lower())
        found.append(f"...{text[max(0, at - 60) : at + 60]}...")
    return found


def tokens_text() -> str:
    """Every vendor token and the basic-auth URL in one prose string."""
    return " ".join(f"{name}: {value}" for name, value in TOKENS.items()) + f" clone {BASIC_AUTH_URL}"


def named_object() -> dict[str, Any]:
    """The name-only secrets as a JSON object (the shape of a tool call's arguments)."""
    return dict(NAMED)


def query_string() -> str:
    """The query-name secrets as a URL query string."""
    from urllib.parse import urlencode

    return urlencode(QUERY)
