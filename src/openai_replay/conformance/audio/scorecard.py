"""The audio columns as a section of docs/conformance.md, and their JSON (docs/conformance-audio.json).

Input is the merged audio runner output (``{"columns": {name: {"cells": [...]} | {"unavailable": why}},
"provenance": ...}``). The section is rendered from the cells only: each non-passing cell shows its own
reason (what the run saw) beside its explanation (`explanations`, why the framework does that).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from openai_replay.conformance.audio.checks import BOUND, CHECKS
from openai_replay.conformance.audio.explanations import explain
from openai_replay.conformance.audio.runner import COLUMNS

HEADING = "## Audio columns"
REGENERATE = "openai-replay conformance --audio --output docs"
RERENDER = "openai-replay conformance --from-json docs/conformance.json --output docs"
HERE = Path(__file__).resolve().parent
#: What renders the cells does not decide them (a test compares the page with a fresh rendering instead).
NOT_CODE = ("__init__.py", "scorecard.py", "explanations.py")
MARK = {"pass": "pass", "fail": "**fail**", "n/a": "n/a"}


def code_files() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name not in NOT_CODE)


def provenance() -> dict[str, Any]:
    """The digest of the audio battery's code (paths and bytes) and the client pins, and the pins."""
    from openai_replay.conformance.provenance import pins

    digest = hashlib.sha256()
    for path in code_files():
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    pinned = pins()
    digest.update(json.dumps(pinned, sort_keys=True).encode())
    return {"digest": digest.hexdigest(), "pins": pinned}


def stale(results: dict[str, Any]) -> list[str]:
    """Why ``results`` no longer says what this checkout's audio battery would: empty when current."""
    problems = []
    now = provenance()
    recorded = str((results.get("provenance") or {}).get("digest"))
    if recorded != now["digest"]:
        problems.append(
            f"it was produced by other audio check/adapter code or client pins ({recorded[:12]}, now {now['digest'][:12]})"
        )
    for column, data in results.get("columns", {}).items():
        for name, found in (data.get("versions") or {}).items():
            want = now["pins"].get(name.lower())
            if want is not None and found != want:
                problems.append(f"its {column} column ran {name} {found}, the pin is {want}")
    return problems


def _columns(results: dict[str, Any]) -> list[str]:
    order = list(COLUMNS)
    return sorted(results.get("columns", {}), key=lambda n: order.index(n) if n in order else len(order))


def _cell(results: dict[str, Any], column: str, name: str) -> dict[str, Any] | None:
    cells = results["columns"][column].get("cells", [])
    return next((c for c in cells if c["check"] == name), None)


def _versions(results: dict[str, Any], columns: list[str]) -> str:
    groups: dict[str, list[str]] = {}
    for column in columns:
        found = results["columns"][column].get("versions") or {}
        shown = ", ".join(f"{k} {v}" for k, v in sorted(found.items())) or "not run"
        groups.setdefault(shown, []).append(column)
    return "; ".join(f"{', '.join(names)}: {shown}" for shown, names in groups.items())


