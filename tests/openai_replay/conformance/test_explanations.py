"""Each "why" text's claims about connections, chains and resends hold in its own cell's evidence."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from openai_replay.conformance.explanations import EXPLANATIONS, explain, observed

SCORECARD = Path(__file__).resolve().parents[3] / "docs" / "conformance.json"
REQUEST = re.compile(
    r"^#(?P<turn>\d+) (?:conn (?P<conn>\d+)|http(?: chat)?) attempt (?P<attempt>\d+): "
    r"prev=(?P<prev>\S+) input=(?P<input>\d+) -> \S+ (?P<outcome>.*)$"
)
KEPT = ("completed", "incomplete", "cancelled")


@dataclass
class Req:
    turn: int
    conn: int | None
    prev: str | None
    inputs: int
    outcome: str

    @property
    def failed(self) -> bool:
        return not self.outcome.startswith(KEPT)


def requests(cell: dict[str, Any]) -> list[Req]:
    parsed = []
    for line in cell["requests"]:
        m = REQUEST.match(line)
        assert m, f"unreadable evidence line: {line}"
        conn = int(m["conn"]) if m["conn"] else None
        prev = None if m["prev"] == "-" else m["prev"]
        parsed.append(Req(int(m["turn"]), conn, prev, int(m["input"]), m["outcome"]))
    return parsed


def after_first_failure(reqs: list[Req]) -> tuple[Req, list[Req]] | None:
    for i, r in enumerate(reqs):
        if r.failed:
            return r, reqs[i + 1 :]
    return None


# A claim: a phrase in the text, and what the cell's own requests must then show (None: holds).
Claim = Callable[[dict[str, Any], list[Req]], str | None]


def reuses_connection(cell: dict[str, Any], reqs: list[Req]) -> str | None:
    found = after_first_failure(reqs)
    if found is None or not found[1]:
        return None
    failed, later = found
    if later[0].conn != failed.conn:
        return f"says the next turn reuses the connection, but #{later[0].turn} is on conn {later[0].conn}, not {failed.conn}"
    return None


def new_connection(cell: dict[str, Any], reqs: list[Req]) -> str | None:
    found = after_first_failure(reqs)
    if found is None or not found[1]:
        return None
    failed, later = found
    if later[0].conn == failed.conn:
        return f"says the next turn runs on a new connection, but #{later[0].turn} is on conn {failed.conn} again"
    return None


def no_full_context_resend(cell: dict[str, Any], reqs: list[Req]) -> str | None:
    found = after_first_failure(reqs)
    if found is None:
        return None
    resend = next((r for r in found[1] if r.prev is None and r.inputs > 1), None)
    return f"says no full-context resend happens, but #{resend.turn} resends {resend.inputs} items" if resend else None


def keeps_chaining(cell: dict[str, Any], reqs: list[Req]) -> str | None:
    found = after_first_failure(reqs)
    if found is None or not found[1] or found[0].prev is None:
        return None
    failed, later = found
    if not any(r.prev == failed.prev for r in later):
        return f"says it keeps chaining on the same id, but nothing after #{failed.turn} carries {failed.prev}"
    return None


def arrives_twice(cell: dict[str, Any], reqs: list[Req]) -> str | None:
    return None if cell["facts"].get("duplicated_text") else "says the answer arrives twice, but the cell saw no duplicated text"


def answer_lost(cell: dict[str, Any], reqs: list[Req]) -> str | None:
    got = [t["text"] for t in cell["turns"] if t["ended"] != "done"]
    return f"says the answer is lost, but the failing turn received {got[0][:40]!r}" if got and got[0] else None


def in_errors(model: str) -> Claim:
    def claim(cell: dict[str, Any], reqs: list[Req]) -> str | None:
        errors = " ".join(e for t in cell["turns"] for e in t["errors"])
        return None if model in errors else f"names {model}, but no error the cell recorded does"

    return claim


CLAIMS: dict[str, Claim] = {
    "answer is lost": answer_lost,
    "turn is lost": answer_lost,
    "ResponseCompletedEvent.model_validate": in_errors("ResponseCompletedEvent"),
    "livekit's own CompletionUsage": in_errors("CompletionUsage"),
    "reuses the expired connection": reuses_connection,
    "on a new connection": new_connection,
    "no full-context resend happens": no_full_context_resend,
    "keeps chaining on the same _prev_resp_id": keeps_chaining,
    "the answer arrives twice": arrives_twice,
    "the caller gets the text twice": arrives_twice,
}


def cells() -> dict[tuple[str, str], dict[str, Any]]:
    data = json.loads(SCORECARD.read_text(encoding="utf-8"))
    return {(cell["check"], name): cell for name, client in data["clients"].items() for cell in client.get("cells", [])}


@pytest.mark.parametrize(("check", "client"), sorted(EXPLANATIONS))
def test_each_explanation_agrees_with_its_cells_evidence(check: str, client: str) -> None:
    """Where the text claims something about connections, chains, resends or duplicates, the cell's requests show it."""
    cell = cells().get((check, client))
    assert cell is not None, f"{check} / {client} has an explanation but no cell in {SCORECARD.name}"
    if cell["status"] == "pass":
        return  # the scorecard shows no explanation for a pass
    text = EXPLANATIONS[(check, client)]
    reqs = requests(cell)
    problems = [problem for phrase, claim in CLAIMS.items() if phrase in text and (problem := claim(cell, reqs))]
    assert not problems, f"{check} / {client}: " + "; ".join(problems) + "\nevidence:\n" + "\n".join(cell["requests"])


