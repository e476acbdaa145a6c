"""``openai-replay conformance``: run the battery in each client's environment, print the scorecard,
write it as Markdown and JSON.

Clients pin different ``openai`` versions, so each extra has its own environment; this command runs
``python -m openai_replay.conformance.runner`` with that environment's interpreter and merges the
results. The interpreter for an extra is, in order: ``--python EXTRA=PATH``, ``.venv-EXTRA/bin/python``
under the current directory, else this interpreter. LiveKit JS runs under this interpreter (its
client is Node).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from openai_replay.cli.argtypes import one_of
from openai_replay.conformance.checks import CHECKS
from openai_replay.conformance.clients import BY_NAME, EXTRAS, select
from openai_replay.conformance.provenance import provenance
from openai_replay.conformance.scorecard import as_json, page, table


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--client",
        action="append",
        default=[],
        metavar="NAME",
        type=one_of("client", [*BY_NAME, *EXTRAS]),
        help="client or extra to run (repeatable; default: all)",
    )
    parser.add_argument(
        "--check",
        action="append",
        default=[],
        metavar="NAME",
        type=one_of("check", [c.name for c in CHECKS]),
        help="only these checks (repeatable)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path("conformance-report"), help="directory for conformance.md and conformance.json"
    )
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="EXTRA=PATH",
        type=_interpreter_override,
        help="interpreter for an extra's environment",
    )
    parser.add_argument(
        "--from-json", type=Path, default=None, metavar="FILE", help="render an earlier run's JSON instead of running"
    )
    parser.add_argument(
        "--audio",
        action="store_true",
        help="run the audio battery instead (the voice frameworks' STT/TTS columns, each in its environment): write "
        "conformance-audio.json and re-render conformance.md from the conformance.json already in --output",
    )


def _interpreter_override(text: str) -> tuple[str, str]:
    extra, sep, path = text.partition("=")
    if not sep or not path:
        raise argparse.ArgumentTypeError(f"expected EXTRA=PATH (e.g. openai=.venv-openai/bin/python), got {text!r}")
    if extra not in EXTRAS:
        raise argparse.ArgumentTypeError(f"unknown extra {extra!r} in {text!r}; expected one of: {', '.join(EXTRAS)}")
    return extra, path


def interpreter(extra: str, overrides: dict[str, str]) -> str:
    if extra in overrides:
        return overrides[extra]
    venv = Path.cwd() / f".venv-{extra}" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def run_all(clients: list[str], checks: list[str], overrides: dict[str, str]) -> dict[str, Any]:
    chosen = select(clients)
    merged: dict[str, Any] = {"clients": {}, "provenance": provenance()}
    for extra in EXTRAS:
        names = [c.name for c in chosen if c.extra == extra]
        if not names:
            continue
        python = interpreter(extra, overrides)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "cells.json"
            cmd = [python, "-m", "openai_replay.conformance.runner", "--json", str(out)]
            cmd += [arg for name in names for arg in ("--client", name)]
            cmd += [arg for name in checks for arg in ("--check", name)]
            print(f"conformance: {', '.join(names)} with {python}", file=sys.stderr, flush=True)
            # Bounded: every check has its own budget; this is the backstop for a wedged interpreter.
            budget = 60 + sum(c.budget for c in CHECKS) * len(names)
            try:
                done = subprocess.run(cmd, timeout=budget, check=False)
                problem = None if done.returncode == 0 else f"runner exited with {done.returncode}"
            except subprocess.TimeoutExpired:
                problem = f"runner exceeded {budget:.0f} s"
            if problem is None and out.exists():
                merged["clients"].update(json.loads(out.read_text())["clients"])
            else:
                for name in names:
                    merged["clients"][name] = {"unavailable": problem or "runner wrote no results"}
    return merged


AUDIO_JSON = "conformance-audio.json"


def run_audio(overrides: dict[str, str]) -> dict[str, Any]:
    """The audio battery, each framework's columns in its extra's environment (`conformance.audio.runner`)."""
    from openai_replay.conformance.audio.runner import COLUMNS
    from openai_replay.conformance.audio.runner import EXTRAS as AUDIO_EXTRAS
    from openai_replay.conformance.audio.scorecard import provenance as audio_provenance

    merged: dict[str, Any] = {"columns": {}, "provenance": audio_provenance()}
    for extra in AUDIO_EXTRAS:
        columns = [name for name, (where, _) in COLUMNS.items() if where == extra]
        python = interpreter(extra, overrides)
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "cells.json"
            cmd = [python, "-m", "openai_replay.conformance.audio.runner", "--json", str(out)]
            cmd += [arg for name in columns for arg in ("--column", name)]
            print(f"conformance --audio: {', '.join(columns)} with {python}", file=sys.stderr, flush=True)
            try:  # each call is bounded (15 s) and a stall cell lasts 30 s at most: this is the backstop
                done = subprocess.run(cmd, timeout=120 * len(columns), check=False)
                problem = None if done.returncode == 0 else f"runner exited with {done.returncode}"
            except subprocess.TimeoutExpired:
                problem = f"runner exceeded {120 * len(columns)} s"
            if problem is None and out.exists():
                merged["columns"].update(json.loads(out.read_text())["columns"])
            else:
                merged["columns"].update({name: {"unavailable": problem or "runner wrote no results"} for name in columns})
    return merged


def main(args: argparse.Namespace) -> int:
    overrides = dict(args.python)
    args.output.mkdir(parents=True, exist_ok=True)
    audio_file = args.output / AUDIO_JSON
    if args.audio:
        scorecard = args.from_json or args.output / "conformance.json"
        if not scorecard.exists():
            print(f"conformance --audio: no {scorecard} to render the page with; run without --audio first", file=sys.stderr)
            return 2
        audio_file.write_text(json.dumps(run_audio(overrides)))
        results = json.loads(scorecard.read_text())
    else:
        results = json.loads(args.from_json.read_text()) if args.from_json else run_all(args.client, args.check, overrides)
        print(table(results))
        (args.output / "conformance.json").write_text(as_json(results))
    # The page carries the audio columns' section whenever their results are in the output directory (their
    # explanations rendered afresh, as the scorecard's are).
    audio = json.loads(audio_file.read_text()) if audio_file.exists() else None
    if audio is not None:
        from openai_replay.conformance.audio.scorecard import as_json as audio_json

        audio_file.write_text(audio_json(audio))
    (args.output / "conformance.md").write_text(page(results, audio))
    written = [args.output / "conformance.md", audio_file if args.audio else args.output / "conformance.json"]
    print(f"\nwrote {written[0]} and {written[1]}" + ("" if audio is None else f" (with the audio columns from {audio_file})"))
    return 0
