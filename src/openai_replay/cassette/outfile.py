"""What ``openai-replay record`` holds while it writes ``--out``: a lock, a working file, no debris.

    target = RecordingTarget(Path("cassettes/chat.json"))
    target.acquire()        # TargetError: another record writes it, the folder is read-only, or a
                            # working file is left from a run that was killed
    ...                     # the proxy autosaves to target.working (<name>.recording.json)
    target.release()

The lock is ``flock`` on ``.<name>.lock`` beside the cassette: the kernel drops it when the process
dies (even by SIGKILL), so a lock is never stale; the file itself is removed on release. Where
``flock`` is unavailable (Windows) there is no lock. Temporary files of interrupted atomic writes
(``.<name>.*.tmp``) are removed while the lock is held, when nobody else can be writing them.
"""

from __future__ import annotations

import os
from pathlib import Path


class TargetError(Exception):
    """``--out`` cannot be recorded to now; the message says why and what to do."""


def working_path(out: Path) -> Path:
    """Where a recording is written until it is known to be good: ``<name>.recording.json``."""
    return out.with_name(out.stem + ".recording.json")


class RecordingTarget:
    """The cassette ``out``, its working file and its lock."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.working = working_path(out)
        self.lock_path = out.with_name(f".{out.name}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Lock ``out`` for this process, clear debris, and refuse a working file left by a killed run."""
        fd = self._open_locked()
        self._fd = fd
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.remove_debris()
        if self.working.exists():
            left = self.working
            self.release()
            raise TargetError(leftover_message(left, self.out))

    def _open_locked(self) -> int:
        folder = self.out.parent
        for _ in range(5):  # the holder may remove the lock file between our open and our lock: open it again
            try:
                folder.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise TargetError(
                    f"cannot record to {self.out}: cannot write in {folder} ({exc.strerror or exc}); nothing was "
                    "recorded. Choose an --out in a writable folder"
                ) from None
            if not _lock(fd):
                holder = _read_pid(fd)
                os.close(fd)
                who = f" (pid {holder})" if holder else ""
                raise TargetError(
                    f"another 'openai-replay record'{who} is recording to {self.out}; two recordings into one file "
                    "would keep only the last. Stop it first, or choose another --out"
                )
            try:
                if os.fstat(fd).st_ino == os.stat(self.lock_path).st_ino:
                    return fd
            except FileNotFoundError:
                pass
            os.close(fd)
        raise TargetError(f"cannot lock {self.lock_path}: it keeps changing; is another record starting and stopping?")

    def remove_debris(self) -> list[Path]:
        """Delete the temporary files of interrupted writes of ``out`` and its working file."""
        removed = []
        for name in (self.out.name, self.working.name):
            for tmp in self.out.parent.glob(f".{_glob_escape(name)}.*.tmp"):
                try:
                    tmp.unlink()
                    removed.append(tmp)
                except OSError:
                    pass
        return removed

    def release(self) -> None:
        if self._fd is None:
            return
        self.remove_debris()
        try:
            self.lock_path.unlink()  # before unlocking: a waiting process then makes a fresh one
        except OSError:
            pass
        os.close(self._fd)  # closing drops the flock
        self._fd = None


def leftover_message(working: Path, out: Path) -> str:
    """What to do with a working file a killed recording left behind."""
    from openai_replay.cassette.store import CassetteError, load_cassette

    try:
        held = f"it holds {len(load_cassette(working).connections)} connection(s)/exchange(s)"
    except CassetteError as exc:
        held = f"it does not load as a cassette: {exc}"
    return (
        f"{working} is left from a recording of {out} that did not stop cleanly ({held}), and a new recording "
        f"would overwrite it. Keep it: mv {working} {out} (then replay it with: openai-replay serve --cassette {out}); "
        f"or drop it: rm {working}. Then run record again"
    )


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def _lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no lock
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_pid(fd: int) -> str:
    try:
        return os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except (OSError, AttributeError):
        return ""


class RecordingNotSaved(RuntimeError):
    """The final save failed (read-only folder, disk full); ``cause`` is the ``OSError``. The
    recording is still in memory: `RecordingProxy.save` can write it somewhere else."""

    def __init__(self, out: Path, cause: OSError) -> None:
        super().__init__(f"cannot write {out}: {cause.strerror or cause}")
        self.out = out
        self.cause = cause
