"""The vendor token shapes: each planted token is of its vendor's real format (detect-secrets' own
detector reports it, or the vendor's documented format matches it), each is scrubbed wherever it
sits, and data that merely resembles one (base64 audio, logprobs, error codes) is left alone."""

from __future__ import annotations

import base64
import json
import os
import re

import pytest
from detect_secrets.plugins.aws import AWSKeyDetector
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.github_token import GitHubTokenDetector
from detect_secrets.plugins.gitlab_token import GitLabTokenDetector
from detect_secrets.plugins.jwt import JwtTokenDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.private_key import PrivateKeyDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector
from secretkit import BASIC_AUTH_URL, TOKENS, leaks

from openai_replay.cassette.redact import Redactor

#: The detect-secrets detector that reports each planted token (the maintained ruleset's word on its format).
DETECTED_BY: dict[str, type[RegexBasedDetector]] = {
    "aws_access_key_id": AWSKeyDetector,
    "aws_sts_key_id": AWSKeyDetector,
    "github_classic": GitHubTokenDetector,
    "github_oauth": GitHubTokenDetector,
    "gitlab": GitLabTokenDetector,
    "slack_bot": SlackDetector,
    "slack_user": SlackDetector,
    "stripe_live": StripeDetector,
    "stripe_restricted": StripeDetector,
    "pem_private_key": PrivateKeyDetector,
    "jwt": JwtTokenDetector,
    "openai_project": OpenAIDetector,
    "sendgrid": SendGridDetector,
}
#: Formats detect-secrets has no detector for, as their vendors document them.
DOCUMENTED: dict[str, str] = {
    "github_fine_grained": r"github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}",
    "google_api_key": r"AIza[0-9A-Za-z_\-]{35}",
    "openai_ephemeral": r"ek_[0-9a-f]{32}",  # as in the Realtime API's client_secret (reference corpus)
    "npm": r"npm_[A-Za-z0-9]{36}",
}


def test_every_planted_token_is_of_its_vendors_real_format() -> None:
    """detect-secrets reports each token it has a detector for; the others match their documented format."""
    assert DETECTED_BY.keys() | DOCUMENTED.keys() == TOKENS.keys()
    for name, detector in DETECTED_BY.items():
        assert list(detector().analyze_string(TOKENS[name])), f"{detector.__name__} does not report {name}"
    for name, form in DOCUMENTED.items():
        assert re.fullmatch(form, TOKENS[name]), name
    assert list(BasicAuthDetector().analyze_string(BASIC_AUTH_URL))


def _contexts(token: str) -> list[str]:
    """Where a token may sit: alone, in prose, a header value, a URL, JSON, JSON in JSON, escaped slashes."""
    return [
        token,
        f"here is {token}, use it",
        f"my-app/1.0 ({token})",
        f"https://api.example.com/v1?x={token}&y=1",
        json.dumps({"a": [{"b": token}]}),
        json.dumps({"arguments": json.dumps({"note": token})}),
        json.dumps({"s": token}).replace("/", "\\/"),
        "x" * 6000 + "\n" + token,  # past the size where name windows start
    ]


@pytest.mark.parametrize("name", [*TOKENS, "basic_auth_url"])
def test_each_token_is_scrubbed_wherever_it_sits(name: str) -> None:
    """Every vendor token (and a basic-auth URL's password) is gone from every context it is planted in."""
    token = TOKENS.get(name, BASIC_AUTH_URL)
    for text in _contexts(token):
        assert leaks(Redactor().text(text)) == [], text[:120]


@pytest.mark.parametrize(
    "text",
    [
        '{"token": "Understanding", "logprob": -0.2, "bytes": [85]}',
        '{"error": {"code": "rate_limit_exceeded", "type": "requests"}}',
        '{"usage": {"input_tokens": 12, "output_tokens": 40, "total_tokens": 52}}',
        "a skeleton key: the basic idea, explained",
        '{"id": "resp_68af296e8e408191a1120ab6383263c2", "call_id": "call_Ab3dEf9hIjKlMnOp"}',
        "Bearer of good news? The answer is 42.",
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    """Words and ids that merely resemble secrets are not touched."""
    assert Redactor().text(text) == text


def test_base64_audio_is_kept_byte_for_byte() -> None:
    """A large audio frame passes unchanged (no shape may corrupt audio), and a key planted beside it still goes."""
    audio = base64.b64encode(os.urandom(600_000)).decode()
    frame = json.dumps({"type": "input_audio_buffer.append", "audio": audio})
    assert Redactor().text(frame) == frame
    planted = json.dumps({"type": "session.update", "api_key": TOKENS["stripe_live"], "audio": audio})
    assert leaks(Redactor().text(planted)) == [] and audio in Redactor().text(planted)
