// A Node test of a client against `openai-replay serve`, with Node 20's test runner and fetch only.
// Run: node --test examples/node/control.test.mjs   (openai-replay on PATH, or OPENAI_REPLAY=/path/to/it)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The server inherits OPENAI_REPLAY_CONTROL_TOKEN; with it set, every control request must carry it.
const token = process.env.OPENAI_REPLAY_CONTROL_TOKEN;
const headers = token ? { 'x-replay-control-token': token } : {};

let server, R, API;
before(async () => {
  // --port 0: any free port; --ready-file: where the server says which, once it listens.
  const ready = join(mkdtempSync(join(tmpdir(), 'replay-')), 'ready.json');
  server = spawn(process.env.OPENAI_REPLAY ?? 'openai-replay', ['serve', '--port', '0', '--ready-file', ready]);
  while (!existsSync(ready)) await new Promise((r) => setTimeout(r, 50));
  const { url } = JSON.parse(readFileSync(ready, 'utf8'));
  API = url; // http://127.0.0.1:PORT/v1
  R = url.replace(/\/v1$/, '/__replay');
});
after(async () => {
  await fetch(`${R}/shutdown`, { method: 'POST', headers });
  await new Promise((r) => server.on('exit', r));
});

const control = async (method, path, body) => {
  const res = await fetch(`${R}/${path}`, { method, headers, body: body && JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
};

// The client under test: two turns, the second chained on the first.
async function runMyClient(api) {
  const ask = async (body) => {
    const res = await fetch(`${api}/responses`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test', 'Content-Type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', store: true, ...body }),
    });
    return res.json();
  };
  const first = await ask({ input: 'hi' });
  return ask({ input: 'again', previous_response_id: first.id });
}

test('my client chains its second turn', async () => {
  await control('POST', 'reset');
  const reply = await runMyClient(API);
  assert.equal(reply.output[0].content[0].text, 'You said: again');
  const chained = await control('POST', 'assert/chained', { turns: [2] });
  assert.equal(chained.status, 200, chained.body.failure); // the failure text has the timeline
  assert.ok((await control('GET', 'verify')).body.ok);
});
