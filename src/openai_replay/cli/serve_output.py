"""What ``serve`` tells the person or program running it: a line per request (``-v``), JSON lines
(``--log-file``), a summary at exit; and the switches for the control API and the manual clock."""

from __future__ import annotations

import argparse
import copy
import json
import logging
import sys
from typing import Any

from openai_replay.cassette.redact import Redactor
from openai_replay.clock import ManualClock
from openai_replay.log.export import export_request
from openai_replay.log.timeline import finished_line
from openai_replay.log.trim import shrink
from openai_replay.server.server import FakeServer
from openai_replay.server.turns import requests_log


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-control",
        action="store_true",
        help="turn off the test-only control API under /__replay/ (request log, scenarios, assertions; see docs/control-api.md)",
    )
    parser.add_argument(
        "--manual-clock",
        action="store_true",
        help="run on a clock that moves only when told (POST /__replay/clock/advance), e.g. to reach the connection limit",
    )
    parser.add_argument("--log-file", default=None, metavar="PATH", help="append each finished request to PATH as a JSON line")


def server_options(args: argparse.Namespace) -> dict[str, Any]:
    """The `FakeServer` keyword arguments these switches ask for."""
    manual = getattr(args, "manual_clock", False)
    return {"control": not getattr(args, "no_control", False), "clock": ManualClock() if manual else None}


class JsonLines(logging.Handler):
    """Writes each finished request as one JSON object per line (the control API's request shape),
    scrubbed of secrets like a cassette, each field (the payload, the event types, the output items)
    cut to ``payload_limit`` bytes (``--log-payload-limit``; None: whole).

    A write that fails (a full disk, a file gone read-only) prints one line to stderr and stops the
    file; the server goes on serving."""

    def __init__(self, path: str, payload_limit: int | None = None) -> None:
        super().__init__(logging.INFO)
        self.path = path
        self.payload_limit = payload_limit
        self.redactor = Redactor()
        self.failed = False
        self.stream = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def emit(self, record: logging.LogRecord) -> None:
        request = getattr(record, "replay_record", None)
        if request is None or self.failed:
            return
        try:
            line = {"session": getattr(record, "replay_session", None), **export_request(request)}
            # Scrubbed before it is cut, so no cut can leave half a secret that no longer looks like one.
            for key, value in line.items():
                if isinstance(value, (dict, list, str)):
                    line[key] = value = self.redactor.value(value)
                    if self.payload_limit is not None and len(json.dumps(value, default=str)) > self.payload_limit:
                        line[key] = shrink(value, self.payload_limit)
            self.stream.write(self.redactor.text(json.dumps(line, default=str)) + "\n")
            self.stream.flush()
        except OSError as exc:
            self.failed = True
            print(
                f"error: cannot write the log file {self.path}: {exc.strerror or exc}; "
                "requests are no longer written to it (the server goes on)",
                file=sys.stderr,
                flush=True,
            )
        except ValueError:
            self.handleError(record)

    def close(self) -> None:
        try:
            self.stream.close()
        except OSError:  # the last flush failed too: said already (or nothing was lost)
            pass
        super().close()


class _Scrubbed(logging.Filter):
    """``-v``'s request lines, scrubbed of secrets (a prompt may quote a key)."""

    def __init__(self) -> None:
        super().__init__()
        self.redactor = Redactor()

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "replay_record", None)
        if request is not None:
            # The line quotes the start of each input: scrub the payload first, so no cut leaves
            # half a secret that no longer looks like one.
            session = getattr(record, "replay_session", None)
            scrubbed = copy.copy(request)
            scrubbed.payload, scrubbed._input_items = self.redactor.value(request.payload), None
            where = f"[session {session}] " if session is not None else ""
            record.msg, record.args = where + finished_line(scrubbed), ()
        record.msg, record.args = self.redactor.text(record.getMessage()), ()
        return True


_SCRUBBED = _Scrubbed()


def start_request_output(args: argparse.Namespace) -> JsonLines | None:
    """``-v`` prints a timeline line per request; ``--log-file`` adds JSON lines (and only them without ``-v``).

    Both are scrubbed of secrets. Raises ``OSError`` when the log file cannot be opened."""
    verbose = bool(getattr(args, "verbose", False))
    path = getattr(args, "log_file", None)
    if not (verbose or path):
        return None
    requests_log.setLevel(logging.INFO)
    requests_log.addFilter(_SCRUBBED)
    handler = None
    if path:
        handler = JsonLines(path, getattr(args, "log_payload_limit", None) or None)
        requests_log.addHandler(handler)
        requests_log.propagate = verbose  # without -v the lines go to the file only
    return handler


def stop_request_output(handler: JsonLines | None) -> None:
    if handler is not None:
        requests_log.removeHandler(handler)
        handler.close()
    requests_log.removeFilter(_SCRUBBED)
    requests_log.propagate = True


def summary(server: FakeServer) -> list[str]:
    """One line per session that saw anything: requests, connections, rules fired, interactions unplayed."""
    lines = []
    for session in server.sessions.all():
        log = session.state.log
        requests = log.requests[-1].turn if len(log.requests) else 0
        if session.name is not None and not requests and not log.connections:
            continue
        who = f"session {session.name!r}" if session.name is not None else "openai-replay"
        parts = [f"{requests} request(s)", f"{len(log.connections)} connection(s)"]
        source = session.state.source
        fired = getattr(source, "fired", None)
        if callable(fired):
            counts = fired()
            parts.append(f"{sum(1 for n in counts.values() if n)} of {len(counts)} rule(s) fired")
        unplayed = getattr(source, "unplayed", None)
        if callable(unplayed):
            parts.append(f"{len(unplayed())} recorded interaction(s) unplayed")
        lines.append(f"{who}: " + ", ".join(parts))
    return lines
