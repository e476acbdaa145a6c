"""The audio runner names every column's adapter and records a column it cannot run, with why, never dropping it."""

from __future__ import annotations

import json
from pathlib import Path

from openai_replay.conformance.audio.runner import COLUMNS, EXTRAS, adapter, main


def test_every_column_names_its_adapter_and_an_extra_that_exists() -> None:
    """Each column's adapter class carries that column's name, and its extra is a conformance extra."""
    assert {name: adapter(name).column for name in COLUMNS} == {name: name for name in COLUMNS}
    assert EXTRAS == ["livekit", "pipecat", "videosdk"]


def test_a_column_whose_framework_is_not_installed_is_recorded_as_unavailable(tmp_path: Path) -> None:
    """Here (no livekit installed) the livekit-stt column runs nothing and says which distributions are missing."""
    out = tmp_path / "cells.json"
    assert main(["--json", str(out), "--column", "livekit-stt"]) == 0
    assert json.loads(out.read_text()) == {
        "columns": {"livekit-stt": {"unavailable": "not installed in this environment: livekit-plugins-openai, livekit-agents"}}
    }
