"""The examples/ suite runs green as written, and the docs show the README example exactly as tested."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
