"""The openai SDK is optional: nothing but the demo, the client fixtures and conformance imports it,
and each of those names the extra to install when it is missing."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # each test starts an interpreter; test_layers checks the imports statically

#: Runs in a fresh interpreter where ``import openai`` fails, as in an install without the extra.
WITHOUT_OPENAI = "import sys; sys.modules['openai'] = None\n"


def _run(code: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", WITHOUT_OPENAI + textwrap.dedent(code)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_every_module_imports_without_the_sdk() -> None:
    """Every module but the conformance adapters imports with openai unavailable (core, server, plugin, CLI)."""
    done = _run(
        """
        import importlib, pkgutil
        import fake_server, openai_replay
        for info in pkgutil.walk_packages(openai_replay.__path__, "openai_replay."):
            if ".conformance.adapters." not in info.name and not info.name.endswith("__main__"):
                importlib.import_module(info.name)
        print("ok")
        """
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_the_demo_names_the_extra_when_the_sdk_is_missing() -> None:
    """`openai-replay demo` without the SDK exits 2 with one line naming openai-replay[sdk], no traceback."""
    done = _run("from openai_replay.cli.main import main; raise SystemExit(main(['demo']))")
    assert done.returncode == 2
    assert "pip install 'openai-replay[sdk]'" in done.stderr and "Traceback" not in done.stderr


def test_the_client_fixture_fails_with_the_extra_named(pytester) -> None:  # type: ignore[no-untyped-def]
    """A test using openai_client without the SDK fails with the install command, not an import traceback."""
    pytester.makeconftest("import sys\nsys.modules['openai'] = None\n")
    pytester.makepyfile("def test_it(openai_client):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*the openai_client fixture drives the official openai SDK*openai-replay[[]sdk[]]*"])
