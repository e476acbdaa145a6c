"""``python -m fake_server``: run the fake Responses server."""

from __future__ import annotations

import argparse
import sys

from .serve import add_serve_arguments, run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fake_server", description="Run the fake OpenAI Responses server.")
    add_serve_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
