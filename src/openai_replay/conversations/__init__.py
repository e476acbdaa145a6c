"""The Conversations API (``/v1/conversations``): a store of conversations and their items, the
validation of its request bodies, and the ``conversation`` parameter of ``responses.create``."""

from openai_replay.conversations.store import Conversation, ConversationStore

__all__ = ["Conversation", "ConversationStore"]
