"""The import direction: the core imports neither aiohttp nor pytest; fake_server never imports pytest."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Modules of the core allowed to tie the layers together (they may import fake_server/pytest).
GLUE = {"plugin", "cli", "demo", "conformance"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def is_glue(path: Path) -> bool:
    rel = path.relative_to(ROOT / "src" / "openai_replay")
    return rel.parts[0].removesuffix(".py") in GLUE or rel.parts[0].startswith("plugin")


def test_core_imports_neither_aiohttp_nor_pytest_nor_the_server() -> None:
    """No core module imports aiohttp, pytest or fake_server (glue modules excepted)."""
    offenders = {
        str(p.relative_to(ROOT)): sorted(imports_of(p) & {"aiohttp", "pytest", "fake_server", "_pytest"})
        for p in (ROOT / "src" / "openai_replay").rglob("*.py")
        if not is_glue(p)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_fake_server_never_imports_pytest() -> None:
    """fake_server imports the core and aiohttp, never pytest."""
    offenders = [str(p) for p in (ROOT / "fake_server").rglob("*.py") if imports_of(p) & {"pytest", "_pytest"}]
    assert offenders == []