def test_the_claim_checks_catch_a_contradiction() -> None:
    """A text saying the connection is reused, against a timeline on a new connection, is caught."""
    cell = {
        "facts": {},
        "requests": [
            "#1 conn 1 attempt 1: prev=- input=1 -> resp_a completed",
            "#2 conn 1 attempt 1: prev=resp_a input=2 -> resp_b error (websocket_connection_limit_reached)",
            "#3 conn 2 attempt 1: prev=resp_a input=3 -> resp_c completed",
        ],
    }
    reqs = requests(cell)
    assert reuses_connection(cell, reqs) == "says the next turn reuses the connection, but #3 is on conn 2, not 1"
    assert new_connection(cell, reqs) is None and keeps_chaining(cell, reqs) is None
    assert no_full_context_resend(cell, reqs) is None


def test_an_explanation_ends_with_what_its_cell_recorded() -> None:
    """The text of a failing cell ends with the caller's view from its own turns: the client's exception type
    and message (livekit-http legacy_usage: the text arrived, then CompletionUsage.cache_creation_tokens failed)."""
    cell = cells()[("legacy_usage", "livekit-http")] | {"client": "livekit-http"}
    text = explain(cell)
    assert text is not None and text.startswith(EXPLANATIONS[("legacy_usage", "livekit-http")])
    assert "Observed (turn 1): the caller received the whole answer, then the client raised APIConnectionError" in text
    assert "CompletionUsage cache_creation_tokens" in text
    turn = {"label": "turn 2", "text": "You", "expected": "You said: x", "ended": "hung", "elapsed": 12.04, "errors": []}
    hung = {"turns": [turn]}
    assert observed(hung) == (
        "Observed (turn 2): the caller received 3 of the answer's 11 characters, then it was still waiting when the "
        "check's bound ended the turn after 12.0 s."
    )
    assert explain({"check": "plain_turn", "client": "openai-ws", "status": "pass"}) is None


def test_a_slow_next_answer_is_explained_with_its_figure() -> None:
    """A cell that failed on the wait after an interruption says how long the user waited."""
    cell = {"turns": [{"label": "turn 2", "text": "Hi", "expected": "Hi", "ended": "done", "errors": []}]}
    assert observed(cell | {"facts": {"next_answer_wait_s": 3.21}}) == (
        "Observed: every turn got its answer, the next one 3.2 s after the interruption."
    )


def test_a_slow_retry_is_explained_with_its_figure() -> None:
    """A cell that failed on the wait before a retry says how long the user waited for it."""
    cell = {"turns": [{"label": "turn 1", "text": "Hi", "expected": "Hi", "ended": "done", "errors": []}]}
    assert observed(cell | {"facts": {"retry_wait_s": 2.46}}) == (
        "Observed: every turn got its answer, the retried one 2.5 s after its failed attempt."
    )
