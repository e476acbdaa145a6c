"""``openai-replay``: serve the fake server, or run the demo (``bench``: see `bench_cli`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from openai_replay.cli.cassette import register as register_cassette_commands
from openai_replay.cli.cassette import run as run_cassette_command
from openai_replay.cli.serve import add_serve_arguments, run
from openai_replay.cli.validate import register as register_validate


def bench_available() -> bool:
    """True in a source checkout (editable install, or run from the repository's root), where ``bench`` works."""
    from openai_replay.cli.bench import __file__ as bench_file
    from openai_replay.cli.bench import find_run_py

    return find_run_py(Path(bench_file), Path.cwd()) is not None


def build_parser(*, with_bench: bool | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openai-replay",
        description="Fake OpenAI server (Responses over WebSocket and HTTP, Chat Completions) and record/replay harness.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", help="run the fake server: Responses (WebSocket mode + HTTP) and Chat Completions")
    add_serve_arguments(serve)
    sub.add_parser("demo", help="run a chained conversation through the openai SDK against the fake server")
    sub.add_parser("scenarios", help="list the built-in scenarios (use one with 'serve --scenario NAME')")
    register_cassette_commands(sub)
    register_validate(sub)
    # Parsed by benchmarks/run.py, not here (main() hands it every argument); listed in --help only
    # where it works: an installed package has no benchmarks (`openai-replay bench` then says so).
    if bench_available() if with_bench is None else with_bench:
        sub.add_parser(
            "bench",
            add_help=False,
            help="run the benchmarks (benchmarks/run.py of this source checkout; 'openai-replay bench --help' for its options)",
        )
    from openai_replay.cli.conformance import add_arguments as add_conformance_arguments

    conformance = sub.add_parser("conformance", help="drive the real clients through every fault and print the scorecard")
    add_conformance_arguments(conformance)
    from openai_replay.cli.explore import add_arguments as add_explore_arguments

    explore = sub.add_parser("explore", help="random fault schedules against a real client; minimal failures per invariant")
    add_explore_arguments(explore)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bench"]:
        from openai_replay.cli.bench import main as bench_main

        return bench_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return run(args)
    if args.command == "scenarios":
        from openai_replay.cli.scenarios import list_builtins

        return list_builtins()
    if args.command == "record":
        from openai_replay.cli.record import run_record

        return run_record(args)
    if args.command in ("import-vcr", "show"):
        return run_cassette_command(args)
    if args.command == "validate":
        from openai_replay.cli.validate import run as run_validate

        return run_validate(args)
    if args.command == "conformance":
        from openai_replay.cli.conformance import main as conformance_main

        return conformance_main(args)
    if args.command == "explore":
        from openai_replay.cli.explore import main as explore_main

        return explore_main(args)
    if args.command == "demo":
        from openai_replay.cli.demo import main as demo_main

        return demo_main()
    return 2  # pragma: no cover - argparse rejects unknown commands


if __name__ == "__main__":
    sys.exit(main())
