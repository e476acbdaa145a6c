"""Identifier formats and determinism."""

from __future__ import annotations

import re

from openai_replay.ids import IdFactory, group_of


def test_formats_match_real_traffic() -> None:
    """Ids are prefix + 16-hex group + 00 + 8-hex time + 24 hex; call ids 24 alphanumerics; request ids 32 hex."""
    ids = IdFactory(5)
    group = ids.group()
    rid = ids.make("resp", group, 0x6B023752)
    assert re.fullmatch(r"resp_[0-9a-f]{16}006b023752[0-9a-f]{24}", rid)
    assert group_of(rid) == group
    assert re.fullmatch(r"call_[0-9A-Za-z]{24}", ids.call_id())
    assert re.fullmatch(r"req_[0-9a-f]{32}", ids.request_id())
    assert group_of("resp_short") is None


def test_same_seed_same_ids() -> None:
    """Two factories with one seed produce the same sequence; different seeds differ."""
    a, b, c = IdFactory(9), IdFactory(9), IdFactory(10)
    seq = [a.group(), a.call_id(), a.request_id()]
    assert seq == [b.group(), b.call_id(), b.request_id()]
    assert seq != [c.group(), c.call_id(), c.request_id()]
