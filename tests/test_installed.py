"""Done-when for issue 13: a new project outside the repository, with a non-editable install in a
fresh venv, records (against a second fake server as the upstream), replays, and fails the way
docs/pytest-plugin.md says. Installing takes a minute or two, so it is in the ``slow`` tier
(``pytest -m slow``, which ``.ci/run`` runs)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from docsnippets import all_snippets, run_snippet

from openai_replay.server import FakeServer

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow

TEST = """
import pytest


@pytest.mark.openai_replay
def test_chat(openai_client):
    assert openai_client.responses.create(model="gpt-4o-mini", input="{text}").output_text == "You said: {text}"
"""


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with `pip install <repo>[sdk]` (not editable), pytest and pytest-asyncio."""
    where = tmp_path_factory.mktemp("installed") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    done = subprocess.run(
        [str(where / "bin" / "pip"), "install", "-q", f"{ROOT}[sdk]", "pytest", "pytest-asyncio"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return where


@pytest.fixture
def upstream() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


def run(venv: Path, project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTEST_", "PYTHON"))}
    return subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_a_new_project_records_replays_and_fails_as_documented(venv: Path, upstream: FakeServer, tmp_path: Path) -> None:
    """Record once, replay offline, a changed request and a deleted cassette fail with the documented commands."""
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import openai_replay, pathlib; print(pathlib.Path(openai_replay.__file__).parent)"],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )  # fmt: skip
    package = Path(installed.stdout.strip())
    assert ROOT not in package.parents and (package / "py.typed").is_file()

    project = tmp_path / "project"
    (project / "tests").mkdir(parents=True)
    (project / "pytest.ini").write_text(
        "[pytest]\n# the API that --record-mode records from\n"
        f"openai_replay_upstream_url = {upstream.url}\nasyncio_default_fixture_loop_scope = function\n"
    )
    (project / "fake_server.py").write_text("NOT_OURS = True\n")  # a user's module of the same name
    chat = project / "tests" / "test_chat.py"
    chat.write_text(textwrap.dedent(TEST.format(text="Hello")))

    recorded = run(venv, project, "--record-mode=once")
    assert recorded.returncode == 0, recorded.stdout
    cassette = project / "tests" / "cassettes" / "test_chat" / "test_chat.json"
    assert cassette.is_file() and len(upstream.log) == 1

    replayed = run(venv, project)
    assert replayed.returncode == 0, replayed.stdout
    assert len(upstream.log) == 1  # offline: the upstream saw nothing new

    chat.write_text(textwrap.dedent(TEST.format(text="Changed")))
    mismatch = run(venv, project)
    assert mismatch.returncode == 1, mismatch.stdout
    assert "to re-record: pytest tests/test_chat.py::test_chat --record-mode=rewrite" in mismatch.stdout

    cassette.unlink()
    missing = run(venv, project)
    assert missing.returncode == 1, missing.stdout
    assert f"no cassette at {cassette}" in missing.stdout
    assert "Record it with: pytest tests/test_chat.py::test_chat --record-mode=once" in missing.stdout

    helped = subprocess.run([str(venv / "bin" / "openai-replay"), "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert helped.returncode == 0 and "bench" not in helped.stdout


def test_the_readme_examples_run_in_a_fresh_project_at_pytest_asyncios_defaults(venv: Path, tmp_path: Path) -> None:
    """The README's pytest example and the examples/ cookbook pass with pytest-asyncio in its default strict mode."""
    project = tmp_path / "fresh"
    project.mkdir()
    for name in ("chat_loop.py", "test_readme_example.py", "test_chat_loop.py"):
        (project / name).write_text((ROOT / "examples" / name).read_text())
    (project / "pytest.ini").write_text("[pytest]\npythonpath = .\nasyncio_default_fixture_loop_scope = function\n")
    done = run(venv, project, "-q")
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"\b7 passed\b", done.stdout), done.stdout[-3000:]


def test_every_runnable_docs_example_runs_in_a_fresh_project(venv: Path, tmp_path: Path) -> None:
    """Each ```python block of README.md and docs/ not marked not-run passes with the installed package alone."""
    runnable = [s for s in all_snippets() if s.not_run is None]
    # A snippet about living beside vcrpy needs vcrpy, as its reader's project has it: installed last,
    # after the plain-project tests above.
    if any(re.search(r"^import vcr$", s.code, re.M) for s in runnable):
        pip = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "vcrpy"], capture_output=True, text=True, timeout=600)
        assert pip.returncode == 0, pip.stderr[-2000:]
    # A snippet that explores needs the `explore` extra (Hypothesis), as its reader installs it.
    if any(re.search(r"^from openai_replay(\.conformance\.realtime)?\.explore import", s.code, re.M) for s in runnable):
        pip = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "hypothesis>=6.100"], capture_output=True, text=True, timeout=600
        )
        assert pip.returncode == 0, pip.stderr[-2000:]
    failed = []
    for number, snippet in enumerate(runnable):
        folder = tmp_path / f"snippet{number}"
        folder.mkdir()
        done = run_snippet(snippet, folder, str(venv / "bin" / "python"))
        if done.returncode != 0:
            failed.append(f"{snippet.id}:\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    assert not failed, "\n\n".join(failed)
