"""Checks of what follows a fault: every later turn after a close, the next turn's own answer after
the caller timed out and cancelled one, and a chat stream whose [DONE] never comes after finish_reason.

Scripts, scenarios and judges only; `checks.CHECKS` lists them with the rest of the battery.
"""

from __future__ import annotations

from openai_replay.conformance.observe import Session, Verdict, attempts, describe, grade, ok, turn_facts
from openai_replay.conformance.timing import DEFAULT_TIMEOUT_WAIT
from openai_replay.scenarios import Scenario, scenario

CUT = "This answer is cut off before it can finish, so the client must cope."
FINISHED = "This answer is complete; only the end of its stream never comes."
#: The wrong-turn check: the first answer comes this late (seconds), after the caller gave up on it.
LATE_ANSWER_SECONDS = 4.0
#: How long the caller waits for that first answer before it cancels the turn (seconds).
CALLER_TIMEOUT = 2.0


# -- scripts ----------------------------------------------------------------------------------------
async def cut_then_more(s: Session) -> None:
    await s.say("Tell me something", expected=CUT)
    await s.say("Next question")
    await s.say("Third question")
    await s.say("Fourth question")


async def finished_then_stall(s: Session) -> None:
    # Long enough for a client's own 10 s default read timeout to end the turn (it decides the cell).
    await s.say("Tell me something", expected=FINISHED, timeout=DEFAULT_TIMEOUT_WAIT)
    await s.say("Next question")


async def timeout_then_next(s: Session) -> None:
    # The caller's own timeout: the turn is bounded, then cancelled (as Adapter.turn does on a hang).
    await s.say("First question", timeout=CALLER_TIMEOUT)
    await s.say("Second question", timeout=10)


# -- judges -----------------------------------------------------------------------------------------
def every_later_turn(s: Session) -> Verdict:
    """After a close in turn 1, every later turn must be answered, not only the next."""
    first, later = s.turns[0], s.turns[1:]
    verdict = grade(s, first, must_recover=False, later=[])
    if verdict.status == "fail":
        return verdict
    broken = [t for t in later if not ok(t)]
    verdict.facts["later_turns_failed"] = len(broken)
    if broken:
        return Verdict(
            "fail", f"{len(broken)} of {len(later)} later turns failed ({broken[0].label}: {describe(broken[0])})", verdict.facts
        )
    return Verdict("pass", f"all {len(later)} later turns answered after the close", verdict.facts)


def finished_judge(s: Session) -> Verdict:
    """A chat stream that sent finish_reason and then stalls, never sending data: [DONE]."""
    t, later = s.turns[0], s.turns[1:]
    facts = turn_facts(s, t, later)
    facts["default_wait"] = s.adapter.default_wait
    if t.result.ended == "hung":
        return Verdict(
            "fail",
            f"hung after finish_reason, waiting for data: [DONE] until the check's bound ({t.result.elapsed:.0f} s); "
            f"at its defaults {s.adapter.client} waits {s.adapter.default_wait}",
            facts,
        )
    if not ok(t):
        verdict = grade(s, t, must_recover=False, later=later)
        if verdict.status == "pass":  # its own timeout ended the wait: say how long the turn was held open
            verdict.reason += f" (the turn ended {t.result.elapsed:.1f} s after it began)"
        return verdict
    broken = [x for x in later if not ok(x)]
    if broken:
        return Verdict("fail", f"ended the turn at finish_reason, but {broken[0].label} failed: {describe(broken[0])}", facts)
    return Verdict("pass", "ended the turn at finish_reason without waiting for [DONE]; next turn worked", facts)


def right_turn(s: Session) -> Verdict:
    """After the caller timed out and cancelled turn 1, turn 2 must get turn 2's answer, not turn 1's late one."""
    first, second = s.turns[0], s.turns[1]
    facts = turn_facts(s, second, [])
    stale = "You said: First question"
    if stale in second.result.text:
        return Verdict("fail", f"answered the previous question: turn 2 got {second.result.text[:60]!r}", facts)
    verdict = grade(s, second, must_recover=True, later=[])
    if verdict.status == "pass":
        verdict.reason = f"turn 2 got its own answer after turn 1 was cancelled ({first.result.ended}): {attempts(s, second)}"
    return verdict


# -- scenarios --------------------------------------------------------------------------------------
def close_then_more() -> Scenario:
    return (
        scenario("close, then more turns")
        .on(text_contains="Tell me something")
        .times(1)
        .reply(CUT)
        .close(1011, "scripted close", after=("response.output_text.delta", 2))
        .on(text_contains="Tell me something")
        .reply(CUT)
        .build()
    )


def tcp_reset() -> Scenario:
    """The first answer's TCP connection is aborted after 2 deltas (no end of the chunked body)."""
    return (
        scenario("tcp reset mid-stream")
        .on(text_contains="Tell me something")
        .times(1)
        .reply(CUT)
        .drop(after=("response.output_text.delta", 2))
        .on(text_contains="Tell me something")
        .reply(CUT)
        .build()
    )


def finished_stall() -> Scenario:
    return (
        scenario("finish, then no [DONE]").on(api="chat").times(1).reply(FINISHED).stall(3600, after="response.completed").build()
    )


def late_answer() -> Scenario:
    return scenario("late answer").on(text_contains="First question").times(1).stall(LATE_ANSWER_SECONDS, after=0).build()
