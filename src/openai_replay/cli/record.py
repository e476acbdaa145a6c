"""``openai-replay record``: run the recording proxy until Ctrl-C, then save the cassette."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from openai_replay.cassette import Cassette, CassetteError, load_cassette
from openai_replay.cassette.outfile import RecordingNotSaved, RecordingTarget, TargetError, working_path
from openai_replay.cassette.recording import public_url
from openai_replay.cassette.redact import Redactor
from openai_replay.cli.exposure import remote_refusal
from openai_replay.cli.record_watch import not_saved_message, quiet_autosave_log, watch_autosave
from openai_replay.cli.serve import stop_on_signals
from openai_replay.exposure import is_loopback
from openai_replay.server.recorder import RecordingProxy


def run_record(args: argparse.Namespace) -> int:
    """Record through a loopback proxy to ``args.upstream`` into ``args.out``."""
    refused = remote_refusal(args.host, args, "the recording proxy (and the upstream behind it)")
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    target = RecordingTarget(Path(args.out))
    try:
        keep = _existing(args)
        target.acquire()  # one record per --out; no working file of a killed run is overwritten
    except (ValueError, TargetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        return _record_locked(args, keep, target.working)
    finally:
        target.release()


def _record_locked(args: argparse.Namespace, keep: Cassette | None, working: Path) -> int:
    try:
        # The proxy writes a working file; it becomes --out only when the recording succeeded, so a
        # failed one never replaces (or, with --append, carries off) the cassette already there.
        proxy = RecordingProxy(
            upstream=args.upstream, out=working, host=args.host, port=args.port, keep=keep, lend_key=args.lend_key or None
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        lent = "LENDS your OPENAI_API_KEY to anyone who reaches it" if proxy.lends_key else "lends no API key"
        print(f"warning: exposed on {args.host}:{args.port} (not loopback): a recording proxy that {lent}", file=sys.stderr)
    elif not os.environ.get("OPENAI_API_KEY"):
        print("note: OPENAI_API_KEY is not set; each client's own Authorization header is forwarded", file=sys.stderr)
    quiet_autosave_log()
    try:
        asyncio.run(_record_until_stopped(proxy, args))
    except RecordingNotSaved as exc:
        print(f"error: {not_saved_message(proxy, exc, Path(args.out))}", file=sys.stderr, flush=True)
        return 1
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    failures = proxy.failures()
    if failures:
        out = Path(args.out)
        aside = out.with_name(out.stem + ".failed.json")
        if working.is_file():
            os.replace(working, aside)
        print(
            f"error: the recording failed, so {args.out} is not a cassette: {failures[0]}"
            + (f" (and {len(failures) - 1} more)" if len(failures) > 1 else "")
            + f". What was recorded is in {aside} for inspection; it is never replayed.",
            file=sys.stderr,
            flush=True,
        )
        return 1
    if working.is_file():
        os.replace(working, args.out)
    cassette = proxy.cassette()
    print(f"saved {len(cassette.connections)} connection(s) / exchange(s) to {args.out}", flush=True)
    print(f"replay it with: openai-replay serve --cassette {args.out}", flush=True)
    return 0


def _existing(args: argparse.Namespace) -> Cassette | None:
    """What ``--out`` holds when ``--append`` keeps it; refuses to replace it without ``--overwrite``."""
    out = Path(args.out)
    if not out.exists() or args.overwrite:
        return None
    if not args.append:
        raise ValueError(
            f"{out} already exists; pass --overwrite to replace it, --append to add this session after it, "
            "or choose another --out"
        )
    try:
        return load_cassette(out)
    except CassetteError as exc:
        raise ValueError(f"--append cannot read it: {exc}") from None


async def _record_until_stopped(proxy: Any, args: argparse.Namespace) -> None:
    stop = stop_on_signals()
    await proxy.start()
    upstream = Redactor().text(public_url(args.upstream))  # never print a password or a key in the URL
    print(f"openai-replay recording proxy on {proxy.url} (WebSocket: {proxy.ws_url}) -> {upstream}", flush=True)
    working = working_path(Path(args.out)).name
    print(
        f"writing {args.out} (as {working} until the recording stops cleanly); point your client's base_url at "
        f"{proxy.url}. Press Ctrl-C to stop.",
        flush=True,
    )
    try:
        await watch_autosave(proxy, stop)
    finally:
        await proxy.stop()
