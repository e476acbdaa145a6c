"""`BackgroundSaver`: save a recording on a thread of its own, never on the caller's (the event loop).

    saver = BackgroundSaver(proxy.save, name="openai-replay-autosave")
    saver.request()        # after each finished connection: returns at once
    saver.behind()         # (finished connections not yet on disk, seconds the oldest has waited)
    saver.close()          # waits for a save in flight, then stops

Requests made while a save runs coalesce into one more save, so a burst of finished connections
costs two saves, not one per connection, and the proxy keeps answering while the file is written.
A save that fails with an ``OSError`` (read-only folder, full disk) is noted in `error` and logged
once, not once per save; the next successful save clears it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("openai_replay.cassette.autosave")


class BackgroundSaver:
    """Calls ``save`` on a daemon thread whenever `request` was called since the last call."""

    def __init__(self, save: Callable[[], Any], *, name: str = "openai-replay-autosave") -> None:
        self._save = save
        self._name = name
        self._wanted = threading.Event()
        self._closing = False
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        #: How many saves ran (tests and benchmarks read it).
        self.saves = 0
        #: How many times a save was asked for (one per finished connection), and how many of those
        #: the last successful save covered.
        self.requested = 0
        self.covered = 0
        self._waiting_since: float | None = None  # when the oldest request not yet covered was made
        #: The last save's failure (an ``OSError``: read-only, disk full), None once a save succeeds.
        self.error: OSError | None = None
        #: Saves that failed in a row.
        self.failed = 0

    def request(self) -> None:
        """Ask for a save soon; returns at once."""
        with self._start_lock:
            self.requested += 1
            if self._waiting_since is None:
                self._waiting_since = time.monotonic()
            if self._closing:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wanted.set()

    def behind(self) -> tuple[int, float]:
        """(requests no successful save has covered yet, seconds the oldest of them has waited)."""
        with self._start_lock:
            since = self._waiting_since
            return self.requested - self.covered, (time.monotonic() - since) if since is not None else 0.0

    def close(self) -> None:
        """Stop after the save in flight (if any); a pending request is left to the caller's last save."""
        with self._start_lock:
            self._closing = True
            thread = self._thread
        self._wanted.set()
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            if self._closing:
                return
            with self._start_lock:
                covers, started = self.requested, time.monotonic()
            try:
                self._save()
            except OSError as exc:  # the disk's answer: kept for the owner to report, logged once
                if self.error is None:
                    log.warning("openai-replay record: autosave failed: %s", exc.strerror or exc)
                self.error, self.failed = exc, self.failed + 1
                continue
            except Exception:  # a bug: must not end the recording; the final save runs again
                log.exception("openai-replay record: autosave failed")
                continue
            self.saves += 1
            with self._start_lock:
                self.error, self.failed, self.covered = None, 0, covers
                self._waiting_since = None if self.requested == covers else started
