"""``openai-replay bench``: run the benchmark suite, ``benchmarks/run.py`` of a source checkout.

The benchmarks are not part of the installed package (they need the raw aiohttp baseline, the
optional aimock install and a results folder), so this looks for ``benchmarks/run.py`` next to the
package's source tree (an editable install, ``pip install -e .``), then under the current directory,
and runs it with this Python, passing every argument through. Without a checkout it exits 2 and
says how to get one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

#: run.py shows this as its program name in --help and errors.
PROG = "openai-replay bench"


def candidates(here: Path, cwd: Path) -> list[Path]:
    """Where run.py may be: the checkout this module lives in (src/openai_replay/cli/ -> repo root), then ``cwd``."""
    return [here.resolve().parents[3] / "benchmarks" / "run.py", cwd / "benchmarks" / "run.py"]


def find_run_py(here: Path, cwd: Path) -> Path | None:
    """The first candidate that is this project's run.py (its scenario file sits beside it)."""
    for path in candidates(here, cwd):
        if path.is_file() and (path.parent / "bench_scenario.json").is_file():
            return path
    return None


def main(args: list[str], *, here: Path | None = None, cwd: Path | None = None) -> int:
    """Run benchmarks/run.py with ``args``; its exit status, or 2 when there is no source checkout."""
    here = here or Path(__file__)
    cwd = cwd or Path.cwd()
    run_py = find_run_py(here, cwd)
    if run_py is None:
        looked = ", ".join(str(p) for p in candidates(here, cwd))
        print(
            "error: 'openai-replay bench' runs benchmarks/run.py from a source checkout of openai-replay, and found "
            f"none (looked for {looked}). The benchmarks are not installed with the package: clone the repository, "
            "run `pip install -e '.[test]'` in it, then `openai-replay bench` (or `python benchmarks/run.py`) "
            "from its root; see benchmarks/README.md.",
            file=sys.stderr,
        )
        return 2
    env = {**os.environ, "OPENAI_REPLAY_BENCH_PROG": PROG}
    proc = subprocess.Popen([sys.executable, str(run_py), *args], env=env)
    try:
        return proc.wait()
    except KeyboardInterrupt:  # Ctrl-C reached run.py too (same process group): let it clean up
        try:
            return proc.wait(30)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            proc.kill()
            proc.wait()
        return 130