def markdown(results: dict[str, Any]) -> str:
    """The section, from ``## Audio columns`` to its end."""
    columns = _columns(results)
    out = [
        HEADING,
        "",
        "Generated from docs/conformance-audio.json by `openai-replay conformance`; run the audio battery again with",
        f"`{REGENERATE}` (each framework in its own environment, 15-30 s a column pair). The voice frameworks'",
        "OpenAI speech classes at their **default settings**, driven against the fake's audio endpoints",
        "(docs/audio.md) by `openai_replay.conformance.audio`, and pinned in",
        "`tests/openai_replay/conformance/adapters/<client>/test_<client>_audio.py` (run by `.ci/run` in each client's",
        "venv). A TTS cell passes only when the audio the framework decoded and handed on is heard back by our own STT",
        "(`voice.recognize`) as the exact text; an STT cell only when the framework's transcript is the exact text our",
        f"TTS spoke. Every call is bounded ({BOUND:.0f} s), so a framework that hangs fails its cell.",
        "",
        f"Produced by audio check and adapter code and client pins with digest `{_digest(results)}`; a test fails",
        "when the checkout's differs.",
        "",
        "Versions: " + _versions(results, columns),
        "",
        "How each column drives its framework:",
        "",
        *(f"- **{c}**: {results['columns'][c].get('driven') or 'not recorded'}" for c in columns),
        "",
        "| column | non-default settings | at its defaults, a stalled answer is waited on |",
        "| --- | --- | --- |",
        *(_settings_row(results, c) for c in columns),
        "",
        "| check | " + " | ".join(columns) + " |",
        "| --- | " + " | ".join("---" for _ in columns) + " |",
    ]
    for chk in CHECKS:
        row = []
        for column in columns:
            cell = _cell(results, column, chk.name)
            row.append((MARK.get(cell["status"], "?") + ("\\*" if _stall_note(cell) else "")) if cell else "not run")
        out.append(f"| {chk.name} ({chk.title}) | " + " | ".join(row) + " |")
    for column in columns:
        if "unavailable" in results["columns"][column]:
            out += ["", f"**{column}** was not run: {results['columns'][column]['unavailable']}"]
    out += [
        "",
        "What the checks accept: streaming passes when the first audio reaches the caller at least half the paced time",
        "before the last (it was played as it arrived, not held to the end); a 429 passes when the retry waits at least",
        "the `retry-after`; a cut stream or a stall passes when the framework recovers (the exact text, no duplicated",
        "audio) or reports the failure to its caller (raises, an `ErrorFrame`, an `error` event); a retry that already",
        "handed on the broken attempt's audio fails as duplicated speech; a silent loss or a hang fails.",
    ]
    stalls = [(c, _stall_note(_cell(results, c, "stall_past_timeout"))) for c in columns]
    if any(note for _, note in stalls):
        out += ["", "\\* The stall cell changed a setting, because the default timeout is far longer than a test can wait:", ""]
        out += [f"- {column}: {note}" for column, note in stalls if note]
    out += ["", "Every cell that did not pass: what the run saw, then why.", ""]
    for chk in CHECKS:
        for column in columns:
            cell = _cell(results, column, chk.name)
            if cell is None or cell["status"] == "pass":
                continue
            reason = _bare_reason(cell, results["columns"][column].get("setting_note"))
            out.append(f"- **{column}: {chk.name}: {cell['status']}**: {reason}")
            why = explain(cell | {"client": column})
            out.append(f"  - why: {why or 'not yet explained (add it to openai_replay/conformance/audio/explanations.py)'}")
    return "\n".join(out) + "\n"


def _settings_row(results: dict[str, Any], column: str) -> str:
    data = results["columns"][column]
    if "cells" not in data:
        return f"| {column} | not run | - |"
    shown = data.get("setting_note") or "none: the framework's defaults"
    return f"| {column} | {shown} | {data.get('default_timeout', '?')} |"


def _stall_note(cell: dict[str, Any] | None) -> str | None:
    """The setting a cell changed for itself (the stall cell's shorter timeout), or None."""
    return (cell or {}).get("changed") or None


def _bare_reason(cell: dict[str, Any], column_note: str | None) -> str:
    """The cell's reason without the bracketed settings notes (the tables above show those)."""
    reason = str(cell["reason"])
    for note in (cell.get("changed"), column_note):
        if note:
            reason = reason.replace(f" [{note}]", "")
    return reason


def _digest(results: dict[str, Any]) -> str:
    return str((results.get("provenance") or {}).get("digest", "unrecorded"))[:16]


def as_json(results: dict[str, Any]) -> str:
    """The evidence: every cell with its reason, facts, requests and explanation, without run times."""
    enriched = json.loads(json.dumps(results))
    for column, data in enriched.get("columns", {}).items():
        for cell in data.get("cells", []):
            cell.pop("seconds", None)
            cell.pop("explanation", None)  # rendered afresh: an explanation may have changed or gone
            why = explain(cell | {"client": column})
            if why:
                cell["explanation"] = why
    return json.dumps(enriched, indent=2, sort_keys=True) + "\n"
