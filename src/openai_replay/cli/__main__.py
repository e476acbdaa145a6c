"""``python -m openai_replay.cli``: the same as the ``openai-replay`` command."""

import sys

from openai_replay.cli.main import main

sys.exit(main())
