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
from openai_replay.conformance.scorecard import as_json, markdown, table


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


def main(args: argparse.Namespace) -> int:
    overrides = dict(args.python)
    results = json.loads(args.from_json.read_text()) if args.from_json else run_all(args.client, args.check, overrides)
    print(table(results))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "conformance.md").write_text(markdown(results))
    (args.output / "conformance.json").write_text(as_json(results))
    print(f"\nwrote {args.output / 'conformance.md'} and {args.output / 'conformance.json'}")
    return 0
