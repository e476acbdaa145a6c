"""The chat loop in ``chat_loop.py`` against the built-in fault scenarios.

Each test names a scenario on the marker, drives the client as an application would, and then
asks the request log what the client actually sent. ``async_openai_client`` is the openai SDK
pointed at the fake server (so is any ``AsyncOpenAI()`` built in the test: ``OPENAI_BASE_URL`` is set).
"""

from __future__ import annotations

import pytest
from chat_loop import Chat

# pytest-asyncio's default (strict) mode runs only marked async tests.
pytestmark = pytest.mark.asyncio


async def test_a_conversation_chains_every_turn(openai_server, async_openai_client):
    """Without faults, every turn chains on the previous one and sends only the new message."""
    async with Chat(async_openai_client) as chat:
        for text in ("one", "two", "three"):
            assert await chat.say(text) == f"You said: {text}"
    log = openai_server.log
    log.assert_chained()
    log.assert_one_in_flight()
    log.assert_all_closed()


@pytest.mark.openai_replay(scenario="cache_miss")
async def test_a_cache_miss_resends_the_conversation(openai_server, async_openai_client):
    """previous_response_not_found: the same turn again, same connection, whole conversation."""
    async with Chat(async_openai_client) as chat:
        await chat.say("Hello")
        assert await chat.say("Still there?") == "You said: Still there?"
    openai_server.log.assert_retried("previous_response_not_found", connection="same", max_attempts=2)


@pytest.mark.openai_replay(scenario="connection_limit")
async def test_the_connection_limit_moves_to_a_new_connection(openai_server, async_openai_client):
    """websocket_connection_limit_reached: a new connection, the chain restarted from the full history."""
    async with Chat(async_openai_client) as chat:
        await chat.say("Hello")
        assert await chat.say("Still there?") == "You said: Still there?"
        assert await chat.say("Good.") == "You said: Good."
    log = openai_server.log
    log.assert_reconnected(after="websocket_connection_limit_reached")
    log.assert_retried("websocket_connection_limit_reached", connection="new", max_attempts=2)
    log.assert_chained(4)  # back to chaining on the new connection
    log.assert_all_closed()


@pytest.mark.parametrize("scenario", ["close_mid_stream", "drop_mid_stream"])
async def test_a_connection_lost_mid_answer_is_replaced(openai_server, async_openai_client, scenario):
    """A close (1011) or a TCP drop mid-answer: reconnect and ask again with the full history."""
    openai_server.use(scenario)
    async with Chat(async_openai_client) as chat:
        assert await chat.say("Hello") == "You said: Hello"
    openai_server.log.assert_reconnected(after="close")
    openai_server.log.assert_all_closed()


@pytest.mark.openai_replay(scenario="failed")
async def test_a_failed_response_is_tried_again(openai_server, async_openai_client):
    """response.failed (server_error): the turn is tried again, at most twice in all."""
    async with Chat(async_openai_client) as chat:
        assert await chat.say("Hello") == "You said: Hello"
    openai_server.log.assert_retried("server_error", connection="same", max_attempts=2)
