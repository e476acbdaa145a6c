"""Why each non-passing cell looks the way it does, naming the client code responsible (our words).

`explain` joins that text to what the cell itself recorded (`observed`: what the caller received and
the client's own exception type and message), generated from the evidence, so it cannot drift from it.

Written from the observed runs and a reading of the installed clients: openai 3.57.0,
livekit-plugins-openai / livekit-agents 1.8.9, pipecat-ai 1.14.0, videosdk-plugins-openai 1.0.30,
@livekit/agents-plugin-openai 1.9.0. A client upgrade that changes a cell fails the pinned tests
(tests/conformance_clients/); update the cell's pin and its explanation together.
"""

from __future__ import annotations

from typing import Any

_SDK_WS = (
    "openai/resources/responses/responses.py, AsyncResponsesConnection: recv() turns an error frame into an "
    "event object and returns it; the SDK keeps no conversation, so nothing resends the full context or opens a "
    "new connection. Recovery is left to the caller, and the adapter's minimal loop does not add any."
)
_SDK_WS_WAIT = (
    "openai/resources/responses/responses.py, AsyncResponsesConnection.recv(): waits for the next frame with no "
    "deadline, and the websockets keepalive pings keep the idle connection up, so a silent server is waited on forever."
)
_LK_ERROR = (
    "livekit/plugins/openai/responses/llm.py, LLMStream._handle_error: every error frame becomes an APIStatusError "
    "marked not retryable, whatever its code, so the retry loop in livekit-agents' LLMStream._main_task gives up at "
    "once; LLM.chat keeps chaining on the same _prev_resp_id (only a completed response replaces it)."
)
_LK_LIMIT = (
    _LK_ERROR + " The failed turn is not retried, so its answer is lost. The next turn runs on a new connection and "
    "chains on the last completed response (which the server holds in its store), sending the failed turn's input "
    "again with its own."
)
_LK_RESEND = (
    "LLM.chat (livekit/plugins/openai/responses/llm.py, and WSLLM.chat in the JS plugin's ws/llm.ts) compares the new "
    "context with the previous *request's* context and sends every item after it, which includes the previous "
    "response's own output (its assistant message, its function calls) that the server already holds."
)
_PIPECAT_HTTP_END = (
    "pipecat/services/openai/responses/llm.py, OpenAIResponsesHttpLLMService._process_context: iterates the SDK "
    "stream and stops when it ends; nothing checks that a response.completed arrived, so a body cut short ends the "
    "turn as if it were complete."
)
_PIPECAT_DRAIN = (
    "pipecat/services/openai/responses/llm.py, OpenAIResponsesLLMService._drain_cancelled_response: before the next "
    "response.create it reads and discards the cancelled response's events until its terminal event (waiting up to "
    "5 s for each frame); the abandoned reply keeps streaming, so the next answer waits until the rest of it is read."
)
_VSDK_ITER = (
    "videosdk/plugins/openai/llm.py, OpenAILLM._chat_websocket: reads with 'async for msg in ws'; aiohttp's iterator "
    "stops on a close frame instead of yielding it, so the branch meant to retry after a close never runs and the "
    "generator ends as if the turn were done."
)
_VSDK_CANCEL = (
    "videosdk/plugins/openai/llm.py, OpenAILLM.cancel_current_generation sends response.cancel, which the API does "
    "not have (the server answers with an error frame); the next _chat_websocket drains stale events until "
    "response.created but lets error frames through, so it reads the cancel's rejection as its own failure and "
    "raises RuntimeError. These cells cancel the way VideoSDK's pipeline does: cancel_current_generation() first, then "
    "the chat iterator closed; an application that closes the iterator first is not what they score."
)

