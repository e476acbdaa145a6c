"""The scorecard: checks x clients, as a terminal table, Markdown and JSON (with the evidence).

Input is the merged runner output (``{"clients": {name: {"cells": [...]} | {"unavailable": why}}}``).
Every non-passing cell keeps its timeline; the Markdown adds the explanation of each
non-passing cell (see `explanations`) naming the client's code responsible.
"""

from __future__ import annotations

import json
from typing import Any

from openai_replay.conformance.checks import CHECKS
from openai_replay.conformance.clients import BY_NAME
from openai_replay.conformance.explanations import explain
from openai_replay.conformance.observe import NEXT_ANSWER_BOUND
from openai_replay.conformance.timing import DEFAULT_TIMEOUT_WAIT

MARK = {"pass": "pass", "fail": "FAIL", "n/a": "n/a"}


def _cells(results: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for client, data in results.get("clients", {}).items():
        for cell in data.get("cells", []):
            found[(cell["check"], client)] = cell
    return found


def _clients(results: dict[str, Any]) -> list[str]:
    names = list(results.get("clients", {}))
    order = list(BY_NAME)
    return sorted(names, key=lambda n: order.index(n) if n in order else len(order))


def table(results: dict[str, Any]) -> str:
    """The terminal table, then one line per cell that did not pass."""
    clients = _clients(results)
    cells = _cells(results)
    width = max(len(c.name) for c in CHECKS)
    cols = [max(len(c), 4) for c in clients]
    lines = [" " * width + "  " + "  ".join(c.ljust(w) for c, w in zip(clients, cols, strict=True))]
    for check in CHECKS:
        row = []
        for client, w in zip(clients, cols, strict=True):
            cell = cells.get((check.name, client))
            row.append((MARK.get(cell["status"], "?") if cell else "-").ljust(w))
        lines.append(check.name.ljust(width) + "  " + "  ".join(row))
    for client in clients:
        data = results["clients"][client]
        if "unavailable" in data:
            lines.append(f"\n{client}: not run: {data['unavailable']}")
    lines.append("")
    for check in CHECKS:
        for client in clients:
            cell = cells.get((check.name, client))
            if cell and cell["status"] != "pass":
                lines.append(f"{check.name} / {client}: {cell['status']}: {cell['reason']}")
    counts = {s: sum(1 for c in cells.values() if c["status"] == s) for s in ("pass", "fail", "n/a")}
    lines.append(f"\n{counts['pass']} passed, {counts['fail']} failed, {counts['n/a']} not applicable")
    return "\n".join(lines)


def markdown(results: dict[str, Any]) -> str:
    clients = _clients(results)
    cells = _cells(results)
    out = [
        "# Conformance scorecard",
        "",
        "Real clients driven through every fault by the fake server (`openai-replay conformance`).",
        "Each cell is one check run against one client; a hanging client fails its cell (every turn is bounded).",
        "Regenerate: `openai-replay conformance --output docs` (see docs/conformance-howto.md).",
        "",
        "Versions: " + "; ".join(_versions(results, c) for c in clients),
        "",
        f"Produced by check and adapter code and client pins with digest `{_digest(results)}`; a test fails "
        "when the checkout's differs (the scorecard is stale).",
        "",
        "Every column runs its client at the client's default settings in every check, except a setting listed",
        "here, changed only in the checks it names (those that cannot finish within their bound at the default;",
        "each with its default and why), whose cells name it too. A check that waits on a stream gone silent waits",
        f"{DEFAULT_TIMEOUT_WAIT:.0f} s, past the longest finite default timeout of these clients (10 s), so a client's",
        "real default decides the cell; one that would wait longer fails as hung, with how long it would really wait.",
        f"After an interruption, a cancel or a retry the user must get the answer within {NEXT_ANSWER_BOUND:.0f} s (a client's",
        "own backoff counts; a retry after a failure with `retry-after` is allowed that delay on top).",
        "Every Python column runs one `openai` package, the pin of its extra; livekit-js-ws runs Node's `openai`",
        "(npm), listed as `openai (npm)`.",
        "",
        "| column | non-default settings | at its defaults, a silent stream is waited on |",
        "| --- | --- | --- |",
        *(_settings_row(results, c) for c in clients),
        "",
        "| check | " + " | ".join(clients) + " |",
        "| --- | " + " | ".join("---" for _ in clients) + " |",
    ]
    for check in CHECKS:
        row = []
        for client in clients:
            cell = cells.get((check.name, client))
            row.append({"pass": "pass", "fail": "**fail**", "n/a": "n/a"}.get(cell["status"], "?") if cell else "not run")
        out.append(f"| [{check.name}](#{check.name.replace('_', '-')}) | " + " | ".join(row) + " |")
    for client in clients:
        data = results["clients"][client]
        if "unavailable" in data:
            out += ["", f"**{client}** was not run: {data['unavailable']}"]
    for check in CHECKS:
        out += ["", f"## {check.name.replace('_', '-')}", "", f"*{check.title}*", ""]
        for client in clients:
            cell = cells.get((check.name, client))
            if not cell:
                continue
            out.append(f"- **{client}**: {cell['status']}: {cell['reason']}")
            why = explain(cell | {"client": client})
            if why:
                out.append(f"  - why: {why}")
            if cell["status"] == "fail" and cell.get("timeline"):
                out += ["  <details><summary>timeline</summary>", "", "  ```"]
                out += ["  " + line for line in str(cell["timeline"]).splitlines()]
                out += ["  ```", "  </details>"]
    return "\n".join(out) + "\n"


def page(results: dict[str, Any], audio: dict[str, Any] | None = None) -> str:
    """docs/conformance.md: the scorecard, then the audio columns' section when their results are given."""
    if audio is None:
        return markdown(results)
    from openai_replay.conformance.audio.scorecard import markdown as audio_markdown

    return markdown(results) + "\n" + audio_markdown(audio)


def _settings_row(results: dict[str, Any], client: str) -> str:
    data = results["clients"][client]
    if "cells" not in data:
        return f"| {client} | not run | - |"
    settings = data.get("settings") or {}
    shown = "; ".join(_setting(name, how) for name, how in settings.items()) or "none: the client's defaults in every check"
    return f"| {client} | {shown} | {data.get('default_wait', '?')} |"


def _setting(name: str, how: Any) -> str:
    """One non-default setting: where it applies, its default and why (an older scorecard kept only the why)."""
    if isinstance(how, str):
        return f"`{name}` ({how}) in every check"
    checks = ", ".join(how.get("checks") or []) or "no check"
    return f"`{name}` (default {how.get('default')}; {how.get('why')}) in: {checks}"


def _digest(results: dict[str, Any]) -> str:
    return str((results.get("provenance") or {}).get("digest", "unrecorded"))[:16]


def _versions(results: dict[str, Any], client: str) -> str:
    data = results["clients"][client]
    found = data.get("versions") or {}
    shown = ", ".join(f"{k} {v}" for k, v in sorted(found.items())) or "?"
    return f"{client}: {shown}"


def as_json(results: dict[str, Any]) -> str:
    """The evidence: every cell with its reason, facts, turns, requests and (if not passing) timeline."""
    enriched = json.loads(json.dumps(results))
    for client, data in enriched.get("clients", {}).items():
        for cell in data.get("cells", []):
            cell.pop("explanation", None)  # rendered afresh: an explanation may have changed or gone
            why = explain(cell | {"client": client})
            if why:
                cell["explanation"] = why
            cell.pop("seconds", None)
        data.pop("seconds", None)
    return json.dumps(enriched, indent=2, sort_keys=True) + "\n"
