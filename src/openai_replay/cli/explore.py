"""``openai-replay explore``: random fault schedules against a real client, minimal failures per invariant.

Runs in this interpreter, so the client must be installed here (for LiveKit, Pipecat or VideoSDK use
that client's environment: ``.venv-livekit/bin/openai-replay explore --client livekit-ws``). For each
invariant the client broke it prints the minimal schedule Hypothesis shrank to, what broke and the
exchange, writes the schedule to ``OUTPUT/<client>.<invariant>.json`` (replay it with
``openai-replay serve --scenario FILE`` or ``@pytest.mark.openai_replay(scenario=FILE)``), and ends
with a summary table. ``--seed`` reproduces a run. Exit status: 0 when every invariant held, 1 when
one broke, 2 on bad usage, 3 when the harness itself failed (the adapter's set-up, an exception in
openai-replay, a conversation that sent no request): that is never a finding about the client.

A Realtime client (``--client openai-realtime``: the openai SDK's ``realtime.connect()``) is explored the
same way with Realtime fault schedules (`openai_replay.conformance.realtime.explore`): the same options,
files, table and exit statuses, judged by the Realtime invariants.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openai_replay.cli.argtypes import whole_number

if TYPE_CHECKING:
    from openai_replay.conformance.realtime.explore import RealtimeClient

__all__ = ["add_arguments", "main"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--client",
        required=True,
        metavar="NAME",
        help="the conformance client to explore (e.g. openai-ws, or openai-realtime for the Realtime API)",
    )
    parser.add_argument(
        "--examples",
        type=whole_number("a number of examples", 1),
        default=100,
        metavar="N",
        help="random schedules to try (default 100)",
    )
    parser.add_argument("--seed", type=int, default=0, metavar="S", help="the run's seed: the same seed gives the same run")
    parser.add_argument(
        "--max-faults",
        type=whole_number("a number of fault rules", 0),
        default=3,
        metavar="K",
        help="fault rules per schedule, at most (default 3)",
    )
    parser.add_argument(
        "--faults",
        action="append",
        default=None,
        metavar="KIND",
        help="fault kinds to draw (repeatable; default: the usual six, every Realtime kind for a Realtime client)",
    )
    parser.add_argument(
        "--turns",
        type=whole_number("a number of user turns", 1),
        default=3,
        metavar="T",
        help="user turns per conversation (3; at most 5, 4 for a Realtime client)",
    )
    parser.add_argument(
        "--output", type=Path, default=Path(".openai-replay/explore"), help="folder for the minimal schedules (JSON)"
    )


def main(args: argparse.Namespace) -> int:
    try:
        import hypothesis  # noqa: F401  (explore draws its schedules with it)
    except ImportError:
        needs = "pip install 'openai-replay[explore]' (or pip install hypothesis)"
        print(f"error: explore needs Hypothesis: {needs}", file=sys.stderr)
        return 2
    from openai_replay.conformance.clients import select
    from openai_replay.conformance.explore import USER_TURNS, explore_client
    from openai_replay.conformance.realtime import explore as realtime
    from openai_replay.log.invariants import INVARIANTS

    if args.client in realtime.CLIENTS:
        return _realtime(args, realtime.CLIENTS[args.client])
    try:
        (client,) = select([args.client])[:1]
    except KeyError as exc:
        print(f"error: {exc.args[0]}; Realtime: {', '.join(realtime.CLIENTS)}", file=sys.stderr)
        return 2
    refused = _not_runnable(client, args.turns, len(USER_TURNS))
    if refused is not None:
        return refused
    findings = _search(
        client.name,
        lambda: explore_client(
            client.load(),
            examples=args.examples,
            seed=args.seed,
            max_faults=args.max_faults,
            faults=args.faults,
            turns=args.turns,
        ),
    )
    if isinstance(findings, int):
        return findings
    args.output.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    for name, found in findings.items():
        path = args.output / f"{client.name}.{name}.json"
        path.write_text(json.dumps(found.schedule, indent=2) + "\n", encoding="utf-8")
        files[name] = path
        _report(name, found, path, found.violations)
    return _summary(args, client.name, INVARIANTS, findings, files)


def _realtime(args: argparse.Namespace, client: RealtimeClient) -> int:
    """``explore`` for a Realtime client: its conversation driver against Realtime fault schedules."""
    from openai_replay.conformance.realtime.explore import INVARIANTS, USER_TURNS, explore_realtime, write_findings

    refused = _not_runnable(client, args.turns, len(USER_TURNS), " for a Realtime client")
    if refused is not None:
        return refused
    findings = _search(
        client.name,
        lambda: explore_realtime(
            client.load(),
            examples=args.examples,
            seed=args.seed,
            max_faults=args.max_faults,
            faults=None if args.faults is None else tuple(args.faults),
            turns=args.turns,
        ),
    )
    if isinstance(findings, int):
        return findings
    paths = write_findings(findings, args.output, prefix=f"{client.name}.")
    files = dict(zip(findings, paths, strict=True))
    for name, found in findings.items():
        _report(name, found, files[name], [f"[{name}] {found.violation}"])
    return _summary(args, client.name, INVARIANTS, findings, files)


def _not_runnable(client: Any, turns: int, most: int, kind: str = "") -> int | None:
    """Exit 2 with one line when ``client`` cannot run in this interpreter or ``--turns`` is too many."""
    missing = client.missing()
    if missing:
        print(
            f"error: client {client.name} cannot run in this interpreter: {missing}; run this command in its "
            f"environment (.venv-{client.extra}/bin/openai-replay explore --client {client.name})",
            file=sys.stderr,
        )
        return 2
    if turns > most:
        print(f"error: --turns is at most {most}{kind}, got {turns}", file=sys.stderr)
        return 2
    return None


def _search(client_name: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any] | int:
    """The findings of ``run``, or the exit code after saying why it could not finish (2 usage, 3 harness, 1)."""
    from openai_replay.conformance.explore import ExploreError, HarnessError
    from openai_replay.conformance.runner import quiet

    try:
        with quiet():
            return run()
    except ValueError as exc:  # bad --faults, named by the schedule strategy
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except HarnessError as exc:
        print(f"harness error (openai-replay's own failure, not a finding about {client_name}): {exc}", file=sys.stderr)
        print(exc.details, file=sys.stderr)
        if exc.schedule is not None:
            print(f"schedule: {json.dumps(exc.schedule)}", file=sys.stderr)
        return 3
    except ExploreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _report(name: str, found: Any, path: Path, violations: list[str]) -> None:
    """One broken invariant: how it was found, its minimal schedule, what broke and the timeline."""
    how = {
        "shrunk": f"found and shrunk within {found.examples} run(s); minimal schedule",
        "alongside": f"broken too while another invariant was shrunk, by run {found.examples}; smallest schedule seen",
        "pairs": f"found by the pass over protocol-fault pairs, run {found.examples}; schedule",
    }[found.found_by]
    print(f"== {name}: broken; {how} written to {path}")
    print(json.dumps(found.schedule["rules"], indent=2))
    print("\n".join(violations))
    print(found.timeline)
    print()


def _summary(
    args: argparse.Namespace, client_name: str, invariants: Iterable[str], findings: dict[str, Any], files: dict[str, Path]
) -> int:
    """The table of every invariant's verdict; exit 1 when any broke."""
    names = list(invariants)
    print(f"explore {client_name}: {args.examples} example(s), seed {args.seed}, up to {args.max_faults} fault(s) each")
    width = max(len(n) for n in names)
    print(f"{'invariant':{width}}  verdict  rules  file")
    for name in names:
        if name in findings:
            print(f"{name:{width}}  broken   {len(findings[name].schedule['rules']):5}  {files[name]}")
        else:
            print(f"{name:{width}}  held         -  -")
    print(f"replay a file: openai-replay serve --scenario FILE, or --seed {args.seed} to run this again")
    return 1 if findings else 0
