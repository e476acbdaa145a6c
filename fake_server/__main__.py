"""``python -m fake_server``: the same as ``openai-replay serve``."""

from __future__ import annotations

import sys

from openai_replay.cli.main import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
