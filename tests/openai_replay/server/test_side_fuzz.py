"""Fuzzing the side endpoints: any body or query gets a 2xx or the API's 4xx, never a 500 or a traceback."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fuzzkit import PROFILE, QUIET_RANDOM, json_values, no_tracebacks
from hypothesis import given, settings
from hypothesis import strategies as st

from fake_server import FakeServer

pytestmark = pytest.mark.filterwarnings(QUIET_RANDOM)

Conn = tuple[http.client.HTTPConnection, list[str], str]
POSTS = [
    "/v1/conversations",
    "/v1/conversations/{conv}",
    "/v1/conversations/{conv}/items",
    "/v1/responses/input_tokens",
    "/v1/responses/compact",
    "/v1/responses/resp_x/cancel",
    "/v1/chat/completions/chatcmpl-x",
]
QUERIES = st.dictionaries(st.sampled_from(["limit", "order", "after", "before"]), st.text(max_size=6))
GETS = ["/v1/conversations/{conv}/items", "/v1/responses/{resp}/input_items", "/v1/chat/completions", "/v1/responses/{resp}"]


@pytest.fixture(scope="module")
def conn() -> Iterator[Conn]:
    with no_tracebacks() as bad, FakeServer(seed=1, require_auth=False, header_timeout=None) as server:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        connection.request("POST", "/v1/conversations", body=b"{}", headers={"Content-Type": "application/json"})
        conv = json.loads(connection.getresponse().read())["id"]
        connection.request(
            "POST", "/v1/responses", body=b'{"model":"m","input":"x"}', headers={"Content-Type": "application/json"}
        )
        resp = json.loads(connection.getresponse().read())["id"]
        yield connection, bad, json.dumps({"conv": conv, "resp": resp})
        connection.close()


def _check(conn: Conn, method: str, path: str, body: bytes | None) -> None:
    connection, bad, ids = conn
    connection.request(method, path.format(**json.loads(ids)), body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    assert response.status < 500, (path, response.status, data[:300])
    if response.status >= 400:
        error = json.loads(data)["error"]
        assert set(error) == {"type", "message", "param", "code"}, error
    assert not bad, "server logged a traceback:\n" + "\n".join(bad)


@settings(PROFILE)
@given(path=st.sampled_from(POSTS), body=json_values)
def test_any_json_body(conn: Conn, path: str, body: Any) -> None:
    """Any JSON body to a side POST: an answer or the API's 4xx."""
    _check(conn, "POST", path, json.dumps(body).encode())


@settings(PROFILE)
@given(
    path=st.sampled_from(GETS), query=st.dictionaries(st.sampled_from(["limit", "order", "after", "before"]), st.text(max_size=6))
)
def test_any_paging_query(conn: Conn, path: str, query: dict[str, str]) -> None:
    """Any limit/order/after/before on a list (or a GET): an answer or the API's 400."""
    from urllib.parse import urlencode

    _check(conn, "GET", f"{path}?{urlencode(query)}", None)
