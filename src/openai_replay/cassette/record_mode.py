"""Record modes (pytest-recording's), and the one decision they make for a cassette path.

API for callers (the pytest plugin, the CLI):

    plan = decide(mode, path)          # mode: "none" | "once" | "new_episodes" | "all" | "rewrite"
    plan.action                        # "replay" | "record" | "both"
    plan.replay                        # serve recorded interactions from ``path``
    plan.record                        # forward what is not served to the upstream and write ``path``
    plan.keep_existing                 # the written file keeps the interactions already in ``path``

| mode           | cassette exists                        | cassette missing                |
|----------------|----------------------------------------|---------------------------------|
| ``none``       | replay only; unmatched requests fail   | `CassetteNotFound` (clear text) |
| ``once``       | replay only; unmatched requests fail   | record everything               |
| ``new_episodes`` | replay what matches, record the rest, keep old + new | record everything |
| ``all``        | record everything, keep old + new      | record everything               |
| ``rewrite``    | record everything, drop the old file's content | record everything       |

How a caller carries a plan out:

- ``replay``: ``FakeServer(source=CassetteReplay(load_cassette(path), speed=...))``.
- ``record``: ``RecordingProxy(upstream, out=path, keep=load_cassette(path) if plan.keep_existing else None)``.
- ``both``:  ``RecordingProxy(upstream, out=path, keep=existing, replay=existing)``: requests that
  match an unplayed recorded interaction are answered from it, the rest go to the upstream.

``none`` is the default: a test never reaches the network unless asked to.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from openai_replay.cassette.store import CassetteNotFound, rerecord_command

RecordMode = Literal["none", "once", "new_episodes", "all", "rewrite"]
RECORD_MODES: tuple[str, ...] = get_args(RecordMode)
DEFAULT_MODE: RecordMode = "none"


@dataclass(frozen=True)
class RecordPlan:
    """What to do with one cassette in one record mode."""

    mode: RecordMode
    path: Path
    replay: bool
    record: bool
    keep_existing: bool

    @property
    def action(self) -> Literal["replay", "record", "both"]:
        if self.replay and self.record:
            return "both"
        return "replay" if self.replay else "record"


def check_mode(mode: str) -> RecordMode:
    """``mode`` if it is a record mode, else a `ValueError` listing them."""
    if mode not in RECORD_MODES:
        raise ValueError(f"unknown record mode {mode!r}; use one of: {', '.join(RECORD_MODES)}")
    return mode  # type: ignore[return-value]


def decide(mode: str, path: str | os.PathLike[str], *, upstream: str | None = None) -> RecordPlan:
    """The plan for ``mode`` and the cassette at ``path`` (whether it exists decides ``once``)."""
    checked = check_mode(mode)
    target = Path(path)
    exists = target.is_file()
    if checked == "none":
        if not exists:
            raise CassetteNotFound(
                f"cassette {target} does not exist and record mode is 'none' (replay only). Record it with "
                f"--record-mode=once, or from the command line: {rerecord_command(target, upstream)}"
            )
        return RecordPlan(checked, target, replay=True, record=False, keep_existing=True)
    if checked == "once":
        return RecordPlan(checked, target, replay=exists, record=not exists, keep_existing=exists)
    if checked == "new_episodes":
        return RecordPlan(checked, target, replay=exists, record=True, keep_existing=exists)
    if checked == "all":
        return RecordPlan(checked, target, replay=False, record=True, keep_existing=exists)
    return RecordPlan(checked, target, replay=False, record=True, keep_existing=False)
