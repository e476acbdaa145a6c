"""Runs the battery for clients installed in this interpreter: one fresh server per check.

``python -m openai_replay.conformance.runner --client NAME ... --json OUT`` is what the
scorecard command runs inside each client's own environment.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openai_replay.conformance.adapter import Adapter, Endpoint, describe
from openai_replay.conformance.checks import CHECKS, Check
from openai_replay.conformance.clients import Client, select
from openai_replay.conformance.observe import Session, Verdict
from openai_replay.log.timeline import render
from openai_replay.server import FakeServer

#: The reason of a Chat Completions client's cell for a check of the Responses API only.
RESPONSES_ONLY = "Responses API only; this client speaks Chat Completions"
#: The reason of a Responses client's cell for a check of Chat Completions only.
CHAT_ONLY = "Chat Completions only; this client speaks the Responses API"


async def run_check(adapter_cls: type[Adapter], check: Check) -> dict[str, Any]:
    """One cell: the check's scenario on a fresh server, the client driven through its script."""
    cell: dict[str, Any] = {"check": check.name, "client": adapter_cls.client}
    if adapter_cls.api not in check.apis:
        return cell | {"status": "n/a", "reason": CHAT_ONLY if check.apis == ("chat",) else RESPONSES_ONLY, "facts": {}}
    if adapter_cls.transport not in check.transports:
        only = " and ".join(check.transports)
        return cell | {"status": "n/a", "reason": f"{only} only; this client is {adapter_cls.transport}", "facts": {}}
    started = time.monotonic()
    source = check.scenario()
    async with FakeServer(source=source) if source is not None else FakeServer() as server:
        adapter = adapter_cls(Endpoint(server.url, server.ws_url), check.name)
        session = Session(adapter, server.log)
        problem = await _drive(adapter, check, session)
        await asyncio.sleep(0.1)
        if problem is not None:
            verdict = Verdict("fail", problem)
        else:
            try:
                verdict = check.judge(session)
            except Exception as exc:  # a turn the judge expected never ran (the client broke early)
                verdict = Verdict("fail", f"could not judge: {describe(exc)}")
        changed = adapter_cls.changed_in(check.name)
        if changed:  # the cell says which settings it ran with that are not the client's defaults
            verdict.reason += f" [non-default in this check: {', '.join(changed)}]"
            verdict.facts["non_default_settings"] = changed
        cell |= {
            "status": verdict.status,
            "reason": verdict.reason,
            "facts": verdict.facts,
            "seconds": round(time.monotonic() - started, 2),
            "turns": [t.as_json() for t in session.turns],
            "requests": [r.summary() for r in server.log],
        }
        if verdict.status != "pass":
            cell["timeline"] = render(server.log, max_lines=80)
    return cell


async def _drive(adapter: Adapter, check: Check, session: Session) -> str | None:
    """Open, run the script, close; everything inside ``check.budget``. A problem, or None."""

    async def body() -> None:
        # open() runs in this task, not a child: a client may bind context (LiveKit's http session
        # lives in a context variable) that the turns' tasks must inherit.
        await adapter.open()
        try:
            await check.script(session)
        finally:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(adapter.close(), timeout=10)

    try:
        await asyncio.wait_for(body(), timeout=check.budget)
    except asyncio.TimeoutError:
        return f"the check exceeded its {check.budget:.0f} s budget"
    except Exception as exc:
        return f"harness could not drive the client: {describe(exc)}"
    return None


async def run_client(client: Client, checks: list[Check] | None = None, *, progress: bool = False) -> list[dict[str, Any]]:
    adapter_cls = client.load()
    cells = []
    for check in checks or CHECKS:
        cell = await run_check(adapter_cls, check)
        if progress:
            print(
                f"{client.name:14} {check.name:28} {cell['status']:4} {cell.get('seconds', 0):6.1f}s", file=sys.stderr, flush=True
            )
        cells.append(cell)
    return cells


NOISY_LOGGERS = ("livekit", "livekit.agents", "livekit.plugins.openai", "videosdk", "openai_replay.server", "openai", "httpx")


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """`_quiet` for a block, with every logger level and warning filter put back after it (an
    in-process caller, such as `openai-replay explore` under test, must not silence its host)."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in NOISY_LOGGERS)]
    levels = [logger.level for logger in loggers]
    handlers = list(logging.getLogger().handlers)
    try:
        with warnings.catch_warnings():
            _quiet()
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
        logging.getLogger().handlers[:] = handlers


def _quiet() -> None:
    logging.basicConfig(level=logging.CRITICAL)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    with contextlib.suppress(ImportError):
        from loguru import logger

        logger.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m openai_replay.conformance.runner")
    parser.add_argument("--client", action="append", default=[], help="client or extra name (repeatable)")
    parser.add_argument("--check", action="append", default=[], help="only these checks (repeatable)")
    parser.add_argument("--json", type=Path, required=True, help="write the cells here")
    args = parser.parse_args(argv)
    _quiet()
    checks = [c for c in CHECKS if not args.check or c.name in args.check]
    results: dict[str, Any] = {"clients": {}, "python": sys.version.split()[0]}
    for client in select(args.client):
        problem = client.missing()
        started = time.monotonic()
        if problem:
            results["clients"][client.name] = {"unavailable": problem}
            continue
        cells = asyncio.run(run_client(client, checks, progress=True))
        adapter_cls = client.load()
        results["clients"][client.name] = {
            "cells": cells,
            "settings": {name: setting.as_json() for name, setting in adapter_cls.settings.items()},
            "default_wait": adapter_cls.default_wait,
            "seconds": round(time.monotonic() - started, 1),
            "versions": versions(client),
        }
    args.json.write_text(json.dumps(results, indent=2))
    return 0


def versions(client: Client) -> dict[str, str]:
    """The installed versions that matter for this client's results."""
    from importlib.metadata import PackageNotFoundError, version

    names = {
        "openai": ["openai"],
        "livekit": ["livekit-plugins-openai", "livekit-agents", "openai"],
        "pipecat": ["pipecat-ai", "openai", "websockets"],
        "videosdk": ["videosdk-plugins-openai", "videosdk-agents", "openai", "aiohttp"],
        "livekit-js": [],
    }[client.extra]
    found: dict[str, str] = {}
    for name in names:
        with contextlib.suppress(PackageNotFoundError):
            found[name] = version(name)
    if client.extra == "livekit-js":
        from openai_replay.conformance.adapters.livekit_js import node_dir

        # The npm openai package (not the Python one the other columns pin): named apart so it is never
        # compared with the Python pin.
        npm = {"@livekit/agents": "@livekit/agents", "@livekit/agents-plugin-openai": "@livekit/agents-plugin-openai"}
        for pkg, name in (npm | {"openai": "openai (npm)"}).items():
            with contextlib.suppress(OSError, ValueError):
                meta = json.loads((node_dir() / "node_modules" / pkg / "package.json").read_text())
                found[name] = str(meta["version"])
    return found


if __name__ == "__main__":
    sys.exit(main())
