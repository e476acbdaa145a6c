"""``openai-replay record`` never loses a recording silently: one process per --out, a killed run's
working file is kept, no temporary debris, and a disk that says no gets one line saying what is where."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cassettekit import http_raw
from servekit import cli_process

from fake_server import FakeServer
from openai_replay.cassette import load_cassette

MODEL = {"model": "gpt-4o-mini"}


class Recorder:
    """A running ``openai-replay record`` subprocess and what it printed."""

    def __init__(self, proc: asyncio.subprocess.Process, url: str) -> None:
        self.proc, self.url = proc, url
        self.stdout = self.stderr = ""

    async def stop(self, sig: int = signal.SIGINT) -> int:
        self.proc.send_signal(sig)
        out, err = await asyncio.wait_for(self.proc.communicate(), 30)
        self.stdout, self.stderr = out.decode(), err.decode()
        return await self.proc.wait()


@asynccontextmanager
async def recording(
    upstream: str, out: Path, *, env: dict[str, str] | None = None, limit: Callable[[], None] | None = None
) -> AsyncIterator[Recorder]:
    """``openai-replay record --port 0`` to ``upstream`` into ``out``, once it listens; killed if left running."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "openai_replay.cli", "record", "--upstream", upstream, "--out", str(out), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ, **(env or {})},
        preexec_fn=limit,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode()
    assert "recording proxy on" in line, line + (await proc.stderr.read()).decode()  # type: ignore[union-attr]
    recorder = Recorder(proc, line.split("recording proxy on ", 1)[1].split()[0])
    try:
        yield recorder
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def exchanges(url: str, count: int) -> None:
    for number in range(count):
        status, _ = await http_raw(url, {**MODEL, "input": f"turn {number}"})
        assert status == 200


async def on_disk(path: Path, count: int, timeout: float = 10) -> None:
    """Wait until the autosaved ``path`` holds ``count`` connections."""
    for _ in range(int(timeout / 0.05)):
        try:
            if len(json.loads(path.read_text())["connections"]) >= count:
                return
        except (OSError, ValueError):
            pass
        await asyncio.sleep(0.05)
    raise AssertionError(f"{path} never held {count} connection(s)")


@pytest.mark.slow
async def test_a_second_record_on_the_same_out_is_refused_and_the_first_keeps_everything(tmp_path: Path) -> None:
    """Two records on one --out: the second exits 2 naming the first's pid; the first saves all it recorded."""
    out = tmp_path / "c.json"
    async with FakeServer(seed=1) as upstream, recording(upstream.url, out) as first:
        await exchanges(first.url, 2)
        second = await asyncio.to_thread(cli_process, "record", "--upstream", upstream.url, "--out", str(out), "--port", "0")
        assert second.returncode == 2 and f"(pid {first.proc.pid}) is recording to {out}" in second.stderr
        assert first.proc.returncode is None
        assert await first.stop() == 0, first.stderr
    assert "saved 2 connection(s)" in first.stdout and len(load_cassette(out).connections) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]  # no lock file, working file or .tmp left


@pytest.mark.slow
async def test_a_killed_recordings_working_file_is_kept_and_the_next_run_says_what_to_do(tmp_path: Path) -> None:
    """After SIGKILL the next record keeps <name>.recording.json, says how to keep or drop it, and clears .tmp debris."""
    out, working = tmp_path / "c.json", tmp_path / "c.recording.json"
    async with FakeServer(seed=1) as upstream:
        async with recording(upstream.url, out) as killed:
            await exchanges(killed.url, 3)
            await on_disk(working, 3)
            await killed.stop(signal.SIGKILL)
        kept = working.read_bytes()
        debris = tmp_path / ".c.recording.json.abc123.tmp"  # what a write cut by SIGKILL leaves
        debris.write_text("{")
        again = await asyncio.to_thread(cli_process, "record", "--upstream", upstream.url, "--out", str(out), "--port", "0")
    assert again.returncode == 2 and "did not stop cleanly (it holds 3 connection(s)" in again.stderr
    assert f"mv {working} {out}" in again.stderr and f"rm {working}" in again.stderr and "Traceback" not in again.stderr
    assert working.read_bytes() == kept and not debris.exists() and not out.exists()
    os.replace(working, out)  # the way out the message gives
    assert len(load_cassette(out).connections) == 3


def _read_only_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root writes anyway: use a folder nobody may write in
        return Path("/sys/openai-replay-test")
    return folder


@pytest.mark.slow
def test_a_read_only_folder_is_one_clear_line_before_anything_listens(tmp_path: Path) -> None:
    """--out in a read-only folder: exit 2 with one line saying nothing was recorded; no traceback, no 'cannot listen'."""
    out = _read_only_folder(tmp_path) / "c.json"
    ran = cli_process("record", "--upstream", "http://127.0.0.1:9/v1", "--out", str(out), "--port", "0")
    lines = ran.stderr.strip().splitlines()
    assert ran.returncode == 2 and len(lines) == 1, ran.stderr
    assert f"cannot record to {out}" in lines[0] and "nothing was recorded" in lines[0] and "listen" not in lines[0]


def _file_size_limit(size: int) -> Callable[[], None]:
    def limit() -> None:  # a write past `size` fails with EFBIG, as a full disk fails with ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.slow
async def test_a_full_disk_is_reported_once_and_the_end_says_what_was_kept(tmp_path: Path) -> None:
    """Autosave failing for want of space: one line while recording (not a traceback per save); at the end one
    line naming the working file and how much of the recording it holds; exit 1."""
    out, working = tmp_path / "c.json", tmp_path / "c.recording.json"
    async with FakeServer(seed=1) as upstream:
        async with recording(upstream.url, out, limit=_file_size_limit(12_000), env={"TMPDIR": str(tmp_path)}) as full:
            await exchanges(full.url, 1)
            await on_disk(working, 1)
            await exchanges(full.url, 8)  # the file outgrows the limit
            await asyncio.sleep(1.5)
            assert await full.stop() == 1
    assert "Traceback" not in full.stderr and full.stderr.count("cannot autosave") == 1, full.stderr
    last = full.stderr.strip().splitlines()[-1]
    assert last.startswith(f"error: could not write {working}") and "File too large" in last
    held = len(load_cassette(working).connections)
    assert held >= 1 and f"{working} holds the last autosave ({held} connection(s)" in last
    assert "saved" not in full.stdout and not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp" or p.name.endswith(".lock")]


@pytest.mark.slow
async def test_when_the_folder_is_gone_at_the_end_the_recording_is_rescued_to_the_temp_folder(tmp_path: Path) -> None:
    """The last save cannot write the folder: the whole recording goes to $TMPDIR, and the line says where."""
    folder, rescue = tmp_path / "cassettes", tmp_path / "tmp"
    rescue.mkdir()
    async with FakeServer(seed=1) as upstream:
        async with recording(upstream.url, folder / "c.json", env={"TMPDIR": str(rescue)}) as gone:
            await exchanges(gone.url, 2)
            await on_disk(folder / "c.recording.json", 2)
            for path in folder.iterdir():
                path.unlink()
            folder.rmdir()
            folder.write_text("a file where the folder was")  # every later write there fails
            await exchanges(gone.url, 1)
            assert await gone.stop() == 1
    last = gone.stderr.strip().splitlines()[-1]
    (saved,) = rescue.glob("c.rescued-*.json")
    assert f"was saved instead to {saved}" in last and "(3 connection(s)" in last and "Traceback" not in gone.stderr
    assert len(load_cassette(saved).connections) == 3
