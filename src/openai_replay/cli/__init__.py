"""The command line: every subcommand's argument parsing, in one place (``openai-replay --help``).

It is one of the two places (with `openai_replay.pytest_plugin`) that tie the core, the server and
pytest together.
"""

from openai_replay.cli.main import main

__all__ = ["main"]
