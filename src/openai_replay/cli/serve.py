"""Run the server from the command line until Ctrl-C or SIGTERM (shared by both entry points)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import gc
import json
import logging
import os
import signal
import sys
import warnings
from typing import Any

from openai_replay.cli import eventloop
from openai_replay.cli.argtypes import non_negative, port, seconds, whole_number
from openai_replay.cli.exposure import add_allow_remote, add_control_token, serve_exposure
from openai_replay.cli.serve_output import (
    add_output_arguments,
    server_options,
    start_request_output,
    stop_request_output,
    summary,
)
from openai_replay.cli.wslimits import add_ws_limit_arguments, ws_limit_settings
from openai_replay.config import ServerConfig
from openai_replay.server.server import FakeServer

#: Requests a standalone server keeps in its request log (nobody reads it after they are answered).
DEFAULT_LOG_LIMIT = 1000
#: Bytes of one payload a standalone server's request log keeps (larger ones are cut, with a note).
DEFAULT_LOG_PAYLOAD_LIMIT = 16 * 1024
#: Event types the request log keeps per request (a long stream keeps its first and last ones).
DEFAULT_LOG_EVENT_LIMIT = 256
#: Stored (``store: true``) responses a standalone server keeps for ``previous_response_id``.
DEFAULT_STORE_LIMIT = 10_000


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=port, default=8765, help="port to bind, 0 for any free port (default: 8765)")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without an Authorization header")
    parser.add_argument(
        "--ready-file",
        default=None,
        metavar="PATH",
        help='once listening, write {"port", "url", "ws_url", "pid"} as JSON to PATH (removed on stop), for --port 0',
    )
    parser.add_argument(
        "--cancel-mode",
        choices=["reject", "honour"],
        default="reject",
        help="how to answer response.cancel: like the real API (reject) or end the response (honour)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for ids and padding (same seed, same bytes)")
    parser.add_argument(
        "--chunk-size",
        type=whole_number("characters per text delta", 1),
        default=None,
        help="characters per text delta (default: one word)",
    )
    parser.add_argument(
        "--connection-limit",
        type=seconds("a connection-time limit", note=" (0: no limit)"),
        default=3600.0,
        metavar="SECONDS",
        help="WebSocket connection-time limit (default: 3600; 0: no limit)",
    )
    parser.add_argument(
        "--realtime-pace",
        type=non_negative("a pace, 0 or more (1 = real time, 0 = as fast as the socket takes it)"),
        default=0.0,
        metavar="X",
        help="Realtime output audio pace: 1 real time (barge-in tests), 2 twice as fast, 0 as fast as possible (default)",
    )
    parser.add_argument(
        "--scenario",
        default=None,
        metavar="FILE_OR_BUILTIN",
        help="answer with a scenario: a JSON file, or a built-in name such as close_mid_stream or "
        "connection_limit:turn=3 (list them with 'openai-replay scenarios')",
    )
    parser.add_argument(
        "--cassette",
        default=None,
        metavar="FILE",
        help="replay a recorded cassette (from 'openai-replay record' or 'import-vcr') instead of the simulated model",
    )
    parser.add_argument(
        "--speed",
        type=non_negative("a speed, 0 or more (1 = as recorded, 2 = twice as fast, 0 = no waiting)"),
        default=0.0,
        metavar="X",
        help="cassette replay rate: 1 as recorded, 2 twice as fast, 0.5 half as fast, 0 no waiting (default)",
    )
    parser.add_argument(
        "--time-scale",
        type=non_negative("a time scale, 0 or more (the old --speed: a factor on the recorded delays)"),
        default=None,
        metavar="X",
        help="deprecated: the old meaning of --speed, a factor on the recorded delays (2 = twice as slow)",
    )
    parser.add_argument(
        "--log-limit",
        type=whole_number("a number of requests to keep", 0, note=" (0 keeps every request)"),
        default=DEFAULT_LOG_LIMIT,
        metavar="N",
        help=f"keep only the newest N requests in the in-memory request log (default: {DEFAULT_LOG_LIMIT}; 0 keeps all)",
    )
    parser.add_argument(
        "--loop",
        choices=eventloop.CHOICES,
        default="auto",
        help="event loop: uvloop when installed (the 'uvloop' extra), else asyncio's (default: auto)",
    )
    parser.add_argument(
        "--log-payload-limit",
        type=whole_number("a number of bytes", 0, note=" (0 keeps payloads whole)"),
        default=DEFAULT_LOG_PAYLOAD_LIMIT,
        metavar="BYTES",
        help="cut request payloads and output items over this size in the request log, with a note "
        f"(default: {DEFAULT_LOG_PAYLOAD_LIMIT}; "
        "0 keeps them whole)",
    )
    parser.add_argument(
        "--log-event-limit",
        type=whole_number("a number of event types", 0, note=" (0 keeps them all)"),
        default=DEFAULT_LOG_EVENT_LIMIT,
        metavar="N",
        help=f"keep at most N event types per request in the request log, the first and last ones, with a note "
        f"(default: {DEFAULT_LOG_EVENT_LIMIT}; 0 keeps all)",
    )
    parser.add_argument(
        "--store-limit",
        type=whole_number("a number of stored responses to keep", 0, note=" (0 keeps all)"),
        default=DEFAULT_STORE_LIMIT,
        metavar="N",
        help=f"keep only the newest N stored (store: true) responses (default: {DEFAULT_STORE_LIMIT}; 0 keeps all)",
    )
    parser.add_argument(
        "--header-timeout",
        type=seconds("a header timeout", note=" (0: none)"),
        default=ServerConfig.header_timeout,
        metavar="SECONDS",
        help=f"close a connection that has not sent a request's headers within this time (default: "
        f"{ServerConfig.header_timeout:g}; 0: never)",
    )
    parser.add_argument(
        "--body-timeout",
        type=seconds("a body timeout", note=" (0: none)"),
        default=ServerConfig.body_timeout,
        metavar="SECONDS",
        help=f"answer 408 to an HTTP request whose body has not arrived within this time (default: "
        f"{ServerConfig.body_timeout:g}; 0: never)",
    )
    add_ws_limit_arguments(parser)
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request (one timeline line each)")
    add_output_arguments(parser)
    add_allow_remote(parser)
    add_control_token(parser)


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        require_auth=not args.no_auth,
        cancel_mode=args.cancel_mode,
        seed=args.seed,
        chunk_size=args.chunk_size,
        connection_limit_seconds=args.connection_limit,
        realtime_pace=args.realtime_pace,
        log_limit=args.log_limit or None,
        log_payload_limit=args.log_payload_limit or None,
        log_event_limit=args.log_event_limit or None,
        store_limit=args.store_limit or None,
        header_timeout=args.header_timeout or None,
        body_timeout=args.body_timeout or None,
        **ws_limit_settings(args),
    )


def stop_on_signals() -> asyncio.Event:
    """An event set by Ctrl-C (SIGINT) or SIGTERM, for a clean shutdown of a command-line server."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    return stop


