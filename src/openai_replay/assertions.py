"""Old import path, kept for code written against it: the assertions live in `openai_replay.log.assertions`."""

from openai_replay.log.assertions import *  # noqa: F403
from openai_replay.log.assertions import __all__  # noqa: F401
