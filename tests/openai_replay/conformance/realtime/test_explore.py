"""explore_realtime finds a planted bug in a Realtime client and shrinks it to one rule; a careful client passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openai import AsyncOpenAI

from openai_replay.conformance.adapters.realtime_openai import converse
from openai_replay.conformance.realtime.explore import TurnOutcome, explore_realtime, write_findings
from openai_replay.scenarios.loader import load_scenario

pytestmark = pytest.mark.slow


async def waits_for_a_completed_response(url: str, texts: list[str], outcomes: list[Any]) -> None:
    """The planted bug: a response.done that is not completed is taken for a progress report, so the
    caller keeps waiting for "the real" ending (and an error event is ignored)."""
    client = AsyncOpenAI(base_url=url, api_key="test")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        for text in texts:
            item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
            await conn.conversation.item.create(item=item)
            await conn.response.create()
            outcome = TurnOutcome()
            try:
                async for event in conn:
                    if event.type == "response.output_text.delta":
                        outcome.text += event.delta
                    elif event.type == "response.done" and event.response.status == "completed":
                        break
            except Exception as exc:
                outcome.error = str(exc)
                outcomes.append(outcome)
                return
            outcomes.append(outcome)


def test_the_planted_bug_is_found_and_shrunk_to_one_rule(tmp_path: Path) -> None:
    """The buggy client hangs on a non-completed ending: explore reports no_hang, one rule, saved as a scenario file."""
    findings = explore_realtime(waits_for_a_completed_response, examples=25, seed=1, budget=1.5)
    assert "no_hang" in findings, findings
    finding = findings["no_hang"]
    assert len(finding.schedule["rules"]) == 1, finding.schedule
    (action,) = [d["action"] for d in finding.schedule["rules"][0]["do"] if d["action"] != "text"]
    assert action in ("fail", "incomplete", "error"), finding.schedule
    (path,) = write_findings({"no_hang": finding}, tmp_path)
    assert load_scenario(path).to_json()["rules"] == finding.schedule["rules"]


def test_a_careful_sdk_caller_breaks_nothing() -> None:
    """The openai SDK conversation that reads every ending and surfaces every error passes every drawn schedule."""
    assert explore_realtime(converse, examples=25, seed=1, budget=3.0) == {}
