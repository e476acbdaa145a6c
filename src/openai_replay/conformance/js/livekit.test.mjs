// LiveKit's JS Responses WebSocket client (`openai.responses.LLM({useWebSocket: true})`, i.e. WSLLM)
// against `openai-replay serve`, with no Python in between: this test starts the server command,
// loads faults and reads its verdicts over the control API (docs/control-api.md).
//
//   npm ci --prefix src/openai_replay/conformance/js
//   OPENAI_REPLAY_SERVE=.venv/bin/openai-replay node --test src/openai_replay/conformance/js/
//
// OPENAI_REPLAY_SERVE is the server command (default: `openai-replay` on the PATH).
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { initializeLogger, llm } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';

initializeLogger({ pretty: false, level: 'fatal' });

const TURN_TIMEOUT_MS = 15_000;
let server;
let base; // http://127.0.0.1:PORT

before(async () => {
  const command = process.env.OPENAI_REPLAY_SERVE || 'openai-replay';
  server = spawn(command, ['serve', '--port', '0', '--seed', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: server.stdout });
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} serve did not start listening in 20 s`)), 20_000);
    server.once('exit', (code) => reject(new Error(`${command} serve exited with ${code} before listening`)));
    lines.on('line', (line) => {
      const match = line.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  base = await listening;
});

after(async () => {
  if (server && server.exitCode === null) {
    server.kill('SIGINT');
    await Promise.race([once(server, 'exit'), new Promise((r) => setTimeout(r, 5_000))]);
  }
});

// The server inherits OPENAI_REPLAY_CONTROL_TOKEN; with it set, every control request must carry it.
const controlHeaders = { 'content-type': 'application/json' };
if (process.env.OPENAI_REPLAY_CONTROL_TOKEN) controlHeaders['x-replay-control-token'] = process.env.OPENAI_REPLAY_CONTROL_TOKEN;

async function control(method, path, body) {
  const res = await fetch(`${base}/__replay/${path}`, {
    method,
    headers: controlHeaders,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const type = res.headers.get('content-type') || '';
  return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
}

async function expectAssertion(name, args, status = 200) {
  const answer = await control('POST', `assert/${name}`, args);
  assert.equal(answer.status, status, `${name}(${JSON.stringify(args)}): ${answer.body.failure ?? JSON.stringify(answer.body)}`);
  return answer.body;
}

beforeEach(async () => {
  assert.equal((await control('POST', 'reset')).status, 200);
});

// One agent conversation: a ChatContext that only grows, handed (as a copy) to chat() each turn.
class Conversation {
  constructor() {
    this.model = new openai.responses.LLM({ model: 'gpt-4o-mini', apiKey: 'k', baseURL: `${base}/v1`, useWebSocket: true });
    this.ctx = llm.ChatContext.empty();
    this.errors = [];
    this.model.on('error', (event) => this.errors.push(String(event.error?.message ?? event.error)));
  }

  async say(text) {
    this.ctx.addMessage({ role: 'user', content: text });
    const stream = this.model.chat({ chatCtx: this.ctx.copy() });
    let reply = '';
    const read = (async () => {
      for await (const chunk of stream) reply += chunk.delta?.content ?? '';
    })();
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`turn '${text}' did not end in ${TURN_TIMEOUT_MS} ms`)), TURN_TIMEOUT_MS);
    });
    try {
      await Promise.race([read, timeout]);
    } finally {
      clearTimeout(timer);
    }
    if (reply) this.ctx.addMessage({ role: 'assistant', content: reply });
    return reply;
  }

  async close() {
    await this.model.aclose();
  }
}

test('chains each turn on the previous response (and resends the previous output: the no_resend drift)', async () => {
  const talk = new Conversation();
  try {
    assert.equal(await talk.say('First question'), 'You said: First question');
    assert.equal(await talk.say('Second question'), 'You said: Second question');
  } finally {
    await talk.close();
  }
  const { requests } = (await control('GET', 'requests')).body;
  assert.equal(requests.length, 2);
  assert.equal(requests[1].previous_response_id, requests[0].response_id);
  await expectAssertion('one_in_flight', {});
  const chained = await expectAssertion('chained', { turns: [2] }, 409);
  assert.match(chained.failure, /request #2 resends what the server already has/);
});

test('retries an injected previous_response_not_found on the same connection with the full context', async () => {
  assert.equal((await control('PUT', 'scenario', { builtin: 'cache_miss' })).status, 200);
  const talk = new Conversation();
  try {
    await talk.say('First question');
    assert.equal(await talk.say('Second question'), 'You said: Second question');
  } finally {
    await talk.close();
  }
  // full_context: false because the failed request itself resent turn 1's output (the no_resend drift),
  // so the step's "whole conversation" the assertion derives would hold that output twice.
  const retry = await expectAssertion('retried', { code: 'previous_response_not_found', connection: 'same', full_context: false });
  const resent = retry.result.request;
  assert.equal(resent.attempt, 2);
  assert.equal(resent.previous_response_id, null, 'the retry does not chain on the id the server called gone');
  assert.deepEqual(
    resent.payload.input.map((item) => `${item.role}: ${typeof item.content === 'string' ? item.content : item.content[0].text}`),
    ['user: First question', 'assistant: You said: First question', 'user: Second question'],
  );
  assert.deepEqual((await control('GET', 'verify')).body, { ok: true, rules: [], unplayed: [], mismatches: [] });
});

test('reconnects after the connection limit and retries the step there, still chaining', async () => {
  assert.equal((await control('PUT', 'scenario', { builtin: 'connection_limit', params: { turn: 2 } })).status, 200);
  const talk = new Conversation();
  try {
    await talk.say('First question');
    assert.equal(await talk.say('Second question'), 'You said: Second question');
  } finally {
    await talk.close();
  }
  const retry = await expectAssertion('retried', { code: 'websocket_connection_limit_reached', connection: 'new', full_context: false });
  assert.ok(retry.result.request.previous_response_id, 'the retry chains on the stored turn-1 response');
  await expectAssertion('reconnected', { after: 'websocket_connection_limit_reached', full_context: false });
});
