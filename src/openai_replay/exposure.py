"""Who can reach a server: loopback or not, and the control API's token.

A fake server or a recording proxy binds loopback by default. Anything else is a decision the user
makes out loud (``--allow-remote``); the test-only control API then needs a token, and the recorder
stops lending the user's API key to callers (``--lend-key`` asks for it back). See docs/control-api.md.
"""

from __future__ import annotations

import hmac
import ipaddress
import os

#: The environment variable ``serve`` and `ReplayControl` read the control token from.
CONTROL_TOKEN_ENV = "OPENAI_REPLAY_CONTROL_TOKEN"
#: The header a control request carries the token in.
CONTROL_TOKEN_HEADER = "X-Replay-Control-Token"


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach: 127.0.0.0/8, ::1, ``localhost``."""
    name = host.strip().strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:  # a hostname: it may resolve anywhere
        return False
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1
    return bool((mapped or address).is_loopback)


def control_token_from_env() -> str | None:
    """The control token set in ``OPENAI_REPLAY_CONTROL_TOKEN`` (None when unset or empty)."""
    return os.environ.get(CONTROL_TOKEN_ENV) or None


def token_matches(expected: str, given: str | None) -> bool:
    """Compare in constant time, so the answer's timing says nothing about the token."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def control_exposure_problem(host: str, control: bool, token: str | None) -> str | None:
    """Why a server on ``host`` must not serve the control API this way, or None when it may."""
    if not control or token or is_loopback(host):
        return None
    return (
        f"the test-only control API would be open to anyone who reaches {host}: set a control token "
        f"(--control-token or {CONTROL_TOKEN_ENV}; FakeServer(control_token=...)) or turn the control API off "
        "(--no-control; FakeServer(control=False))"
    )
