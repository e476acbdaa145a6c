"""``--allow-remote``, ``--control-token`` and ``--lend-key``: binding anything but loopback is a
decision made out loud, and the command says what it exposes (docs/control-api.md, docs/cassettes.md)."""

from __future__ import annotations

import argparse
import sys

from openai_replay.exposure import CONTROL_TOKEN_ENV, control_exposure_problem, control_token_from_env, is_loopback


def add_allow_remote(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host other than loopback (127.0.0.1, ::1, localhost); what is exposed is printed at start",
    )


def add_control_token(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--control-token",
        default=None,
        metavar="TOKEN",
        help=f"require this token (header X-Replay-Control-Token) on every control API request (default: ${CONTROL_TOKEN_ENV}; "
        "required with a non-loopback --host unless --no-control)",
    )


def remote_refusal(host: str, args: argparse.Namespace, what: str) -> str | None:
    """The error for a non-loopback ``host`` without ``--allow-remote`` (None: allowed)."""
    if is_loopback(host) or getattr(args, "allow_remote", False):
        return None
    return (
        f"--host {host} is not loopback: anyone who can reach this machine could use {what}. "
        "Pass --allow-remote to bind it anyway, or leave --host at 127.0.0.1"
    )


def serve_exposure(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(error, control token) for ``serve``: the error says what to change; the token is the flag's or the env's."""
    refused = remote_refusal(args.host, args, "the fake server")
    if refused:
        return refused, None
    token = args.control_token or control_token_from_env()
    control = not getattr(args, "no_control", False)
    problem = control_exposure_problem(args.host, control, token)
    if problem:
        return problem, None
    if not is_loopback(args.host):
        control_says = "off (--no-control)" if not control else "on, for requests with the control token"
        print(
            f"warning: exposed on {args.host}:{args.port} (not loopback): the fake API (it accepts any bearer "
            f"token: no real auth), and the control API {control_says}",
            file=sys.stderr,
            flush=True,
        )
    return None, token
