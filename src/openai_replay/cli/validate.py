"""``openai-replay validate FILE...``: check cassettes, scenarios and vcrpy YAML without a server.

One line per problem (``FILE: ...``), one ``ok`` line per good file; exit 0 when every file is good,
2 otherwise. The kind of each file is told from its content: a JSON object with ``connections`` or
``version`` is a cassette, one with ``rules``, ``handshakes``, ``idle`` or ``config`` a scenario; a
``.yaml`` / ``.yml`` file is a vcrpy cassette (checked the way ``import-vcr`` would read it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from openai_replay.inbound import read_file

SCENARIO_KEYS = frozenset({"rules", "handshakes", "idle", "config", "unmatched"})


def register(sub: Any) -> None:
    """Add ``validate`` to an ``add_subparsers()`` object."""
    parser = sub.add_parser("validate", help="check cassettes, scenarios and vcrpy YAML files without starting a server")
    parser.add_argument("files", nargs="+", metavar="FILE")


def run(args: argparse.Namespace) -> int:
    bad = 0
    for name in args.files:
        problems, summary = check(Path(name))
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        if problems:
            bad += 1
        else:
            print(f"{name}: ok ({summary})")
    return 2 if bad else 0


def check(path: Path) -> tuple[list[str], str]:
    """The problems with ``path`` (one line each), and what it is when there are none."""
    from openai_replay.cassette import CassetteError, interactions, load_cassette
    from openai_replay.scenarios import ScenarioError, load_scenario

    if path.suffix.lower() in (".yaml", ".yml"):
        from openai_replay.cassette.vcr_import import import_vcr

        try:
            cassette, skipped = import_vcr(path)
        except CassetteError as exc:
            return [str(exc)], ""
        return [], f"vcrpy cassette, {len(cassette.connections)} Responses interaction(s), {len(skipped)} skipped"
    if _kind(path) == "scenario":
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            return list(exc.problems), ""
        return [], f"scenario '{scenario.name}', {len(scenario.all_rules())} rule(s)"
    try:
        cassette = load_cassette(path)
    except CassetteError as exc:
        return [str(exc)], ""
    from openai_replay.cassette.replay import never_served

    never = [f"can never be replayed: {why}" for why in never_served(cassette)]
    if never:
        return never, ""
    return [], f"cassette, {len(cassette.connections)} connection(s), {len(interactions(cassette))} interaction(s)"


def _kind(path: Path) -> str:
    """``scenario`` or ``cassette``, from the top-level keys (a file that cannot be read: from its text)."""
    try:
        if path.stat().st_size > 1_000_000:
            return "cassette"  # scenarios are small; a big file is a recording
        data = read_file(path)
    except (OSError, ValueError):
        try:
            return "scenario" if '"rules"' in path.read_text(encoding="utf-8", errors="replace") else "cassette"
        except OSError:
            return "cassette"
    if isinstance(data, dict) and SCENARIO_KEYS & data.keys() and "connections" not in data:
        return "scenario"
    return "cassette"
