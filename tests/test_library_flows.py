"""The library flows' gate (tests/integrations, docs/libraries.md): off by default, and a library that
OPENAI_REPLAY_LIBRARIES names but is not installed stops the run instead of being skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _flows(value: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "OPENAI_REPLAY_LIBRARIES"}
    if value is not None:
        env["OPENAI_REPLAY_LIBRARIES"] = value
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/integrations",
        "--confcutdir",
        "tests/integrations",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.mark.slow
def test_off_by_default_collects_nothing() -> None:
    """Without OPENAI_REPLAY_LIBRARIES no flow is collected (pytest's exit 5, which .ci/run treats as a failure)."""
    assert _flows(None).returncode == 5


@pytest.mark.slow
def test_a_named_library_that_is_missing_fails() -> None:
    """Naming a library this environment lacks is a usage error naming the extra to install, never a skip."""
    if _installed("instructor"):
        pytest.fail("this check needs an environment without instructor (the test venv has none)")
    result = _flows("instructor")
    assert result.returncode == 4, result.stdout + result.stderr
    assert "pip install -e '.[libraries-instructor]'" in result.stdout + result.stderr


@pytest.mark.slow
def test_an_unknown_library_name_fails() -> None:
    """A misspelt library name is a usage error listing the known ones."""
    result = _flows("langchian")
    assert result.returncode == 4 and "known:" in result.stdout + result.stderr
