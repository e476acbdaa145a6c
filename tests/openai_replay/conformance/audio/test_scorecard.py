"""The audio columns' section of docs/conformance.md is rendered from recorded cells, never hand-written:
the committed page and JSON are what this checkout renders, current, and every non-passing cell explained."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from openai_replay.cli.main import main as cli_main
from openai_replay.conformance.audio.checks import CHECKS
from openai_replay.conformance.audio.explanations import EXPLANATIONS
from openai_replay.conformance.audio.runner import COLUMNS
from openai_replay.conformance.audio.scorecard import HEADING, REGENERATE, RERENDER, as_json, markdown, stale
from openai_replay.conformance.scorecard import markdown as llm_markdown
from openai_replay.conformance.scorecard import page

DOCS = Path(__file__).resolve().parents[4] / "docs"
COMMITTED = DOCS / "conformance-audio.json"


def results() -> dict[str, Any]:
    def cell(name: str, status: str, reason: str, changed: str = "") -> dict[str, Any]:
        return {"check": name, "client": "livekit-tts", "status": status, "reason": reason, "changed": changed, "seconds": 1.5}

    cells = [cell(c.name, "pass", "one request, the exact text heard back") for c in CHECKS]
    cells[2] = cell("http_429_retry_after", "fail", "retried after 0.11 s, ignoring retry-after: 1")
    cells[5] = cell("stall_past_timeout", "pass", "timed out and retried [cut to 2 s]", changed="cut to 2 s")
    return {
        "columns": {
            "livekit-tts": {
                "cells": cells,
                "versions": {"livekit-agents": "1.8.9"},
                "default_timeout": "30 s",
                "setting_note": None,
            },
            "videosdk-stt": {"unavailable": "not installed in this environment: videosdk-agents"},
        },
        "provenance": {"digest": "ab" * 32},
    }


def test_the_section_has_a_row_per_check_the_changed_settings_and_each_non_passing_cell_with_its_reason() -> None:
    """One table row per check, **fail** marked, the stall cell's setting as a footnote, reasons and explanations."""
    text = markdown(results())
    assert text.startswith(HEADING + "\n")
    rows = [line for line in text.splitlines() if line.startswith("| ") and "(" in line.split("|")[1]]
    assert [row.split(" (")[0][2:] for row in rows] == [c.name for c in CHECKS]
    assert "| **fail** | not run |" in rows[2] and "| pass\\* |" in rows[5]
    assert "- livekit-tts: cut to 2 s" in text
    assert "- **livekit-tts: http_429_retry_after: fail**: retried after 0.11 s, ignoring retry-after: 1" in text
    assert EXPLANATIONS[("http_429_retry_after", "livekit-tts", "fail")] in text
    assert "**videosdk-stt** was not run: not installed in this environment: videosdk-agents" in text
    assert "Versions: livekit-tts: livekit-agents 1.8.9; videosdk-stt: not run" in text
    assert "| livekit-tts | none: the framework's defaults | 30 s |" in text and "abababababababab" in text


def test_a_non_passing_cell_without_an_explanation_says_so() -> None:
    """A cell nobody has explained yet is listed as not yet explained (never left out)."""
    data = results()
    data["columns"]["livekit-tts"]["cells"][1] |= {"status": "fail", "reason": "held the audio"}
    assert "- **livekit-tts: streaming: fail**: held the audio\n  - why: not yet explained" in markdown(data)


def test_json_drops_run_times_and_carries_the_explanations() -> None:
    """The JSON keeps every cell without its duration, with the explanation of each explained cell."""
    cells = json.loads(as_json(results()))["columns"]["livekit-tts"]["cells"]
    assert all("seconds" not in c for c in cells)
    assert cells[2]["explanation"] == EXPLANATIONS[("http_429_retry_after", "livekit-tts", "fail")]
    assert "explanation" not in cells[0]


def test_the_page_is_the_scorecard_then_the_audio_section() -> None:
    """page() is the LLM scorecard alone without audio results, and followed by the audio section with them."""
    llm = {"clients": {}}
    assert page(llm) == llm_markdown(llm)
    assert page(llm, results()) == llm_markdown(llm) + "\n" + markdown(results())


