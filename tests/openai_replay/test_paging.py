"""Cursor paging: every item appears once across pages, in order, and bad queries are 400s."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openai_replay.errors import ApiError
from openai_replay.paging import PageQuery, page, page_query


@given(count=st.integers(0, 40), limit=st.integers(1, 100), order=st.sampled_from(["asc", "desc"]))
def test_walking_the_pages_gives_every_item_once_in_order(count: int, limit: int, order: str) -> None:
    """Following last_id with after visits each item exactly once, in the requested order, has_more false at the end."""
    items = [{"id": f"item_{n}"} for n in range(count)]
    seen: list[str] = []
    after = None
    while True:
        listed = page(items, PageQuery(limit, order, after))  # type: ignore[arg-type]
        assert isinstance(listed, dict)
        seen += [i["id"] for i in listed["data"]]
        if not listed["has_more"]:
            break
        after = listed["last_id"]
    expected = [i["id"] for i in items]
    assert seen == (expected if order == "asc" else expected[::-1])


def test_before_ends_the_page_and_unknown_cursors_are_400s() -> None:
    """before stops short of its item; an id not in the list is a 400 naming the cursor."""
    items = [{"id": f"i{n}"} for n in range(5)]
    listed = page(items, PageQuery(10, "asc", after="i0", before="i3"))
    assert isinstance(listed, dict) and [i["id"] for i in listed["data"]] == ["i1", "i2"]
    missing = page(items, PageQuery(10, "asc", after="nope"))
    assert isinstance(missing, ApiError) and missing.param == "after" and missing.status == 400


@given(st.dictionaries(st.sampled_from(["limit", "order", "after", "before", "x"]), st.text(max_size=8)))
def test_any_query_string_gives_a_query_or_a_400(query: dict[str, str]) -> None:
    """Whatever the query string holds, page_query answers a PageQuery or a 400 naming the parameter; it never raises."""
    result = page_query(query)
    assert isinstance(result, PageQuery) or (result.status == 400 and result.param in ("limit", "order"))
