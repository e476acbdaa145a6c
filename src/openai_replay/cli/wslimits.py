"""``serve``'s WebSocket limits: the idle and per-frame read deadlines, the per-connection queue and
the connection cap (see docs/reliability.md). Kept apart from serve.py so each flag is defined once."""

from __future__ import annotations

import argparse
from typing import Any

from openai_replay.cli.argtypes import seconds, whole_number
from openai_replay.config import ServerConfig


def add_ws_limit_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ws-idle-timeout",
        type=seconds("a WebSocket idle timeout", note=" (0: none)"),
        default=ServerConfig.ws_idle_timeout,
        metavar="SECONDS",
        help="close a WebSocket with nothing in flight and no frame from the client for this long "
        f"(default: {ServerConfig.ws_idle_timeout:g}, the real API's connection limit; 0: never)",
    )
    parser.add_argument(
        "--ws-frame-timeout",
        type=seconds("a WebSocket frame timeout", note=" (0: none)"),
        default=ServerConfig.ws_frame_timeout,
        metavar="SECONDS",
        help="close a WebSocket whose frame has not fully arrived this long after its first byte "
        f"(default: {ServerConfig.ws_frame_timeout:g}; 0: never)",
    )
    parser.add_argument(
        "--ws-queue-limit",
        type=whole_number("a number of queued requests", 1),
        default=ServerConfig.ws_queue_limit,
        metavar="N",
        help=f"stop reading a WebSocket's frames while it has N requests waiting (default: {ServerConfig.ws_queue_limit})",
    )
    parser.add_argument(
        "--max-ws-connections",
        type=whole_number("a number of connections", 0, note=" (0: no cap)"),
        default=ServerConfig.max_ws_connections,
        metavar="N",
        help=f"refuse WebSocket handshakes with a 503 past N open connections (default: {ServerConfig.max_ws_connections}; "
        "0: no cap)",
    )


def ws_limit_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The `ServerConfig` fields the flags above set (0 turns a deadline or the cap off)."""
    return {
        "ws_idle_timeout": args.ws_idle_timeout or None,
        "ws_frame_timeout": args.ws_frame_timeout or None,
        "ws_queue_limit": args.ws_queue_limit,
        "max_ws_connections": args.max_ws_connections or None,
    }
