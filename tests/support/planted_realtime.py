"""Deliberately buggy Realtime conversations (the openai SDK's ``realtime.connect()``, one planted line
each) for `explore_realtime` and ``openai-replay explore --client openai-realtime`` to find."""

from __future__ import annotations

from typing import Any

from openai import AsyncOpenAI

from openai_replay.conformance.realtime.explore import TurnOutcome


async def waits_for_a_completed_response(
    url: str, texts: list[str], outcomes: list[Any], *, cancel_first: bool = False, any_ending: bool = False
) -> None:
    """The planted bug: a response.done that is not completed is taken for a progress report, so the
    caller keeps waiting for "the real" ending (and an error event is ignored). ``cancel_first`` plants a
    second one: each turn starts with a ``response.cancel`` while nothing is active. ``any_ending``
    replaces the first: any ``response.done`` ends the turn, a failed one silently (no error, no text)."""
    client = AsyncOpenAI(base_url=url, api_key="test")
    async with client.realtime.connect(model="gpt-realtime") as conn:
        await conn.session.update(session={"type": "realtime", "output_modalities": ["text"]})
        for text in texts:
            item = {"type": "message", "role": "user", "content": [{"type": "input_text", "text": text}]}
            outcome = TurnOutcome()
            try:
                await conn.conversation.item.create(item=item)
                if cancel_first:
                    await conn.response.cancel()
                await conn.response.create()
                async for event in conn:
                    if event.type == "response.output_text.delta":
                        outcome.text += event.delta
                    elif event.type == "response.done" and (any_ending or event.response.status == "completed"):
                        break
            except Exception as exc:
                outcome.error = str(exc)
                outcomes.append(outcome)
                return
            outcomes.append(outcome)


async def cancels_first(url: str, texts: list[str], outcomes: list[Any]) -> None:
    """Two planted bugs: a failed reply ends its turn silently, and each turn starts with a cancel while
    nothing is active."""
    await waits_for_a_completed_response(url, texts, outcomes, cancel_first=True, any_ending=True)