_PIPECAT_CANCEL_FRAME = (
    "pipecat/services/openai/responses/llm.py, OpenAIResponsesLLMService._drain_cancelled_response: when the "
    "cancelled response's response.created arrives it sends response.cancel, which the API does not have; the "
    "server's error frame answering it is left on the socket, and the next turn reads it as its own failure."
)
_SDK_CHAT_DONE = (
    "reads the openai SDK's chat stream (openai/_streaming.py, AsyncStream.__stream__), which ends only at data: "
    "[DONE] or the end of the body; a chunk with finish_reason ends nothing, so the turn waits for [DONE] until "
    "the read timeout."
)
EXPLANATIONS: dict[tuple[str, str], str] = {
    # openai SDK
    ("previous_response_not_found", "openai-ws"): _SDK_WS,
    ("connection_limit", "openai-ws"): _SDK_WS,
    ("connection_age_limit", "openai-ws"): _SDK_WS,
    ("never_ending_stream", "openai-ws"): _SDK_WS_WAIT,
    ("close_mid_stream", "openai-http"): (
        "openai/_streaming.py, AsyncStream.__stream__: yields SSE events until the body ends and does not require a "
        "terminal event, so a stream cut before response.completed simply stops: no exception reaches the caller."
    ),
    ("close_mid_stream", "openai-chat"): (
        "openai/_streaming.py, AsyncStream.__stream__: yields chunks until the body ends and stops early only at "
        "data: [DONE]; a stream cut with neither a finish_reason chunk nor [DONE] simply ends, so the caller gets the "
        "partial text as if it were the whole answer and no exception."
    ),
    ("never_ending_stream", "openai-http"): (
        "openai/_constants.py: DEFAULT_TIMEOUT = Timeout(600, connect=5.0), and the column runs the SDK at its "
        "defaults: a stream that stops mid-way is read until that 600 s read timeout, so the caller waits ten minutes."
    ),
    ("never_ending_stream", "openai-chat"): (
        "openai/_constants.py: DEFAULT_TIMEOUT = Timeout(600, connect=5.0), and the column runs the SDK at its "
        "defaults: a stream that stops mid-way is read until that 600 s read timeout, so the caller waits ten minutes."
    ),
    ("finish_then_no_done", "openai-chat"): (
        "openai/_streaming.py, AsyncStream.__stream__: reads SSE events until data: [DONE] (or the end of the body); a "
        "chunk with finish_reason ends nothing, so the caller's async for waits for [DONE], up to the 600 s default timeout."
    ),
    # LiveKit (Python)
    ("previous_response_not_found", "livekit-ws"): _LK_ERROR,
    ("connection_limit", "livekit-ws"): _LK_LIMIT,
    ("connection_age_limit", "livekit-ws"): _LK_LIMIT,
    ("close_mid_stream", "livekit-ws"): (
        "livekit/plugins/openai/responses/llm.py, _ResponsesWebsocket.generate_response raises a retryable "
        "APIStatusError on the close; livekit-agents' LLMStream._main_task retries because _retry_on_chunk_sent "
        "defaults to True, and the deltas already sent stay with the caller, so the answer arrives twice."
    ),
    ("never_ending_stream", "livekit-ws"): (
        "livekit/plugins/openai/responses/llm.py, _ResponsesWebsocket.generate_response awaits ws.receive() with no "
        "deadline (APIConnectOptions.timeout bounds only connecting), and the 30 s heartbeat keeps the socket alive."
    ),
    ("no_resend", "livekit-ws"): _LK_RESEND,
    ("previous_response_not_found", "livekit-http"): (
        "livekit/plugins/openai/responses/llm.py, LLMStream._run_impl (HTTP branch): the SDK's 400 becomes livekit's "
        "APIStatusError, which the retry loop does not retry (a 4xx); LLM.chat chains over HTTP because store is left "
        "unset, and it keeps the stale _prev_resp_id, so no full-context resend happens."
    ),
    ("close_mid_stream", "livekit-http"): (
        "livekit/plugins/openai/responses/llm.py, LLMStream._run_impl: the HTTP branch ends when the SDK stream ends; "
        "unlike the WebSocket branch it does not check _response_completed, so a cut body ends the turn silently."
    ),
    ("no_resend", "livekit-http"): _LK_RESEND,
    ("legacy_usage", "livekit-ws"): (
        "livekit/plugins/openai/responses/llm.py, LLMStream._parse_ws_event: validates each frame with the openai "
        "SDK's pydantic models (ResponseCompletedEvent.model_validate), and openai 3.57's InputTokensDetails requires "
        "cache_write_tokens, so a response.completed in the older usage shape raises ValidationError, surfaced as an "
        "unrecoverable APIConnectionError. The deltas came before it, so the caller has the text, then the error."
    ),
    ("legacy_usage", "livekit-http"): (
        "livekit/plugins/openai/responses/llm.py, LLMStream._handle_response_completed: over HTTP the openai SDK "
        "builds its events without validating them, so the older usage shape gives input_tokens_details."
        "cache_write_tokens = None; the plugin passes it as cache_creation_tokens to livekit's own CompletionUsage "
        "(an int field), whose pydantic validation raises, surfaced as an unrecoverable APIConnectionError after the "
        "text was delivered. The openai SDK alone reads the same stream without complaint."
    ),
    ("http_429_retry_after", "livekit-http"): (
        "livekit/plugins/openai/responses/llm.py builds its AsyncClient with max_retries=0, so the SDK's "
        "retry-after handling is off; livekit-agents' LLMStream._main_task retries instead after "
        "APIConnectOptions._interval_for_retry(0) = 0.1 s, not reading retry-after."
    ),
    ("close_mid_stream", "livekit-chat"): (
        "livekit/agents/inference/llm.py, LLMStream._run (which the plugin's openai.LLM streams through): 'async for "
        "chunk in stream' ends when the body ends and nothing checks that a finish_reason arrived, so a stream cut "
        "before it ends the turn as if it were complete."
    ),
    ("response_incomplete", "livekit-chat"): (
        "livekit/agents/inference/llm.py, LLMStream._parse_choice reads finish_reason only to flush a pending tool "
        "call; finish_reason 'length' is passed over, so the caller gets the cut text as the whole answer."
    ),
    ("http_429_retry_after", "livekit-chat"): (
        "livekit/plugins/openai/llm.py, LLM.__init__ builds its AsyncClient with max_retries=0, so the SDK's "
        "retry-after handling is off; livekit-agents' LLMStream._main_task retries after "
        "APIConnectOptions._interval_for_retry(0) = 0.1 s, not reading retry-after."
    ),
    # Pipecat
    ("close_mid_stream", "pipecat-ws"): (
        "pipecat/services/openai/responses/llm.py, OpenAIResponsesLLMService._process_context: after the close, "
        "_ws_recv reconnects and raises WebsocketReconnectedError, which is retried once with the full context; the "
        "LLMTextFrames of the first attempt were already pushed downstream, so the caller gets the text twice."
    ),
    ("never_ending_stream", "pipecat-ws"): (
        "pipecat/services/openai/responses/llm.py, _receive_response_events: _ws_recv() is awaited with no bound "
        "(retry_on_timeout, off by default, would bound only the wait until the first event after response.created)."
    ),
    ("cancel_then_new_turn", "pipecat-ws"): _PIPECAT_DRAIN,
    ("answer_after_timeout", "pipecat-ws"): _PIPECAT_CANCEL_FRAME,
    ("finish_then_no_done", "pipecat-chat"): "pipecat/services/openai/base_llm.py, BaseOpenAILLMService._process_context "
    + _SDK_CHAT_DONE,
    ("barge_in_chain", "pipecat-ws"): _PIPECAT_DRAIN,
    ("close_mid_stream", "pipecat-http"): _PIPECAT_HTTP_END,
    ("never_ending_stream", "pipecat-http"): (
        "pipecat/services/openai/responses/llm.py, OpenAIResponsesHttpLLMService._create_stream: reading the stream "
        "relies on the SDK client's default 600 s timeout (retry_timeout_secs, used only with retry_on_timeout, which "
        "is off by default, would bound only opening it)."
    ),
    ("close_mid_stream", "pipecat-chat"): (
        "pipecat/services/openai/base_llm.py, BaseOpenAILLMService._process_context: iterates the SDK stream until "
        "it ends; nothing checks that a finish_reason or [DONE] arrived, so a body cut short ends the turn as if it "
        "were complete."
    ),
    ("response_incomplete", "pipecat-chat"): (
        "pipecat/services/openai/base_llm.py, BaseOpenAILLMService._process_context never reads "
        "choices[0].finish_reason, so 'length' is not reported: the cut text goes downstream as the whole answer."
    ),
    ("never_ending_stream", "pipecat-chat"): (
        "pipecat/services/openai/base_llm.py, create_client builds the AsyncOpenAI client with the SDK's default 600 s "
        "timeout, so a stream that stops mid-way is waited on far past the check's bound (retry_timeout_secs, used "
        "only with retry_on_timeout, which is off by default, would bound only the create() call)."
    ),
    # VideoSDK
    ("close_mid_stream", "videosdk-ws"): _VSDK_ITER,
    ("close_before_created", "videosdk-ws"): _VSDK_ITER,
    ("response_failed", "videosdk-ws"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM._chat_websocket: the frame loop ends a turn only on "
        "response.completed or an error frame; response.failed is not handled, so it waits for a frame that never comes."
    ),
    ("response_incomplete", "videosdk-ws"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM._chat_websocket: response.incomplete is not handled (only "
        "response.completed and error end a turn), so it waits for a frame that never comes."
    ),
    ("cancel_then_new_turn", "videosdk-ws"): _VSDK_CANCEL,
    ("answer_after_timeout", "videosdk-ws"): _VSDK_CANCEL,
    ("barge_in_chain", "videosdk-ws"): _VSDK_CANCEL,
    ("warmup", "videosdk-ws"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM.prewarm keeps the warm-up's id in _previous_response_id but leaves "
        "_last_seen_items_count at 0, and _chat_websocket chains only when that count is above 0: the first turn sends "
        "the full context without previous_response_id, so the warm-up is never used."
    ),
    ("never_ending_stream", "videosdk-ws"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM._chat_websocket: no deadline on the frame loop; the 30 s heartbeat "
        "keeps the socket alive, so a silent server is waited on forever."
    ),
    ("close_mid_stream", "videosdk-chat"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM._chat_http: 'async for chunk in response_stream' ends when the body "
        "ends; finish_reason is read only to flush pending tool calls, so a stream cut before the finish ends the turn "
        "as if it were complete."
    ),
    ("response_incomplete", "videosdk-chat"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM._chat_http reads finish_reason only for 'tool_calls'; 'length' is "
        "not reported, so the caller gets the cut text as the whole answer."
    ),
    ("http_429_retry_after", "videosdk-chat"): (
        "videosdk/plugins/openai/llm.py, OpenAILLM.__init__ builds its AsyncOpenAI with max_retries=0 (its default), "
        "so the SDK's retry-after handling is off; _chat_http emits the 429 as an error event and re-raises, and "
        "nothing in the plugin retries."
    ),
    # LiveKit (JS)
    ("never_ending_stream", "livekit-js-ws"): (
        "@livekit/agents-plugin-openai src/ws/llm.ts, WSLLMStream #runWithConn: reads the request's event channel with "
        "no deadline; the only timeout (connectWs) bounds opening the socket."
    ),
    ("no_resend", "livekit-js-ws"): _LK_RESEND,
}


# After a close, every later turn: the same code as the close itself.
EXPLANATIONS |= {
    ("every_turn_after_close", client): text
    for (check, client), text in list(EXPLANATIONS.items())
    if check == "close_mid_stream"
}


def explain(cell: dict[str, Any]) -> str | None:
    """The explanation of a non-passing cell: where in the client (our reading), then what it recorded."""
    if cell.get("status") == "pass":
        return None
    why = EXPLANATIONS.get((cell["check"], cell["client"]))
    seen = observed(cell)
    if why is None:
        return None
    return f"{why} {seen}" if seen else why


def observed(cell: dict[str, Any]) -> str | None:
    """What the first turn that did not end with its answer looked like to the caller, from the cell's turns."""
    for turn in cell.get("turns") or []:
        text, want, ended = turn.get("text", ""), turn.get("expected") or "", turn.get("ended")
        if ended == "done" and text.strip() == want:
            continue
        if not text:
            got = "no text"
        elif text.strip() == want:
            got = "the whole answer"
        elif want.startswith(text.strip()):
            got = f"{len(text)} of the answer's {len(want)} characters"
        else:
            got = f"text that is not the answer ({text[:40]!r})"
        errors = turn.get("errors") or []
        if ended == "hung":
            end = f"it was still waiting when the check's bound ended the turn after {turn.get('elapsed', 0):.1f} s"
        elif ended == "error":
            end = f"the client raised {_short(errors[-1])}" if errors else "the client raised"
        elif ended == "abandoned":
            end = "the caller cancelled it"
        elif errors:
            end = f"the client reported {_short(errors[0])} and ended the turn"
        else:
            end = "the turn ended with no error"
        return f"Observed ({turn.get('label', 'a turn')}): the caller received {got}, then {end}."
    facts = cell.get("facts") or {}
    wait = facts.get("next_answer_wait_s")
    if wait is not None:
        return f"Observed: every turn got its answer, the next one {wait:.1f} s after the interruption."
    retried = facts.get("retry_wait_s")
    if retried is not None:
        return f"Observed: every turn got its answer, the retried one {retried:.1f} s after its failed attempt."
    return None


def _short(message: str, limit: int = 220) -> str:
    one = " ".join(message.split())
    return one if len(one) <= limit else one[: limit - 3] + "..."
