"""The secret table: every shape the issue lists is caught, look-alikes are left alone, and header and
query names follow the rules (key, token, secret, password, signature, cookie, session...)."""

from __future__ import annotations

import pytest

from openai_replay.cassette.redact import Redactor
from openai_replay.cassette.secrets import cookie_values, secret_header, secret_query_name

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("key sk-proj-Ab3_d.e/f-ghij0123 end", "key sk-REDACTED end"),
        ("sk-svcacct-AbCdEf0123456789", "sk-REDACTED"),
        ("sk-admin-XyZ0123.abc", "sk-REDACTED"),
        ("a short one: sk-ab12cd", "a short one: sk-REDACTED"),
        ("legacy sk-abcdefghijklmnopqrstu", "legacy sk-REDACTED"),
        (f"token {JWT} here", "token REDACTED here"),
        ("Authorization: Bearer abc.DEF-ghi_123", "Authorization: Bearer REDACTED"),
        ("see https://user:hunter2@example.com/v1", "see https://REDACTED@example.com/v1"),
        ("wss://x/v1/realtime?api-key=abc123&model=m", "wss://x/v1/realtime?api-key=REDACTED&model=m"),
        (
            "?key=abc&sig=xyz&client_secret=s3&Password=p&x-signature=q&ok=1",
            "?key=REDACTED&sig=REDACTED&client_secret=REDACTED&Password=REDACTED&x-signature=REDACTED&ok=1",
        ),
        (
            '{"metadata": {"api_key": "hunter22", "access_token": "t0k3n"}, "max_output_tokens": 5}',
            '{"metadata": {"api_key": "REDACTED", "access_token": "REDACTED"}, "max_output_tokens": 5}',
        ),
    ],
)
def test_every_shape_is_scrubbed(text: str, expected: str) -> None:
    """Each row of the table turns the secret into REDACTED (sk- keys into sk-REDACTED) and keeps the rest."""
    assert Redactor().text(text) == expected
    assert Redactor().text(expected) == expected  # scrubbing twice changes nothing


@pytest.mark.parametrize(
    "text",
    ["sk-learn", "risk-averse-0123456789", "a task-list", '{"token": "Hello", "logprob": -0.1}', '"cached_tokens": "x"'],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    """Words that merely look like secrets (and logprobs' "token" texts) are not touched."""
    assert Redactor().text(text) == text


def test_header_and_query_names() -> None:
    """Headers whose name says credential are secret in either direction; rate-limit counters are not."""
    for name in ("Authorization", "api-key", "X-Custom-Token", "Set-Cookie", "x-session-id", "x-client-secret", "OpenAI-Project"):
        assert secret_header(name), name
    for name in ("content-type", "x-ratelimit-remaining-tokens", "idempotency-key", "x-request-id"):
        assert not secret_header(name), name
    for name in ("api_key", "api-key", "key", "token", "access_token", "sig", "MyPassword", "x_signature"):
        assert secret_query_name(name), name
    assert not secret_query_name("model")
    assert cookie_values("session=abc123; Path=/; HttpOnly, other=zz9") == ["abc123", "zz9"]


def test_a_secret_found_in_one_place_is_scrubbed_everywhere() -> None:
    """A value learned from a header, cookie, query or JSON field is scrubbed in any other text."""
    redactor = Redactor(secrets=["user-listed-value"])
    redactor.headers({"Set-Cookie": "sid=cookievalue99; Path=/", "X-Custom-Token": "tok-custom-1"}, frozenset())
    redactor.learn_text('{"metadata": {"api_key": "metadata-key-7"}}')
    echoed = "cookievalue99 tok-custom-1 metadata-key-7 user-listed-value"
    assert redactor.text(echoed) == "REDACTED REDACTED REDACTED REDACTED"


def test_vcrpy_filters() -> None:
    """filter_headers / filter_query_parameters / filter_post_data_parameters replace or remove, and learn."""
    redactor = Redactor(
        filter_headers=[("x-trace", "TRACE")],
        filter_query_parameters=["tenant", ("drop", None)],
        filter_post_data_parameters=["user", ("metadata", None)],
        allow_headers=["x-trace"],
    )
    assert redactor.headers({"X-Trace": "trace-secret-1"}, frozenset()) == {"x-trace": "TRACE"}
    assert redactor.query("tenant=acme-corp&drop=1&model=m") == "tenant=REDACTED&model=m"
    assert redactor.request_body('{"user": "alice@example.com", "metadata": {"a": 1}, "model": "m"}') == (
        '{"user":"REDACTED","model":"m"}'
    )
    assert redactor.text("trace-secret-1 acme-corp") == "REDACTED REDACTED"
