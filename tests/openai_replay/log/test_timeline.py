"""The exchange timeline: readable lines in time order, marks, and cutting long exchanges down."""

from __future__ import annotations

import re

from exchanges import sdk, turn, user

from openai_replay.log import RequestLog
from openai_replay.log.timeline import describe_item, render, short_id
from openai_replay.pytest_plugin.server import ReplayServer


def test_items_and_ids_in_a_few_words() -> None:
    """Items read as 'role text', calls with their name and call id; long ids keep their tail."""
    assert describe_item(user("What's the weather like in Paris today, and tomorrow too?")) == (
        'user "What\'s the weather like in Paris toda..."'
    )
    call = {
        "type": "function_call",
        "name": "get_weather",
        "arguments": '{"city":"Paris"}',
        "call_id": "call_abcdefghijklmnopqrstuvwx",
    }
    assert describe_item(call) == 'function_call get_weather({"city":"Paris"}) call_...qrstuvwx'
    assert (
        describe_item({"type": "function_call_output", "call_id": "call_1", "output": "18C"})
        == "function_call_output call_1 '18C'"
    )
    assert short_id("resp_0123456789abcdef00690000000011112222333344445555") == "resp_...44445555"
    assert short_id("resp_bogus") == "resp_bogus"


def test_an_empty_log_says_so() -> None:
    """Nothing reached the server: the timeline says that rather than printing nothing."""
    assert render(RequestLog()) == "    (no connections and no requests reached the server)"


async def test_frames_other_than_requests_show_with_the_server_answer(openai_server: ReplayServer) -> None:
    """A response.cancel the server does not support shows as a client frame with the error it got."""
    async with sdk(openai_server).responses.connect() as conn:
        await turn(conn, input=[user("hi")], model="m", store=False)
        await conn.send({"type": "response.cancel", "response_id": "resp_0123456789abcdef00690000000011112222333344445555"})
        event = await turn(conn, input=[user("again")], model="m", store=False)
        assert event.type == "error"  # the answer to the cancel frame comes first
        while (await conn.recv()).type != "response.completed":  # then request 2's answer, before we close
            pass
    text = openai_server.timeline()
    assert re.search(r"conn 1  -> response\.cancel response_id=resp_\.\.\.44445555  \(server answered: Invalid value", text), text
    lines = text.splitlines()
    assert lines[0].endswith("conn 1  opened /v1/responses") and lines[-1].endswith("conn 1  closed by client (1000)")


async def test_a_long_exchange_is_cut_to_the_marked_requests(openai_server: ReplayServer) -> None:
    """With 30 requests only the lines near the marked one are shown, the rest counted."""
    client = sdk(openai_server)
    for n in range(1, 31):
        await client.responses.create(model="m", input=f"question {n}")
    text = render(openai_server.log, mark=[15])
    assert ">>" in text and re.search(r">> +\+\d\.\d{3}s  #15 http  -> POST /v1/responses  input=\[user 'question 15'\]", text)
    assert "#1 http" not in text and "#30 http" not in text
    assert re.search(r"\.\.\. \d+ line\(s\) not shown \.\.\.", text)
    assert len(text.splitlines()) < 20
    full = render(openai_server.log)
    assert "#1 http" in full and "#30 http" in full and "not shown" not in full
