// Drives LiveKit's JS Responses LLM (`openai.responses.LLM` with `useWebSocket: true`, which is
// the plugin's `WSLLM`) for openai-replay's conformance battery.
//
// Protocol: one JSON object per line on stdin, one per line on stdout.
//   {"op":"open","baseURL":...,"apiKey":...,"model":...}      -> {"kind":"ready"}
//   {"op":"turn","turn":N,"items":[...],"tools":[...]}         -> text / tool_call / error ... then end
//                                                                 (each tagged with the turn N)
//   {"op":"cancel"}                                            -> {"kind":"cancelled"}
//   {"op":"close"}                                             -> {"kind":"closed"}, then exit
// Items: {"kind":"message","role","text"} | {"kind":"call","call_id","name","arguments"}
//        | {"kind":"output","call_id","name","output"}; the history only grows, so only the
// items not seen yet are appended to the one ChatContext the driver keeps (as an agent does).
import { createInterface } from 'node:readline';
import { initializeLogger, llm } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';

initializeLogger({ pretty: false, level: 'fatal' });

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

let model;
let ctx = llm.ChatContext.empty();
let synced = 0;
let current = null;
let currentTurn = null;
const tools = {};

function sync(items) {
  for (const item of items.slice(synced)) {
    if (item.kind === 'message') {
      ctx.addMessage({ role: item.role, content: item.text });
    } else if (item.kind === 'call') {
      ctx.items.push(llm.FunctionCall.create({ callId: item.call_id, name: item.name, args: item.arguments }));
    } else {
      ctx.items.push(
        llm.FunctionCallOutput.create({ callId: item.call_id, name: item.name, output: item.output, isError: false }),
      );
    }
  }
  synced = items.length;
}

function toolContext(specs) {
  for (const spec of specs) {
    if (!tools[spec.name]) {
      tools[spec.name] = llm.tool({
        description: spec.description,
        parameters: spec.parameters,
        execute: async () => null,
      });
    }
  }
  const picked = {};
  for (const spec of specs) picked[spec.name] = tools[spec.name];
  return picked;
}

async function runTurn(msg) {
  const turn = msg.turn;
  const emit = (obj) => out({ ...obj, turn });
  sync(msg.items);
  // The agent hands the LLM a copy of its context each turn (voice/agent_activity.ts does).
  const stream = model.chat({ chatCtx: ctx.copy(), toolCtx: msg.tools.length ? toolContext(msg.tools) : undefined });
  current = stream;
  currentTurn = turn;
  try {
    for await (const chunk of stream) {
      const delta = chunk.delta;
      if (!delta) continue;
      if (delta.content) emit({ kind: 'text', text: delta.content });
      for (const call of delta.toolCalls ?? []) {
        emit({ kind: 'tool_call', call_id: call.callId, name: call.name, arguments: call.args });
      }
    }
  } catch (error) {
    emit({ kind: 'error', message: `raised ${error?.name ?? 'Error'}: ${error?.message ?? error}` });
  } finally {
    if (current === stream) current = null;
  }
  emit({ kind: 'end' });
}

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line);
  if (msg.op === 'open') {
    model = new openai.responses.LLM({
      model: msg.model,
      apiKey: msg.apiKey,
      baseURL: msg.baseURL,
      useWebSocket: true,
    });
    model.on('error', (event) => {
      const kind = event.recoverable ? 'recoverable' : 'unrecoverable';
      out({ kind: 'error', turn: currentTurn, message: `llm error event (${kind}): ${event.error?.message ?? event.error}` });
    });
    out({ kind: 'ready' });
  } else if (msg.op === 'turn') {
    void runTurn(msg);
  } else if (msg.op === 'cancel') {
    if (current) current.close();
    out({ kind: 'cancelled' });
  } else if (msg.op === 'close') {
    if (current) current.close();
    await model?.aclose();
    out({ kind: 'closed' });
    process.exit(0);
  }
}