def test_the_committed_audio_section_is_rendered_from_the_committed_cells() -> None:
    """docs/conformance-audio.json is what as_json renders, and docs/conformance.md ends with its section."""
    text = COMMITTED.read_text(encoding="utf-8")
    data = json.loads(text)
    assert as_json(data) == text, f"docs/conformance-audio.json's explanations are stale. Re-render: {RERENDER}"
    conformance = (DOCS / "conformance.md").read_text(encoding="utf-8")
    assert conformance.count(HEADING) == 1
    assert conformance.endswith("\n\n" + markdown(data)), "docs/conformance.md's audio section is stale: re-render it"


def test_the_committed_audio_cells_are_current() -> None:
    """docs/conformance-audio.json was produced by this checkout's audio battery and the pinned frameworks."""
    problems = stale(json.loads(COMMITTED.read_text(encoding="utf-8")))
    assert not problems, "docs/conformance-audio.json is stale: " + "; ".join(problems) + f". Regenerate it: {REGENERATE}"


def test_every_non_passing_committed_cell_is_explained_and_every_explanation_is_used() -> None:
    """An explanation exists exactly for the committed cells that did not pass (a changed cell drops its text)."""
    data = json.loads(COMMITTED.read_text(encoding="utf-8"))
    needed = {(c["check"], column, c["status"]) for column, col in data["columns"].items() for c in col.get("cells", [])}
    needed = {key for key in needed if key[2] != "pass"}
    assert set(EXPLANATIONS) == needed
    assert all("unavailable" not in col for col in data["columns"].values())


@pytest.mark.slow
def test_the_cli_runs_the_audio_battery_per_environment_and_renders_the_page(tmp_path: Path) -> None:
    """--audio runs the runner in each framework's interpreter; one without the framework gives unavailable columns."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "conformance.json").write_text(json.dumps({"clients": {}}))
    here = [arg for extra in ("livekit", "pipecat", "videosdk") for arg in ("--python", f"{extra}={sys.executable}")]
    assert cli_main(["conformance", "--audio", "--output", str(out), *here]) == 0
    data = json.loads((out / "conformance-audio.json").read_text())
    assert sorted(data["columns"]) == sorted(COLUMNS)
    assert data["columns"]["livekit-tts"]["unavailable"].startswith("not installed in this environment: livekit-plugins-openai")
    page_text = (out / "conformance.md").read_text()
    assert page_text.endswith("\n\n" + markdown(data)) and "**pipecat-stt** was not run" in page_text


def test_each_explanation_agrees_with_what_its_committed_cell_recorded() -> None:
    """The explanations' claims hold in the cells' own evidence: LiveKit retries a 429 at once (0.1 s, not the
    retry-after), VideoSDK makes one request and reports an error, LiveKit's cut TTS plays duplicated speech."""
    data = json.loads(COMMITTED.read_text(encoding="utf-8"))
    cells = {(c["check"], column): c for column, col in data["columns"].items() for c in col.get("cells", [])}
    for column in ("livekit-tts", "livekit-stt"):
        facts = cells[("http_429_retry_after", column)]["facts"]
        assert facts["attempts"] >= 2 and facts["retry_gap_s"] < 0.5 and facts["heard"] is not None, facts
    for column in ("videosdk-tts", "videosdk-stt"):
        for name in ("http_429_retry_after", "http_500"):
            facts = cells[(name, column)]["facts"]
            assert facts["attempts"] == 1 and facts["ended"] == "error" and facts["errors"], facts
    cut = cells[("cut_stream", "livekit-tts")]
    assert cut["reason"].startswith("duplicated speech") and cut["facts"]["attempts"] == 2
    for column in ("livekit-stt", "pipecat-stt", "videosdk-stt"):  # n/a: the request log agreed no stream was asked for
        assert cells[("streaming", column)]["status"] == "n/a" and cells[("streaming", column)]["facts"]["attempts"] == 1
