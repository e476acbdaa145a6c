// Drives LiveKit's JS Realtime model (`openai.realtime.RealtimeModel` from
// @livekit/agents-plugin-openai, its `session()`) for openai-replay's Realtime battery
// (adapters/realtime_livekit_js.py holds the checks; this program only does what it is told).
//
// Protocol: one JSON object per line on stdin, one per line on stdout.
//   requests  {"id":N,"op":...}  ->  {"kind":"result","id":N, ...}  (or {"kind":"result","id":N,"error":...})
//     open {baseURL, apiKey}            the model and its session, LiveKit's defaults otherwise
//     say_text {text}                   updateChatCtx(the session's own context + a user message)
//     tools {specs:[{name,description,parameters}]}   updateTools
//     tool_output {call_id,name,output} updateChatCtx(context + the function's output)
//     generate_reply                    -> {gen: the generation's number}
//     push_audio {pcm (base64 16-bit mono), rate}     pushAudio in 100 ms frames
//     barge_in {gen, pcm, rate}         push_audio as soon as generation gen's first audio frame
//                                       arrives (here, not after a round trip to the caller)
//     close                             session.close(), model.close(), then exit
//   events (unasked):
//     {"kind":"generation","gen":N,"user_initiated":bool}   every generation_created, numbered
//     {"kind":"first_audio","gen":N}
//     {"kind":"generation_done","gen":N,"text","audio","calls":[...]}  its streams all closed
//     {"kind":"error","message","recoverable"} | {"kind":"transcript","text"}
//     {"kind":"speech_started"} | {"kind":"reconnected"}
// Every generation's streams are read here (they can be read once), the way the agent's
// playout reads them.
import { createInterface } from 'node:readline';
import { initializeLogger, llm } from '@livekit/agents';
import * as openai from '@livekit/agents-plugin-openai';
import { AudioFrame } from '@livekit/rtc-node';

initializeLogger({ pretty: false, level: 'fatal' });

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

let model;
let session;
let generations = 0;
const numbers = new WeakMap();
const heardAudio = new Set();
const bargeIns = new Map();
const debug = process.env.REALTIME_DRIVER_DEBUG ? (obj) => process.stderr.write(Date.now() % 100000 + " " + JSON.stringify(obj).slice(0, 200) + '\n') : null;

function pushAudio(pcm64, rate) {
  const pcm = Buffer.from(pcm64, 'base64');
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.length / 2);
  const step = rate / 10; // 100 ms frames, as an audio track delivers them
  for (let i = 0; i < samples.length; i += step) {
    const chunk = samples.slice(i, i + step);
    session.pushAudio(new AudioFrame(chunk, rate, 1, chunk.length));
  }
}

async function collect(ev, gen) {
  let text = '';
  let audio = 0;
  const calls = [];
  let heard = false;
  const message = async (m) => {
    const texts = async () => {
      for await (const delta of m.textStream) text += typeof delta === 'string' ? delta : delta.text;
    };
    const frames = async () => {
      for await (const frame of m.audioStream) {
        audio += frame.data.length * 2;
        if (!heard) {
          heard = true;
          heardAudio.add(gen);
          out({ kind: 'first_audio', gen });
          const pending = bargeIns.get(gen);
          if (pending) pending();
        }
      }
    };
    await Promise.all([texts(), frames()]);
  };
  const messages = async () => {
    for await (const m of ev.messageStream) await message(m);
  };
  const functions = async () => {
    for await (const call of ev.functionStream) {
      calls.push({ call_id: call.callId, name: call.name, arguments: call.args });
    }
  };
  let error;
  try {
    await Promise.all([messages(), functions()]);
  } catch (e) {
    error = `${e?.name ?? 'Error'}: ${e?.message ?? e}`;
  }
  out({ kind: 'generation_done', gen, text, audio, calls, error });
}

function errorMessage(e) {
  const err = e?.error ?? e;
  const body = err?.body ? ` ${JSON.stringify(err.body)}` : '';
  return `${err?.name ?? 'Error'}: ${err?.message ?? err}${body}`;
}

async function withContext(edit) {
  const ctx = session.chatCtx.copy();
  edit(ctx);
  await session.updateChatCtx(ctx);
  return {};
}

const ops = {
  async open(msg) {
    model = new openai.realtime.RealtimeModel({ baseURL: msg.baseURL, apiKey: msg.apiKey });
    session = model.session();
    session.on('error', (e) => out({ kind: 'error', message: errorMessage(e), recoverable: e.recoverable }));
    session.on('generation_created', (ev) => {
      generations += 1;
      const gen = generations;
      numbers.set(ev, gen);
      out({ kind: 'generation', gen, user_initiated: ev.userInitiated });
      void collect(ev, gen);
    });
    session.on('input_audio_transcription_completed', (e) => {
      if (e.isFinal) out({ kind: 'transcript', text: e.transcript });
    });
    session.on('input_speech_started', () => out({ kind: 'speech_started' }));
    session.on('session_reconnected', () => out({ kind: 'reconnected' }));
    if (debug) {
      session.on('openai_server_event_received', (ev) => debug({ in: ev.type, ev }));
      session.on('openai_client_event_queued', (ev) => debug({ out: ev.type, ev }));
    }
    return {};
  },
  say_text: (msg) => withContext((ctx) => ctx.addMessage({ role: 'user', content: msg.text })),
  tool_output: (msg) =>
    withContext((ctx) =>
      ctx.items.push(
        llm.FunctionCallOutput.create({ callId: msg.call_id, name: msg.name, output: msg.output, isError: false }),
      ),
    ),
  async tools(msg) {
    const picked = {};
    for (const spec of msg.specs) {
      picked[spec.name] = llm.tool({ description: spec.description, parameters: spec.parameters, execute: async () => null });
    }
    await session.updateTools(llm.toToolContext(picked));
    return {};
  },
  async generate_reply() {
    const ev = await session.generateReply();
    return { gen: numbers.get(ev) };
  },
  async push_audio(msg) {
    pushAudio(msg.pcm, msg.rate);
    return {};
  },
  barge_in(msg) {
    return new Promise((resolve) => {
      const push = () => {
        pushAudio(msg.pcm, msg.rate);
        resolve({});
      };
      if (heardAudio.has(msg.gen)) push();
      else bargeIns.set(msg.gen, push);
    });
  },
  async close() {
    await session?.close();
    await model?.close();
    return {};
  },
};

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const msg = JSON.parse(line);
  const run = async () => {
    try {
      out({ kind: 'result', id: msg.id, ...(await ops[msg.op](msg)) });
    } catch (e) {
      out({ kind: 'result', id: msg.id, error: errorMessage(e) });
    }
    if (msg.op === 'close') process.exit(0);
  };
  void run();
}
