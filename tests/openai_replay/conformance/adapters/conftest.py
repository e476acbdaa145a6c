"""Pinned conformance cells, one directory per client, each run only in that client's environment.

The clients pin different ``openai`` versions, so each has its own tox env / venv. A client's
directory is collected only when ``OPENAI_REPLAY_CONFORMANCE`` names its extra (the tox env sets
it); otherwise it is left out of collection, and the header says so: nothing is skipped silently.
"""

from __future__ import annotations

import os

import pytest

DIRECTORIES = {"openai": "openai", "livekit": "livekit", "pipecat": "pipecat", "videosdk": "videosdk", "livekit-js": "livekit_js"}
SELECTED = sorted({name.strip() for name in os.environ.get("OPENAI_REPLAY_CONFORMANCE", "").split(",") if name.strip()})

collect_ignore = [directory for extra, directory in DIRECTORIES.items() if extra not in SELECTED]


def pytest_report_header(config: pytest.Config) -> str:
    chosen = ", ".join(SELECTED) or "none (set OPENAI_REPLAY_CONFORMANCE=openai,livekit,pipecat,videosdk,livekit-js)"
    return f"conformance client cells collected for: {chosen}"


if SELECTED:
    # The clients log every retry and frame; the cells carry the evidence instead.
    from openai_replay.conformance.runner import _quiet

    _quiet()
