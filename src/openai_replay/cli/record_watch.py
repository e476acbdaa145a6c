"""What ``openai-replay record`` says about its autosave while it runs, and when the last save fails:
one line each, saying what is on disk and where (docs/cassettes.md, "When the disk says no")."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from openai_replay.cassette.outfile import RecordingNotSaved
from openai_replay.server.recorder import RecordingProxy

#: Say that autosave is behind once the oldest unsaved finished connection has waited this long...
BEHIND_AFTER = 2.0
#: ...and say it again at most this often while it stays behind.
REPEAT_EVERY = 5.0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


async def watch_autosave(
    proxy: RecordingProxy, stop: asyncio.Event, *, every: float = 0.5, behind_after: float = BEHIND_AFTER
) -> None:
    """Until ``stop`` is set: report an autosave that fails or falls behind, once per change or `REPEAT_EVERY`."""
    said_error: OSError | None = None
    said_behind_at = float("-inf")
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass
        error = proxy.autosave_error
        if error is not None and said_error is None:
            _say(
                f"error: cannot autosave to {proxy.out} ({error.strerror or error}); {_on_disk(proxy)}. The recording "
                "is kept in memory and written when you stop (Ctrl-C); a crash before then loses it"
            )
        elif error is None and said_error is not None:
            _say(f"note: autosave to {proxy.out} works again; {_on_disk(proxy)}")
        said_error = error
        pending, waited = proxy.autosave_behind()
        now = time.monotonic()
        if error is None and pending and waited >= behind_after and now - said_behind_at >= REPEAT_EVERY:
            said_behind_at = now
            _say(
                f"note: autosave is behind: {pending} finished connection(s)/exchange(s) are not in {proxy.out.name} "
                f"yet (the oldest finished {waited:.1f} s ago); a crash now would lose them"
            )


def _on_disk(proxy: RecordingProxy) -> str:
    written = proxy.written
    if written is None:
        return f"nothing is in {proxy.out} yet"
    return f"{proxy.out} holds {written} connection(s)/exchange(s) from the last save that worked"


def quiet_autosave_log() -> None:
    """`watch_autosave` reports autosave failures in the command's words; the library's log line would repeat it."""
    logger = logging.getLogger("openai_replay.cassette.autosave")
    logger.addHandler(logging.NullHandler())
    logger.propagate = False


def not_saved_message(proxy: RecordingProxy, failure: RecordingNotSaved, out: Path) -> str:
    """The one line for a final save that failed: the recording is rescued to the temp folder if it can be."""
    cause = failure.cause.strerror or failure.cause
    working = proxy.out
    rescue = Path(tempfile.gettempdir()) / f"{out.stem}.rescued-{os.getpid()}.json"
    kept = f"; {working} holds the last autosave ({proxy.written} connection(s)/exchange(s))" if working.is_file() else ""
    try:
        proxy.save(rescue)
    except OSError as exc:
        where = kept.lstrip("; ") or "nothing was kept"
        return f"could not write {failure.out} ({cause}), nor a rescue copy to {rescue} ({exc.strerror or exc}): {where}"
    count = len(proxy.cassette().connections)
    return (
        f"could not write {failure.out} ({cause}); the whole recording ({count} connection(s)/exchange(s)) was saved "
        f"instead to {rescue}: move it where it belongs{kept}"
    )
