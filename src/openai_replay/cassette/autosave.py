"""`BackgroundSaver`: save a recording on a thread of its own, never on the caller's (the event loop).

    saver = BackgroundSaver(proxy.save, name="openai-replay-autosave")
    saver.request()        # after each finished connection: returns at once
    saver.close()          # waits for a save in flight, then stops

Requests made while a save runs coalesce into one more save, so a burst of finished connections
costs two saves, not one per connection, and the proxy keeps answering while the file is written.
"""

from __future__ import annotations

import logging
import threading
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

    def request(self) -> None:
        """Ask for a save soon; returns at once."""
        with self._start_lock:
            if self._closing:
                return
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        self._wanted.set()

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
            try:
                self._save()
                self.saves += 1
            except Exception:  # a failed autosave must not end the recording; the final save runs again
                log.exception("openai-replay record: autosave failed")
