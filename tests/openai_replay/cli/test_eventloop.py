"""The command-line server's event loop: uvloop when installed, asyncio's otherwise, or as chosen."""

from __future__ import annotations

import argparse
import asyncio
import sys

import pytest

from openai_replay.cli import eventloop, serve


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_auto_runs_on_uvloop_when_it_is_installed() -> None:
    """uvloop is installed with the test extra: 'auto' and 'uvloop' run on it, 'asyncio' on asyncio's own loop."""
    assert eventloop.loop_factory("auto")[0] == "uvloop"
    assert eventloop.run(_loop_module(), "auto").startswith("uvloop")
    assert eventloop.run(_loop_module(), "uvloop").startswith("uvloop")
    assert eventloop.run(_loop_module(), "asyncio").startswith("asyncio")


def test_without_uvloop_auto_falls_back_and_uvloop_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """With uvloop not importable, 'auto' runs on asyncio and 'uvloop' is an error naming the extra to install."""
    monkeypatch.setitem(sys.modules, "uvloop", None)  # an import of it now raises ImportError
    assert eventloop.run(_loop_module(), "auto").startswith("asyncio")
    with pytest.raises(eventloop.LoopUnavailable, match=r"pip install 'openai-replay\[uvloop\]'"):
        eventloop.loop_factory("uvloop")


def test_serve_loop_uvloop_without_uvloop_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`serve --loop uvloop` where uvloop is missing exits 2 with one clear line, before listening."""
    monkeypatch.setitem(sys.modules, "uvloop", None)
    parser = argparse.ArgumentParser()
    serve.add_serve_arguments(parser)
    assert serve.run(parser.parse_args(["--port", "0", "--loop", "uvloop"])) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: --loop uvloop: uvloop is not installed; run `pip install 'openai-replay[uvloop]'`"
