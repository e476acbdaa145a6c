"""Benchmark server processes: a free loopback port, waiting until a server listens, stopping it by PID,
the `openai-replay serve` command line, and the open-files limit the servers inherit."""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import sys
import time

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> float:
    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.time() - t0
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"port {port} not ready after {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(5)


def openai_replay_serve(port: int, *source: str) -> list[str]:
    """``openai-replay serve`` on loopback without auth (the harness sends no key), answering from ``source``."""
    return [PY, "-m", "openai_replay.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-auth", *source]


def raise_nofile(want: int = 20000) -> int:
    """Lift the soft open-files limit towards the hard one (inherited by the servers): conc_big
    holds 1,000 sockets in the server and 1,000 in the client."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
