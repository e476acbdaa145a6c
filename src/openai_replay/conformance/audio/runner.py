"""Run the audio battery over the columns whose framework this environment has; write the cells as JSON.

``python -m openai_replay.conformance.audio.runner --json cells.json [--column NAME] [--check NAME]`` is
what ``openai-replay conformance --audio`` runs in each client's environment (the frameworks pin
different versions, so each has its own). A column whose framework is not importable here is recorded
as unavailable, with the import error, never silently left out.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from openai_replay.conformance.audio.adapter import AudioAdapter
from openai_replay.conformance.audio.checks import NAMES, check, run_cell

#: Column -> (the conformance extra whose environment runs it, its adapter).
COLUMNS: dict[str, tuple[str, str]] = {
    "livekit-tts": ("livekit", "livekit:LiveKitTTS"),
    "livekit-stt": ("livekit", "livekit:LiveKitSTT"),
    "pipecat-tts": ("pipecat", "pipecat:PipecatTTS"),
    "pipecat-stt": ("pipecat", "pipecat:PipecatSTT"),
    "videosdk-tts": ("videosdk", "videosdk:VideoSDKTTS"),
    "videosdk-stt": ("videosdk", "videosdk:VideoSDKSTT"),
}
EXTRAS = sorted({extra for extra, _ in COLUMNS.values()})


def adapter(column: str) -> type[AudioAdapter]:
    """The column's adapter class (importing its module; the framework itself is imported when a cell runs)."""
    module, name = COLUMNS[column][1].split(":")
    found: type[AudioAdapter] = getattr(importlib.import_module(f"openai_replay.conformance.audio.{module}"), name)
    return found


def versions(packages: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for package in packages:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def missing(packages: tuple[str, ...]) -> str | None:
    """Why the column cannot run here (a distribution not installed), or None."""
    absent = [p for p in packages if versions((p,))[p] == "not installed"]
    return f"not installed in this environment: {', '.join(absent)}" if absent else None


async def run_column(column: str, checks: list[str]) -> dict[str, Any]:
    cls = adapter(column)
    why = missing(cls.packages)
    if why:
        return {"unavailable": why}
    cells = [await run_cell(cls, check(name)) for name in checks]
    return {
        "kind": cls.kind,
        "driven": cls.driven,
        "versions": versions(cls.packages),
        "default_timeout": cls.default_timeout,
        "setting_note": cls.setting_note,
        "cells": cells,
    }


async def run(columns: list[str], checks: list[str]) -> dict[str, Any]:
    return {"columns": {column: await run_column(column, checks) for column in columns}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openai_replay.conformance.audio.runner", description=__doc__)
    parser.add_argument("--json", type=Path, required=True, help="where to write the cells")
    parser.add_argument("--column", action="append", default=[], choices=list(COLUMNS), help="repeatable; default: all")
    parser.add_argument("--check", action="append", default=[], choices=NAMES, help="repeatable; default: all")
    args = parser.parse_args(argv)
    from openai_replay.conformance.runner import quiet

    with quiet():  # the frameworks log every retry and frame; the cells carry the evidence instead
        results = asyncio.run(run(args.column or list(COLUMNS), args.check or list(NAMES)))
    args.json.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    for column, data in results["columns"].items():
        marks = [f"{c['check']}={c['status']}" for c in data.get("cells", [])] or [f"unavailable: {data.get('unavailable')}"]
        print(f"{column}: {', '.join(marks)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
