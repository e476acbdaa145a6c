"""Chat Completions (``POST /v1/chat/completions``): the second API surface over the shared engine.

- `validation`: the real 400 messages and ``param`` for chat payloads;
- `messages`: chat ``messages``/``tools``/``tool_choice`` read as the engine's items, so the
  simulated model, scenarios and the request log apply the same rules to both APIs;
- `chunks`: engine events written as ``chat.completion.chunk`` SSE lines, or one ``chat.completion``;
- `fidelity`: the spec components chunks and bodies are checked against.
"""
