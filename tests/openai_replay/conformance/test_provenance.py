"""The committed scorecard is never stale: it records what produced it, and a changed check, adapter or
client pin, or a column run on another version than the pin, fails here with the command to regenerate."""

from __future__ import annotations

import json
from importlib.metadata import requires
from pathlib import Path

from openai_replay.conformance.provenance import REGENERATE, RERENDER, code_files, pins, provenance, stale
from openai_replay.conformance.scorecard import as_json, markdown

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "conformance.json"


def test_the_committed_scorecard_is_current() -> None:
    """docs/conformance.json was produced by this checkout's checks, adapters and client pins."""
    problems = stale(json.loads(COMMITTED.read_text(encoding="utf-8")))
    assert not problems, "docs/conformance.json is stale: " + "; ".join(problems) + f". Regenerate it: {REGENERATE}"


def test_the_committed_page_and_explanations_are_rendered_from_the_committed_cells() -> None:
    """conformance.md (up to its hand-written sections) and the JSON's explanations are what this checkout
    renders from the committed cells."""
    text = COMMITTED.read_text(encoding="utf-8")
    results = json.loads(text)
    assert as_json(results) == text, f"docs/conformance.json's explanations are stale. Re-render: {RERENDER}"
    page = COMMITTED.with_name("conformance.md").read_text(encoding="utf-8")
    # Hand-written sections (the audio and Realtime columns) may follow the generated page.
    assert page.startswith(markdown(results)), f"docs/conformance.md is stale. Re-render: {RERENDER}"


def test_a_changed_digest_or_an_unpinned_version_is_stale() -> None:
    """Another digest, or a column that ran another openai than the pin, is reported, each in its own words."""
    results = {
        "provenance": {"digest": "0" * 64},
        "clients": {"openai-chat": {"versions": {"openai": "3.54.0"}}, "openai-ws": {"versions": provenance()["pins"]}},
    }
    problems = stale(results)
    assert problems[0].startswith("it was produced by other check/adapter code or client pins (digest 000000000000")
    assert problems[1:] == [f"its openai-chat column ran openai 3.54.0, the pin is {pins()['openai']}"]
    assert stale({"provenance": provenance(), "clients": {}}) == []


def test_the_digest_covers_checks_adapters_and_the_js_lock() -> None:
    """The digested files are the checks, the runner, every adapter and the Node lock file."""
    names = {path.name for path in code_files()}
    assert {"checks.py", "timing.py", "followups.py", "runner.py", "adapter.py", "openai_sdk.py", "livekit.py"} <= names
    assert {"package-lock.json", "driver.mjs"} <= names
    assert not {"explore.py", "scorecard.py", "explanations.py", "provenance.py"} & names


def test_every_extra_pins_one_openai() -> None:
    """Each conformance extra pins openai, all to the same version: one openai for every column."""
    declared = [r for r in requires("openai-replay") or [] if "conformance-" in r and r.startswith("openai[")]
    extras = {r.split('extra == "')[1].rstrip('"') for r in declared}
    assert extras == {"conformance-openai", "conformance-livekit", "conformance-pipecat", "conformance-videosdk"}
    assert len({r.split("==")[1].split(";")[0] for r in declared}) == 1


def test_every_python_column_records_the_one_openai_pin() -> None:
    """Each Python column of the committed scorecard ran the pinned openai; LiveKit JS names Node's own openai."""
    from openai_replay.conformance.clients import BY_NAME

    results = json.loads(COMMITTED.read_text(encoding="utf-8"))
    for client, data in results["clients"].items():
        versions = data.get("versions") or {}
        if BY_NAME[client].extra == "livekit-js":
            assert "openai (npm)" in versions and "openai" not in versions, client
        else:
            assert versions.get("openai") == pins()["openai"], f"{client} records openai {versions.get('openai')}"
