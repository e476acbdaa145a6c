"""The layers hold: the core imports neither aiohttp, pytest nor the server; the server never imports
pytest, the plugin or the CLI; no module imports another in a cycle; no module is oversized."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
#: Subpackages of openai_replay outside the pure core. `server` is the aiohttp layer; `conformance`
#: drives real clients against it; `pytest_plugin` and `cli` are the only places that tie the core,
#: the server and pytest together.
NOT_CORE = {"server", "conformance", "pytest_plugin", "cli"}
GLUE = {"pytest_plugin", "cli"}
#: Sizes: about 450 lines is where a module stops having one responsibility.
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC if path.is_relative_to(SRC) else ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in (SRC / "openai_replay").rglob("*.py")}
    found.update({module_name(p): p for p in (ROOT / "fake_server").rglob("*.py")})
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported(path: Path, known: set[str]) -> set[str]:
    """Modules that ``path`` imports (absolute names), leaving out imports under ``if TYPE_CHECKING:``.

    ``from pkg import sub`` counts as importing ``pkg.sub`` when that is a module, else ``pkg``."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for sub in child.orelse:
                    visit(sub)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - (child.level - 1)]
                    base = ".".join([*anchor, *([child.module] if child.module else [])])
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.add(sub if sub in known else base)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


@cache
def graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports (parsed once per session: every rule reads it)."""
    mods = modules()
    known = set(mods)
    return {name: {m for m in imported(path, known) if m in known and m != name} for name, path in mods.items()}


def tops(path: Path) -> set[str]:
    return {m.split(".")[0] for m in imported(path, set())}


def subpackage(name: str) -> str:
    parts = name.split(".")
    return parts[1] if parts[0] == "openai_replay" and len(parts) > 1 else ""


def test_core_imports_neither_aiohttp_nor_pytest_nor_the_server() -> None:
    """No core module imports aiohttp, pytest, the server, the plugin or the CLI."""
    offenders = {}
    g = graph()
    for name, path in modules().items():
        if not name.startswith("openai_replay") or subpackage(name) in NOT_CORE:
            continue
        bad = sorted(tops(path) & {"aiohttp", "pytest", "_pytest", "fake_server"})
        bad += sorted(m for m in g[name] if subpackage(m) in NOT_CORE)
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_server_never_imports_pytest_the_plugin_or_the_cli() -> None:
    """The aiohttp layer (openai_replay.server and its fake_server face) imports the core and aiohttp only."""
    offenders = {}
    g = graph()
    for name, path in modules().items():
        if not (subpackage(name) == "server" or name == "fake_server"):
            continue
        bad = sorted(tops(path) & {"pytest", "_pytest"}) + sorted(m for m in g[name] if subpackage(m) in GLUE)
        if bad:
            offenders[name] = bad
    assert offenders == {}


def test_conformance_is_not_imported_by_the_server_or_the_core() -> None:
    """Conformance sits above the server: nothing below it imports it."""
    g = graph()
    offenders = {
        name: sorted(m for m in deps if subpackage(m) == "conformance")
        for name, deps in g.items()
        if subpackage(name) not in {"conformance", *GLUE}
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``a -> b -> ... -> a``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(g.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (cycle := dfs(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for start in sorted(g):
        if start not in state and (cycle := dfs(start)):
            return cycle
    return None


def test_no_import_cycles() -> None:
    """No module imports another in a cycle (imports under TYPE_CHECKING left out); a failure names it."""
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_find_cycle_names_a_cycle() -> None:
    """The cycle finder itself reports a planted cycle by name."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_oversized_modules() -> None:
    """No source or benchmark module runs past about 450 lines."""
    files = [*(SRC / "openai_replay").rglob("*.py"), *(ROOT / "fake_server").rglob("*.py"), *(ROOT / "benchmarks").glob("*.py")]
    big = {str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert big == {}


def test_only_the_sdk_helper_and_conformance_import_openai() -> None:
    """The openai SDK is optional: no module imports it (even inside a function) except through
    openai_replay.sdk (which names the extra) and the conformance adapters, LLM and audio (which run in their own venvs)."""
    adapters = ("openai_replay.conformance.adapters", "openai_replay.conformance.audio.pipecat")
    offenders = sorted(
        name
        for name, path in modules().items()
        if "openai" in tops(path) and name != "openai_replay.sdk" and not name.startswith(adapters)
    )
    assert offenders == []