async def serve_until_stopped(server: FakeServer, ready_file: str | None = None) -> None:
    stop = stop_on_signals()
    await server.start()
    server.state.on_shutdown_request = stop.set  # POST /__replay/shutdown, as Ctrl-C
    # What start-up made (modules, the source, the app) lives as long as the process: out of the
    # collector's way, so a full collection does not walk it again every few thousand requests.
    gc.collect()
    gc.freeze()
    print(f"openai-replay fake server listening on {server.url} (WebSocket: {server.ws_url})", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        if ready_file:
            write_ready_file(ready_file, server)
        await stop.wait()
    finally:
        await server.stop()
        if ready_file:
            with contextlib.suppress(OSError):
                os.unlink(ready_file)  # a stale file would announce a server that is gone
        print("openai-replay fake server stopped.", flush=True)


def write_ready_file(path: str, server: FakeServer) -> None:
    """``{"port", "url", "ws_url", "pid"}`` as one JSON line, written whole (a reader never sees half a file)."""
    doc = {"port": server.port, "url": server.url, "ws_url": server.ws_url, "pid": os.getpid()}
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(doc) + "\n")
    os.replace(temporary, path)


def run(args: argparse.Namespace, server: FakeServer | None = None) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    refused, control_token = serve_exposure(args) if server is None else (None, None)
    if refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    scenario = None
    if getattr(args, "scenario", None):
        from openai_replay.scenarios import ScenarioError, resolve

        try:
            scenario = resolve(args.scenario)
        except ScenarioError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    replay = None
    if getattr(args, "cassette", None):
        from openai_replay.cassette import CassetteError, CassetteReplay

        if scenario is not None:
            print("error: use --cassette or --scenario, not both", file=sys.stderr)
            return 2
        try:
            time_scale = getattr(args, "time_scale", None)
            if time_scale is not None:
                print(
                    "note: --time-scale is deprecated (it is the old --speed, a factor on the recorded delays); "
                    f"--speed is now a rate: use --speed {1 / time_scale if time_scale else 0:g}",
                    file=sys.stderr,
                )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # said above, in the CLI's words
                replay = CassetteReplay(args.cassette, speed=args.speed, time_scale=time_scale)
        except (CassetteError, ValueError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        pace = f"delays x{replay.delay_factor:g}" if replay.delay_factor else "no waiting"
        print(f"cassette {args.cassette}: {len(replay.items)} recorded interaction(s), speed {args.speed:g} ({pace})", flush=True)
    source, options = replay or scenario, server_options(args)
    server = server or FakeServer(
        host=args.host, port=args.port, config=config_from_args(args), source=source, control_token=control_token, **options
    )
    if scenario is not None:
        print(f"scenario '{scenario.name}': {len(scenario.all_rules())} rule(s)", flush=True)
    try:
        output = start_request_output(args)
    except OSError as exc:
        print(f"error: cannot write the log file {args.log_file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        eventloop.run(serve_until_stopped(server, getattr(args, "ready_file", None)), getattr(args, "loop", "auto"))
    except eventloop.LoopUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        taken = exc.errno == errno.EADDRINUSE
        hint = "; pass --port 0 for any free port (with --ready-file PATH to learn which)" if taken else ""
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}{hint}", file=sys.stderr)
        return 2
    finally:
        stop_request_output(output)
    for line in summary(server):
        print(line, flush=True)
    if scenario is not None:
        return report_scenario(scenario)
    if replay is not None:
        report = replay.report()
        print(report or f"cassette {args.cassette}: every interaction played", file=sys.stderr if report else sys.stdout)
        return 1 if replay.mismatches else 0
    return 0


def report_scenario(scenario: Any) -> int:
    """After the server stops: print what did not go as the scenario declared (exit status 1), if anything."""
    problems = scenario.verify()
    for problem in problems:
        print(f"scenario '{scenario.name}': {problem}", file=sys.stderr, flush=True)
    if not problems:
        print(f"scenario '{scenario.name}': every rule fired as declared", flush=True)
    return 1 if problems else 0
