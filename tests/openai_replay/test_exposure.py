"""Who can reach a server: the loopback test, the control token's comparison and the exposure rule."""

from __future__ import annotations

import pytest

from openai_replay.exposure import control_exposure_problem, is_loopback, token_matches


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST", "a.localhost", "::ffff:127.0.0.1"]
)
def test_loopback_addresses_are_loopback(host: str) -> None:
    """Every address only this machine can reach counts as loopback."""
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "", "192.168.1.5", "10.0.0.1", "example.com", "localhost.example.com"])
def test_anything_else_is_not_loopback(host: str) -> None:
    """Wildcards, LAN addresses and hostnames (which may resolve anywhere) are not loopback."""
    assert not is_loopback(host)


def test_the_control_api_off_loopback_needs_a_token() -> None:
    """The control API is refused on a non-loopback bind without a token, and allowed with one or when off."""
    problem = control_exposure_problem("0.0.0.0", True, None)
    assert problem is not None and "--control-token" in problem and "--no-control" in problem
    assert control_exposure_problem("0.0.0.0", True, "t0ken") is None
    assert control_exposure_problem("0.0.0.0", False, None) is None
    assert control_exposure_problem("127.0.0.1", True, None) is None


def test_token_comparison() -> None:
    """Only the exact token matches; a missing one never does."""
    assert token_matches("s3cret", "s3cret")
    assert not token_matches("s3cret", "s3cre") and not token_matches("s3cret", None) and not token_matches("s3cret", "")
