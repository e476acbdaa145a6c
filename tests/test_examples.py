"""The examples/ suite runs green as written, the docs show the README example exactly as tested, and
every ```python snippet of README.md and docs/*.md runs as written (see tests/support/docsnippets.py)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from docsnippets import NOT_RUN, Snippet, all_snippets, run_snippet

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_examples_suite_passes() -> None:
    """`pytest examples` (the chat loop against the built-in fault scenarios) passes in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "examples", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\b7 passed\b", done.stdout), done.stdout


def test_docs_show_the_readme_example_as_tested() -> None:
    """README.md and docs/pytest-plugin.md quote examples/test_readme_example.py byte for byte."""
    example = (ROOT / "examples" / "test_readme_example.py").read_text()
    for doc in ("README.md", "docs/pytest-plugin.md"):
        assert f"```python\n{example}```" in (ROOT / doc).read_text(), doc


@pytest.mark.slow
@pytest.mark.parametrize("snippet", all_snippets(), ids=lambda s: s.id)
def test_doc_snippet_runs_as_written(snippet: Snippet, tmp_path: Path) -> None:
    """The snippet runs in a fresh process (under pytest if it defines tests), offline, and exits 0."""
    if snippet.not_run is not None:
        pytest.skip(f"marked not-run: {snippet.not_run}")
    done = run_snippet(snippet, tmp_path, sys.executable)
    assert done.returncode == 0, (
        f"{snippet.id} does not run as written (fix it, or mark it <!-- not-run: reason --> on the line before):\n"
        + done.stdout[-3000:]
        + done.stderr[-3000:]
    )


def test_not_run_markers_give_a_reason_and_sit_on_a_block() -> None:
    """Every not-run marker in the docs names its reason and is followed by a python block it applies to."""
    marked = sum(1 for s in all_snippets() if s.not_run)
    markers = sum(len(NOT_RUN.findall(p.read_text())) for p in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
    assert marked == markers, "a <!-- not-run: ... --> marker is not on the line just before a ```python block"


def test_snippets_are_found_with_their_line_marker_and_kind(tmp_path: Path) -> None:
    """The extractor finds each python block, its fence line, a not-run marker just before it, and pytest tests."""
    from docsnippets import snippets

    (tmp_path / "docs").mkdir()
    doc = tmp_path / "docs" / "probe.md"
    doc.write_text(
        "# t\n\n```python\nprint(1)\n```\n\nSee `<!-- not-run: x -->` in prose.\n\n"
        "<!-- not-run: a fragment -->\n```python\nx...\n```\n\n```python\ndef test_a():\n    pass\n```\n```bash\nls\n```\n"
    )
    found = snippets(doc, root=tmp_path)
    assert [(s.line, s.not_run, s.is_pytest) for s in found] == [(3, None, False), (10, "a fragment", False), (14, None, True)]
    assert found[0].id == "docs/probe.md:3"


def test_the_control_api_docs_show_the_node_example_as_tested() -> None:
    """docs/control-api.md quotes examples/node/control.test.mjs byte for byte."""
    example = (ROOT / "examples" / "node" / "control.test.mjs").read_text()
    assert f"```js\n{example}```" in (ROOT / "docs" / "control-api.md").read_text()


@pytest.mark.slow
def test_the_node_example_runs_from_a_clean_directory(tmp_path: Path) -> None:
    """`node --test control.test.mjs` alone in a new folder: serve on port 0, the ready file, a chained client, shutdown."""
    node = shutil.which("node")
    assert node, "the Node example needs Node 20+ on PATH (CI has it)"
    shutil.copy(ROOT / "examples" / "node" / "control.test.mjs", tmp_path / "control.test.mjs")
    env = {**os.environ, "OPENAI_REPLAY": str(Path(sys.executable).parent / "openai-replay")}
    command = [node, "--test", "control.test.mjs"]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "# pass 1" in done.stdout, done.stdout[-3000:] + done.stderr[-3000:]


def test_audio_docs_quote_the_pipecat_voice_turn_as_tested() -> None:
    """docs/audio.md quotes the Pipecat voice-turn test (run in the Pipecat conformance env) byte for byte."""
    test = ROOT / "tests/openai_replay/conformance/adapters/pipecat/test_pipecat_voice_turn.py"
    assert f"```python\n{test.read_text()}```" in (ROOT / "docs/audio.md").read_text()
