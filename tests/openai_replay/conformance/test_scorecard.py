"""The scorecard renders checks x clients, keeps reasons and evidence, and names unavailable clients."""

from __future__ import annotations

import json
from typing import Any

from openai_replay.conformance.adapter import Setting
from openai_replay.conformance.checks import CHECKS
from openai_replay.conformance.scorecard import as_json, markdown, table


def results() -> dict[str, Any]:
    cells = [
        {"check": "plain_turn", "client": "openai-ws", "status": "pass", "reason": "one request", "facts": {}},
        {
            "check": "never_ending_stream",
            "client": "openai-ws",
            "status": "fail",
            "reason": "hung: still waiting after 12 s",
            "facts": {"hung": True},
            "timeline": "+0.000s  conn 1  opened /v1/responses",
            "seconds": 12.3,
        },
        {"check": "http_500", "client": "openai-ws", "status": "n/a", "reason": "http only", "facts": {}},
    ]
    return {
        "clients": {
            "openai-ws": {"cells": cells, "versions": {"openai": "3.54.0"}, "seconds": 20.0},
            "videosdk-ws": {"unavailable": "videosdk.plugins.openai is not importable here"},
        }
    }


def test_table_has_a_row_per_check_and_lists_every_cell_that_did_not_pass() -> None:
    """The terminal table has one row per check, marks FAIL, and lists non-passing cells with their reason."""
    text = table(results())
    rows = [line for line in text.splitlines() if line.split(" ")[0] in {c.name for c in CHECKS} and " / " not in line]
    assert len(rows) == len(CHECKS)
    assert any(line.startswith("never_ending_stream") and "FAIL" in line for line in rows)
    assert "never_ending_stream / openai-ws: fail: hung: still waiting after 12 s" in text
    assert "videosdk-ws: not run: videosdk.plugins.openai is not importable here" in text
    assert "1 passed, 1 failed, 1 not applicable" in text


def test_markdown_shows_reasons_versions_and_the_timeline_of_failing_cells() -> None:
    """The Markdown names versions, gives each cell's reason, and a timeline for failing cells only."""
    text = markdown(results())
    assert "openai-ws: openai 3.54.0" in text
    assert "- **openai-ws**: fail: hung: still waiting after 12 s" in text
    assert "+0.000s  conn 1  opened /v1/responses" in text
    assert text.count("<details>") == 1
    assert "**videosdk-ws** was not run" in text


def test_json_keeps_the_evidence_and_drops_run_times() -> None:
    """The JSON keeps every cell's facts and timeline, without durations (a committed copy stays stable)."""
    data = json.loads(as_json(results()))
    cells = data["clients"]["openai-ws"]["cells"]
    assert cells[1]["facts"] == {"hung": True} and "timeline" in cells[1]
    assert all("seconds" not in cell for cell in cells)


def test_markdown_lists_every_non_default_setting_per_column() -> None:
    """The page has one settings row per column: each non-default setting with the checks it is changed in
    (or none), and what the client's defaults wait."""
    data = results()
    data["clients"]["openai-ws"] |= {"settings": {}, "default_wait": "forever"}
    setting = Setting("10 s", "the check cannot wait out the default", ("stall_past_timeout",))
    data["clients"]["livekit-ws"] = {
        "cells": [],
        "settings": {"APIConnectOptions(timeout=3.0)": setting.as_json()},
        "default_wait": "10 s per attempt",
    }
    text = markdown(data)
    assert "| openai-ws | none: the client's defaults in every check | forever |" in text
    assert (
        "| livekit-ws | `APIConnectOptions(timeout=3.0)` (default 10 s; the check cannot wait out the default) "
        "in: stall_past_timeout | 10 s per attempt |"
    ) in text
    assert "| videosdk-ws | not run | - |" in text
