"""Every ```python block of README.md and docs/*.md, and how to run it as written.

A block runs as a script (``python snippet.py``), or under pytest when it defines ``test_``
functions, in a fresh folder holding copies of the repository's ``examples/`` and ``cassettes/``, with
no ``OPENAI_*`` variable set (so nothing reaches a real API).
A block that is deliberately partial says so on the line just before it, with a reason:

    <!-- not-run: a fragment of the builder chain above -->

New docs need nothing else: any ``docs/*.md`` is picked up, and a snippet that cannot run fails
the suite until it runs or carries the marker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: A marker is a line of its own (so prose may quote it in backticks).
NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(?P<reason>\S.*?)\s*-->[ \t]*$", re.M)
FENCE = re.compile(r"^```python[ \t]*\n(?P<code>.*?)^```[ \t]*$", re.S | re.M)


@dataclass(frozen=True)
class Snippet:
    doc: str  # path relative to the repository, e.g. "docs/cassettes.md"
    line: int  # the line of the opening fence
    code: str
    not_run: str | None  # the reason given by a not-run marker

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    @property
    def is_pytest(self) -> bool:
        return re.search(r"^(async )?def test_", self.code, re.M) is not None


def doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def snippets(path: Path, root: Path = ROOT) -> list[Snippet]:
    text = path.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = NOT_RUN.search(before)
        found.append(
            Snippet(
                doc=str(path.relative_to(root)),
                line=text.count("\n", 0, match.start()) + 1,
                code=match.group("code"),
                not_run=marker.group("reason") if marker else None,
            )
        )
    return found


def all_snippets() -> list[Snippet]:
    return [s for path in doc_files() for s in snippets(path)]


#: pytest-asyncio at its defaults (strict mode), as in a user's fresh project.
SNIPPET_INI = """[pytest]
asyncio_default_fixture_loop_scope = function
"""


def run_snippet(snippet: Snippet, folder: Path, python: str) -> subprocess.CompletedProcess[str]:
    """Run ``snippet`` as written with ``python`` in ``folder`` (a fresh project holding copies of
    ``examples/`` and ``cassettes/``), offline: no ``OPENAI_*`` variable reaches it."""
    for name in ("examples", "cassettes"):  # copies: a snippet may write a cassette
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PYTEST_"))}
    env["PYTHONPATH"] = str(folder / "examples")
    if snippet.is_pytest:
        (folder / "pytest.ini").write_text(SNIPPET_INI)
        (folder / "test_snippet.py").write_text(snippet.code)
        command = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_snippet.py"]
    else:
        (folder / "snippet.py").write_text(snippet.code)
        command = [python, "snippet.py"]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)
