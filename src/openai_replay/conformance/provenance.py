"""What produced a scorecard: a digest of the code that decides its cells and of the pinned clients.

The committed scorecard (docs/conformance.json) records `provenance()` when it is generated; a test
recomputes it from the checkout and fails, with the command to regenerate, when they differ: a change
to a check, an adapter, the runner or a client pin makes the committed verdicts stale.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import PackageNotFoundError, requires
from pathlib import Path
from typing import Any

__all__ = ["REGENERATE", "RERENDER", "pins", "provenance", "stale"]

HERE = Path(__file__).resolve().parent
#: The files that decide a cell: every module of this package, the adapters of the scorecard's clients
#: (`clients.CLIENTS`), the LiveKit JS driver and its lock file; not the modules below, which do not:
#: explore, and what renders the cells (the page and the explanations, which a test compares with a
#: fresh rendering instead).
CODE = ("*.py", "adapters/__init__.py", "js/driver.mjs", "js/package-lock.json")
NOT_CODE = ("__init__.py", "explore.py", "explanations.py", "scorecard.py", "provenance.py")
REGENERATE = "openai-replay conformance --output docs (every client in its environment, see docs/conformance-howto.md)"
RERENDER = "openai-replay conformance --from-json docs/conformance.json --output docs"
_PIN = re.compile(r'^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*([^;\s]+)\s*;\s*extra\s*==\s*"conformance-([a-z-]+)"')


def pins() -> dict[str, str]:
    """Each pinned client distribution and its version, from the conformance extras of this package."""
    try:
        declared = requires("openai-replay") or []
    except PackageNotFoundError:  # a source tree that is not installed: nothing to compare against
        return {}
    found: dict[str, str] = {}
    for requirement in declared:
        match = _PIN.match(requirement)
        if match:
            found[match.group(1).lower()] = match.group(2)
    return dict(sorted(found.items()))


def code_files() -> list[Path]:
    from openai_replay.conformance.clients import CLIENTS

    found = {path for pattern in CODE for path in HERE.glob(pattern)}
    found |= {HERE / "adapters" / f"{client.adapter.split(':')[0]}.py" for client in CLIENTS}
    return sorted(p for p in found if p.parent != HERE or p.name not in NOT_CODE)


def provenance() -> dict[str, Any]:
    """The digest of the code files (their paths and bytes) and the pins, and the pins themselves."""
    digest = hashlib.sha256()
    for path in code_files():
        digest.update(path.relative_to(HERE).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    pinned = pins()
    digest.update(json.dumps(pinned, sort_keys=True).encode())
    return {"digest": digest.hexdigest(), "pins": pinned}


def stale(results: dict[str, Any]) -> list[str]:
    """Why ``results`` (a scorecard's JSON) no longer says what this checkout would: empty when current."""
    problems = []
    recorded = results.get("provenance") or {}
    now = provenance()
    if recorded.get("digest") != now["digest"]:
        problems.append(
            f"it was produced by other check/adapter code or client pins (digest {str(recorded.get('digest'))[:12]}, "
            f"this checkout {now['digest'][:12]})"
        )
    for client, data in results.get("clients", {}).items():
        for name, version in (data.get("versions") or {}).items():
            want = now["pins"].get(name.lower())
            if want is not None and version != want:
                problems.append(f"its {client} column ran {name} {version}, the pin is {want}")
    return problems
