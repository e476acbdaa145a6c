"""Old import path, kept for code written against it: the fidelity rules live in `openai_replay.responses.fidelity`."""

from openai_replay.responses.fidelity import *  # noqa: F403
