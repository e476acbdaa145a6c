"""The library flows (issue 23): seven client libraries pointed at the fake server as a new user would.

Off by default: the libraries are not test dependencies (instructor pins an older openai than the rest,
so it has its own venv). ``OPENAI_REPLAY_LIBRARIES`` turns them on: ``all`` (or ``1``) for the seven,
or a comma-separated list of directory names (``openai_sdk,agents,pydantic_ai,langchain,litellm,llm``,
``instructor``). A library named there that is not installed stops the run with what to install; it is
never skipped. Run with ``--confcutdir tests/integrations`` so the suite's root conftest (which needs
the test extra) is not loaded. See docs/libraries.md.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import pytest

from fake_server import FakeServer

#: Each flow directory and the module its library installs.
LIBRARIES = {
    "openai_sdk": "openai",
    "agents": "agents",
    "pydantic_ai": "pydantic_ai",
    "langchain": "langchain_openai",
    "litellm": "litellm",
    "instructor": "instructor",
    "llm": "llm",
}
#: The extra that installs each library (instructor's pins clash with the others').
EXTRAS = {"instructor": "libraries-instructor"}  # its venv: .venv-libraries-instructor


def wanted() -> list[str]:
    """The libraries ``OPENAI_REPLAY_LIBRARIES`` names (none when it is unset)."""
    value = os.environ.get("OPENAI_REPLAY_LIBRARIES", "").strip()
    if not value:
        return []
    if value in {"1", "all"}:
        return list(LIBRARIES)
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in LIBRARIES]
    if unknown:
        raise pytest.UsageError(f"OPENAI_REPLAY_LIBRARIES names unknown libraries {unknown}; known: {sorted(LIBRARIES)}")
    return names


_WANTED = wanted()
collect_ignore = [name for name in LIBRARIES if name not in _WANTED]
_missing = [name for name in _WANTED if importlib.util.find_spec(LIBRARIES[name]) is None]
if _missing:
    extras = sorted({EXTRAS.get(n, "libraries") for n in _missing})
    raise pytest.UsageError(
        f"OPENAI_REPLAY_LIBRARIES asks for {_missing} but they are not installed in this environment; "
        f"install them with pip install -e '.[{','.join(extras)}]' (see docs/libraries.md), or leave them out of the list"
    )


@pytest.fixture(scope="session")
def server() -> Iterator[FakeServer]:
    """The real fake server on 127.0.0.1, a free port, no scenario: the simulated model answers."""
    with FakeServer() as running:
        yield running


@pytest.fixture(scope="session")
def base_url(server: FakeServer) -> str:
    """What a user puts in ``base_url``: ``http://127.0.0.1:PORT/v1``."""
    return server.url


def pytest_configure(config: pytest.Config) -> None:
    # Each flow module marks its tests pytest.mark.asyncio(loop_scope="session"): every async flow runs on
    # one event loop, as an application's code does (langchain-openai and litellm cache their async HTTP
    # clients across calls, so a fresh loop per test would close the loop under a cached client). The
    # module-wide mark also lands on the sync flows, which pytest-asyncio then warns about; that is noise.
    if _WANTED:
        config.addinivalue_line("filterwarnings", "ignore:The test <Function:pytest.PytestWarning")
