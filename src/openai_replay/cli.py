"""``openai-replay``: serve the fake server, or run the demo."""

from __future__ import annotations

import argparse
import sys

from fake_server.serve import add_serve_arguments, run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="openai-replay", description="Fake OpenAI Responses server and record/replay harness.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the fake Responses server (WebSocket mode + HTTP)")
    add_serve_arguments(serve)
    sub.add_parser("demo", help="run a chained conversation through the openai SDK against the fake server")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return run(args)
    if args.command == "demo":
        from .demo import main as demo_main

        return demo_main()
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
