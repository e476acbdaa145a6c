"""Run the command line in a subprocess: the server on a free port, or any command to its end, bounded in
time, and read what it printed."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


def cli_process(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m openai_replay.cli ARGV`` to its end: exit status, stdout and stderr as text."""
    return subprocess.run(
        [sys.executable, "-m", "openai_replay.cli", *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+/v1)")


class Served:
    def __init__(self, proc: asyncio.subprocess.Process, url: str, banner: list[str]) -> None:
        self.proc, self.url, self.banner = proc, url, banner
        self.returncode: int | None = None
        self.stdout = self.stderr = ""


@asynccontextmanager
async def serve(*args: str) -> AsyncIterator[Served]:
    """Start the server command on port 0, yield once it listens, stop it with SIGINT (all bounded)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, "--port", "0", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    assert proc.stdout is not None and proc.stderr is not None
    banner: list[str] = []
    try:
        while True:
            line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
            if not line:
                err = (await asyncio.wait_for(proc.stderr.read(), 5)).decode()
                raise AssertionError(f"the server exited before listening: {''.join(banner)}{err}")
            banner.append(line)
            if match := LISTENING.search(line):
                break
        served = Served(proc, match.group(1), banner)
        yield served
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    served.returncode, served.stdout, served.stderr = proc.returncode, out.decode(), err.decode()
