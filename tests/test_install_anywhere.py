"""Done-when for issue 23's "install anywhere": openai-replay installs in a fresh venv beside
instructor 1.17.0, which pins ``jiter<0.15`` and so an openai older than the one this project tests
with, and its plugin serves that SDK: a test using the ``openai_client`` fixture gets structured
output through instructor's tool and JSON modes. Installing takes a minute or two: ``slow`` tier."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TEST = """
import instructor
from pydantic import BaseModel


class User(BaseModel):
    name: str
    age: int
    tags: list[str]


def test_instructor_tools_and_json_modes(openai_client):
    for mode in (instructor.Mode.TOOLS, instructor.Mode.JSON):
        client = instructor.from_openai(openai_client, mode=mode)
        user = client.chat.completions.create(
            model="gpt-4o-mini", response_model=User, messages=[{"role": "user", "content": 'Extract: "Jason" is 25'}]
        )
        assert user.name == "Jason" and isinstance(user.age, int) and user.tags
    assert openai_client.responses.create(model="gpt-4o-mini", input="Hi").output_text == "You said: Hi"
"""


def test_installs_beside_instructor_and_serves_its_sdk(tmp_path: Path) -> None:
    """pip resolves openai-replay with instructor==1.17.0 (no conflict) and a plugin test passes with its openai."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    done = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(ROOT), "instructor==1.17.0", "pytest"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "tests" / "test_structured.py").write_text(textwrap.dedent(TEST))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTEST_", "PYTHON"))}
    ran = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-2000:]
    assert "1 passed" in ran.stdout
