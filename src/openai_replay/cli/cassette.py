"""The cassette commands of ``openai-replay``: ``record``, ``import-vcr`` and ``show``.

This module defines all three commands' arguments and runs the two pure ones; ``record`` needs
the recording proxy and runs in ``openai_replay.cli.record`` (the core never imports aiohttp).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from openai_replay.cli.exposure import add_allow_remote

DEFAULT_PORT = 8765


def register(sub: Any) -> None:
    """Add the cassette subcommands to an ``add_subparsers()`` object."""
    record = sub.add_parser("record", help="record a session through a loopback proxy to the real API into a cassette")
    record.add_argument(
        "--upstream", default="https://api.openai.com/v1", help="the API base URL to forward to (default: %(default)s)"
    )
    record.add_argument("--out", required=True, metavar="FILE", help="the cassette to write (JSON, format v1)")
    existing = record.add_mutually_exclusive_group()
    existing.add_argument("--overwrite", action="store_true", help="replace FILE if it exists (it is refused otherwise)")
    existing.add_argument("--append", action="store_true", help="keep what FILE holds and add this session after it")
    record.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)")
    record.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port to listen on, 0 for any (default: {DEFAULT_PORT})")
    add_allow_remote(record)
    record.add_argument(
        "--lend-key",
        action="store_true",
        help="attach OPENAI_API_KEY to callers without their own Authorization even on a non-loopback --host "
        "(on loopback it always is)",
    )
    imp = sub.add_parser("import-vcr", help="convert a vcrpy / Ruby VCR YAML cassette (Responses or Chat Completions)")
    imp.add_argument("source", metavar="IN.yaml")
    imp.add_argument("target", metavar="OUT.json")
    show = sub.add_parser("show", help="print a cassette as a timeline: connections, turns, chains, faults")
    show.add_argument("file", metavar="FILE")


def run(args: argparse.Namespace) -> int:
    from openai_replay.cassette import CassetteError

    try:
        if args.command == "import-vcr":
            from openai_replay.cassette.vcr_import import import_vcr_file

            print(import_vcr_file(args.source, args.target))
            return 0
        if args.command == "show":
            from openai_replay.cassette import load_cassette
            from openai_replay.cassette.show import render

            print(render(load_cassette(args.file)))
            return 0
    except CassetteError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the target cannot be written
        print(f"error: cannot write {exc.filename or args.target}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 2
