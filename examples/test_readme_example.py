import pytest
from chat_loop import Chat  # your client


@pytest.mark.asyncio
@pytest.mark.openai_replay(scenario="cache_miss")
async def test_chat_survives_a_cache_miss(openai_server, async_openai_client):
    """A cache miss costs one retry: same connection, the whole conversation again."""
    async with Chat(async_openai_client) as chat:
        assert await chat.say("Hello") == "You said: Hello"
        assert await chat.say("Still there?") == "You said: Still there?"
    openai_server.log.assert_retried("previous_response_not_found", connection="same")
