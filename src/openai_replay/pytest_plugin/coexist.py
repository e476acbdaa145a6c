"""Living beside pytest-recording (pytest glue): the shared ``--record-mode``, ``--block-network``
and ``--disable-recording``.

- ``--record-mode`` is one flag for both plugins; its help names both (`name_both_in_help`).
- ``--block-network`` (or the ``block_network`` marker) blocks every ``connect()`` to a host not in
  ``--allowed-hosts``, loopback included. While an openai-replay test runs, `loopback_allowed` adds
  the fake server's loopback address (and, when the test records, the upstream's host, as
  pytest-recording lets its own recordings through) and puts the block back afterwards.
- ``--disable-recording`` means "no cassettes, the real network". openai-replay cannot do that for a
  test that replays or records a cassette (its client points at the fake server), so such a test is
  refused with a message (`disable_recording_refusal`); scenario and simulated tests are unaffected.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

__all__ = ["RECORD_MODE_HELP", "disable_recording_refusal", "loopback_allowed", "name_both_in_help"]

RECORD_MODE_HELP = (
    "Cassette record mode for openai-replay (and VCR.py via pytest-recording, when installed): "
    "none (default: replay only), once, new_episodes, all, rewrite."
)


def name_both_in_help(config: pytest.Config) -> None:
    """Make pytest-recording's ``--record-mode`` help ('VCR.py record mode') name openai-replay too."""
    parser = getattr(config, "_parser", None)
    for group in getattr(parser, "_groups", []):  # what pytest builds its argparse parser from
        for option in getattr(group, "options", []):
            attrs = getattr(option, "_attrs", None)
            if "--record-mode" in option.names() and isinstance(attrs, dict):
                attrs["help"] = RECORD_MODE_HELP
    for action in getattr(getattr(parser, "optparser", None), "_actions", []):  # the parser already built
        if "--record-mode" in getattr(action, "option_strings", ()):
            action.help = RECORD_MODE_HELP


def disable_recording_refusal(request: pytest.FixtureRequest) -> str | None:
    """The message that refuses a cassette-backed test under ``--disable-recording``, or None."""
    try:
        disabled = request.config.getoption("disable_recording")
    except ValueError:  # pytest-recording is not installed: the flag does not exist
        return None
    if not disabled:
        return None
    return (
        f"{request.node.nodeid} replays or records a cassette, and --disable-recording asks for no cassettes: "
        "openai-replay cannot send this test's client to the real API. Run it without --disable-recording "
        "(use --record-mode=all or rewrite to record afresh from the upstream), or deselect it."
    )


def _blocking(request: pytest.FixtureRequest) -> bool:
    try:
        flag = bool(request.config.getoption("block_network"))
    except ValueError:
        return False
    return flag or request.node.get_closest_marker("block_network") is not None


@contextlib.contextmanager
def loopback_allowed(request: pytest.FixtureRequest, *urls: str) -> Iterator[None]:
    """Inside pytest-recording's network block, let connections to the hosts of ``urls`` through."""
    network: Any = sys.modules.get("pytest_recording.network")
    if network is None or not _blocking(request):
        yield
        return
    allowed = request.getfixturevalue("allowed_hosts")
    hosts = sorted({urlsplit(url).hostname or "" for url in urls} - {""})
    network.block(allowed_hosts=[*(allowed or []), *(f"^{re.escape(host)}$" for host in hosts)])
    try:
        yield
    finally:
        network.block(allowed_hosts=allowed)  # pytest-recording's own fixture unblocks after this
