"""Importing openai_replay.explore without Hypothesis names the extra to install."""

from __future__ import annotations

import subprocess
import sys


def test_import_without_hypothesis_names_the_extra() -> None:
    """With Hypothesis missing, the import error says `pip install 'openai-replay[explore]'`."""
    code = "import sys; sys.modules['hypothesis'] = None; import openai_replay.explore"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "ModuleNotFoundError: openai_replay.explore needs Hypothesis: pip install 'openai-replay[explore]'" in done.stderr
