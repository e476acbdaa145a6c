"""Run the server from the command line until Ctrl-C or SIGTERM (shared by both entry points)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

from openai_replay.config import ServerConfig

from .server import FakeServer


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=8765, help="port to bind, 0 for any free port (default: 8765)")
    parser.add_argument("--no-auth", action="store_true", help="accept requests without an Authorization header")
    parser.add_argument(
        "--cancel-mode",
        choices=["reject", "honour"],
        default="reject",
        help="how to answer response.cancel: like the real API (reject) or end the response (honour)",
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for ids and padding (same seed, same bytes)")
    parser.add_argument("--chunk-size", type=int, default=None, help="characters per text delta (default: one word)")
    parser.add_argument(
        "--connection-limit",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="WebSocket connection-time limit (default: 3600)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")


def config_from_args(args: argparse.Namespace) -> ServerConfig:
    return ServerConfig(
        require_auth=not args.no_auth,
        cancel_mode=args.cancel_mode,
        seed=args.seed,
        chunk_size=args.chunk_size,
        connection_limit_seconds=args.connection_limit,
    )


async def serve_until_stopped(server: FakeServer) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # pragma: no cover - non-Unix
            pass
    await server.start()
    print(f"openai-replay fake server listening on {server.url} (WebSocket: {server.ws_url})", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    try:
        await stop.wait()
    finally:
        await server.stop()
        print("openai-replay fake server stopped.", flush=True)


def run(args: argparse.Namespace, server: FakeServer | None = None) -> int:
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: binding {args.host}, which is not loopback; the fake server has no real auth", file=sys.stderr)
    server = server or FakeServer(host=args.host, port=args.port, config=config_from_args(args))
    try:
        asyncio.run(serve_until_stopped(server))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0
