"""Judges where time is part of the verdict: the wait for the next answer after an interruption or a
cancel (`NEXT_ANSWER_BOUND`), a retry that must wait for retry-after, a stall past a timeout, and a
hang reported with how long the client at its defaults would really wait. `checks.CHECKS` lists them
with the rest of the battery.
"""

from __future__ import annotations

from openai_replay.conformance.observe import (
    NEXT_ANSWER_BOUND,
    Session,
    TurnLog,
    Verdict,
    attempts,
    describe,
    grade,
    ok,
    turn_facts,
)

#: How long the stall check holds the first output: past the longest finite default timeout of a client
#: in the battery (10 s), so those clients' own timeouts fire at their defaults; the rest wait it out.
STALL_SECONDS = 12.0
#: How long a check waits on a stream that goes silent for good (seconds): past the longest finite
#: default timeout of a client in the battery (10 s: LiveKit's APIConnectOptions, VideoSDK's httpx read
#: timeout), so that the client's real default decides the cell; a client that waits longer (the
#: openai SDK's 600 s, or forever) fails as hung, with how long it would really wait.
DEFAULT_TIMEOUT_WAIT = 16.0


def never_ending_judge(s: Session) -> Verdict:
    """A hang is reported with how long the client, at its defaults, would really wait."""
    verdict = grade(s, s.turns[0], must_recover=False, later=s.turns[1:])
    wait = s.adapter.default_wait
    verdict.facts["default_wait"] = wait
    first = s.turns[0].result
    if first.ended == "hung":
        verdict.reason = f"{verdict.reason}; at its defaults {s.adapter.client} waits {wait}"
    elif verdict.status == "pass":  # its own timeout ended the wait: say how long the turn was held open
        verdict.reason += f" (the turn ended {first.elapsed:.1f} s after it began)"
    return verdict


def cancel_judge(s: Session) -> Verdict:
    cut, after = s.turns[0], s.turns[1]
    facts = turn_facts(s, after, [])
    cancels = sum(1 for f in s.log.frames if f.type == "response.cancel")
    facts["response_cancel_frames"] = cancels
    if cut.result.ended != "abandoned":
        return Verdict("fail", f"the long reply never streamed far enough to interrupt: {describe(cut)}", facts)
    verdict = grade(s, after, must_recover=True, later=[])
    sent = f"sent response.cancel x{cancels}" if cancels else "sent no response.cancel"
    style = s.adapter.cancel_style
    facts["cancel_style"] = style
    how = f" [cancelled by: {style}]" if style else ""
    verdict = timely(verdict, after, "the cancel")
    return Verdict(verdict.status, f"{sent}; next turn: {verdict.reason}{how}", verdict.facts | facts)


def timely(verdict: Verdict, turn: TurnLog, after: str) -> Verdict:
    """A passing verdict fails when the user waited more than `NEXT_ANSWER_BOUND` for ``turn``'s answer."""
    wait = turn.result.elapsed
    verdict.facts["next_answer_wait_s"] = round(wait, 2)
    if verdict.status == "pass" and wait > NEXT_ANSWER_BOUND:
        return Verdict(
            "fail",
            f"the next answer came {wait:.1f} s after {after} (bound {NEXT_ANSWER_BOUND:.0f} s): {verdict.reason}",
            verdict.facts,
        )
    return verdict


def stall_judge(s: Session) -> Verdict:
    t = s.turns[0]
    verdict = grade(s, t, must_recover=False, later=s.turns[1:])
    if verdict.status == "pass" and verdict.facts["attempts"] == 1 and ok(t):
        verdict.reason = f"waited out the {STALL_SECONDS:.0f} s stall on one request ({t.result.elapsed:.1f} s)"
    elif verdict.status == "pass" and ok(t):
        verdict.reason = f"timed out and retried: {attempts(s, t)}"
    return verdict


def barge(s: Session) -> Verdict:
    cut, later = s.turns[1], s.turns[2:]
    abandoned = {r.response_id for r in s.requests(cut) if r.response_id}
    facts = turn_facts(s, later[0], later[1:])
    if cut.result.ended != "abandoned":
        return Verdict("fail", f"the long reply never streamed far enough to interrupt: {describe(cut)}", facts)
    for turn in later:  # every later turn, not only the next: none may chain on the abandoned response
        if any(r.previous_response_id in abandoned for r in s.requests(turn)):
            return Verdict("fail", f"{turn.label} chained on the abandoned response ({attempts(s, turn)})", facts)
    verdict = grade(s, later[0], must_recover=True, later=later[1:])
    if verdict.status == "pass":
        verdict.reason = f"did not chain on the abandoned response in any later turn: {attempts(s, later[0])}"
    return timely(verdict, later[0], "the barge-in")


def http_429(s: Session) -> Verdict:
    t = s.turns[0]
    verdict = grade(s, t, must_recover=True, later=[])
    reqs = s.requests(t)
    if verdict.status == "pass" and len(reqs) >= 2:
        first, retry = reqs[0], reqs[1]
        gap = retry.received_at - (first.finished_at or first.received_at)
        verdict.facts["retry_gap_s"] = round(gap, 3)
        if gap < 0.9:
            return Verdict("fail", f"retried after {gap:.2f} s, ignoring retry-after: 1", verdict.facts)
        verdict.reason = f"honoured retry-after: retried after {gap:.2f} s, {len(reqs)} attempts"
    return verdict
