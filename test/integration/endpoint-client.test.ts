// The endpoint client against the local OpenAI-compatible test server, with injected faults.
import assert from 'node:assert/strict';
import { EndpointModel, parseRetryAfter, testConnection } from '../../src/endpoint/client';
import { ActionableError, type GenerateRequest } from '../../src/core/types';
import { startModelServer, type ModelServerOptions, type RunningModelServer } from '../fixtures/model-server/server';

const request: GenerateRequest = { messages: [{ role: 'user', content: 'prove theorem t' }], n: 1, temperature: 1, topP: 0.95, maxTokens: 512 };
const PROOF = 'Plan: use rfl.\n```lean4\ntheorem t : 1 = 1 := by\n  rfl\n```';

describe('endpoint client (against the test model server)', function () {
  this.timeout(20_000);
  let servers: RunningModelServer[] = [];
  const start = async (o: ModelServerOptions): Promise<RunningModelServer> => {
    const s = await startModelServer({ rules: [{ replies: [PROOF] }], ...o });
    servers.push(s);
    return s;
  };
  const logs: string[] = [];
  const model = (urls: string[], extra: Partial<ConstructorParameters<typeof EndpointModel>[0]> = {}): EndpointModel =>
    new EndpointModel({
      endpoints: urls.map((baseUrl) => ({ baseUrl, model: 'oprover-test' })),
      apiKey: 'sk-secret-key-123',
      config: { requestTimeoutMs: 5000, maxRetries: 2 },
      backoffBaseMs: 5,
      log: (level, m) => logs.push(`${level} ${m}`),
      ...extra,
    });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('streams n samples with deltas grouped by sample and reports usage', async () => {
    const s = await start({ rules: [{ replies: ['first ```lean4\nA\n```', 'second ```lean4\nB\n```'] }], chunkChars: 5 });
    const deltas = new Map<number, string>();
    const out = await model([s.url]).generate({ ...request, n: 2 }, { onDelta: (i, d) => deltas.set(i, (deltas.get(i) ?? '') + d) });
    assert.deepEqual(out.map((c) => c.text), ['first ```lean4\nA\n```', 'second ```lean4\nB\n```']);
    assert.equal(deltas.get(0), out[0].text);
    assert.equal(deltas.get(1), out[1].text);
    assert.ok((out[0].promptTokens ?? 0) > 0);
    assert.equal(s.requests.length, 1, 'one request with n=2');
    assert.equal(s.requests[0].body?.n, 2);
  });

  it('collects the reasoning field apart from the answer, under either name vLLM and SGLang use', async () => {
    for (const reasoningField of ['reasoning', 'reasoning_content'] as const) {
      const s = await start({ rules: [{ replies: [`<think>plan: rfl</think>${PROOF}`, '<think>thinking only</think>'] }], reasoningField, chunkChars: 7 });
      const deltas = new Map<number, string>();
      const out = await model([s.url]).generate({ ...request, n: 2 }, { onDelta: (i, d) => deltas.set(i, (deltas.get(i) ?? '') + d) });
      assert.deepEqual(out.map((c) => [c.text, c.reasoning]), [[PROOF, 'plan: rfl'], ['', 'thinking only']], reasoningField);
      assert.equal(deltas.get(0), PROOF, 'only the answer streams as text');
    }
  });

  it('keeps finish_reason length for a reply cut at the token limit', async () => {
    const s = await start({ maxReplyChars: 20 });
    const [c] = await model([s.url]).generate(request);
    assert.equal(c!.finishReason, 'length');
    assert.equal(c!.text, PROOF.slice(0, 20));
  });

  it('falls back to parallel requests when the server refuses n', async () => {
    const s = await start({ supportsN: false });
    const out = await model([s.url]).generate({ ...request, n: 3 });
    assert.equal(out.length, 3);
    assert.ok(out.every((c) => c.text === PROOF));
    const chats = s.requests.filter((r) => r.path.endsWith('/chat/completions'));
    assert.equal(chats.filter((r) => r.body?.n === 1).length, 3);
  });

  it('with two endpoints, marks only the one that refused n, and keeps sending n to the other', async () => {
    const refuses = await start({ supportsN: false });
    const accepts = await start({});
    const m = model([refuses.url, accepts.url]);
    for (let i = 0; i < 4; i++) assert.equal((await m.generate({ ...request, n: 2 })).length, 2);
    const withN = (s: RunningModelServer) => s.requests.filter((r) => r.path.endsWith('/chat/completions') && r.body?.n === 2).length;
    assert.equal(withN(refuses), 1, 'the refusing server was asked for n = 2 once');
    assert.ok(withN(accepts) >= 1, 'the other server still gets n = 2');
    assert.ok(logs.some((l) => l.includes(`${new URL(refuses.url).host} refused n=2`)), logs.join('\n'));
    assert.ok(!logs.some((l) => l.includes(`${new URL(accepts.url).host} refused n=2`)), 'the server that accepts n is never marked');
  });

  it('retries a 429, waiting as Retry-After says, then succeeds', async () => {
    const s = await start({ faults: [{ kind: 'status', status: 429, retryAfter: '0.2' }] });
    const t0 = Date.now();
    const out = await model([s.url]).generate(request);
    assert.equal(out[0].text, PROOF);
    assert.equal(s.requests.length, 2);
    assert.ok(Date.now() - t0 >= 190, 'waited for Retry-After');
  });

  it('retries a 500 and a cut stream', async () => {
    const s = await start({ faults: [{ kind: 'status', status: 500 }, { kind: 'cut', afterChars: 10 }], chunkChars: 5 });
    const out = await model([s.url]).generate(request);
    assert.equal(out[0].text, PROOF);
    assert.equal(s.requests.length, 3);
  });

  it('retries invalid JSON from the server', async () => {
    const s = await start({ faults: [{ kind: 'garbage' }] });
    const out = await model([s.url]).generate(request);
    assert.equal(out[0].text, PROOF);
  });

  it('gives up after the retry budget with an actionable "unreachable" error', async () => {
    const s = await start({ faults: Array.from({ length: 5 }, () => ({ kind: 'status' as const, status: 503 })) });
    await assert.rejects(model([s.url]).generate(request), (e: Error) => e instanceof ActionableError && e.code === 'unreachable' && /Test Connection/.test(e.message));
    assert.equal(s.requests.length, 3, 'maxRetries 2 → three attempts');
  });

  it('does not retry a rejected key, and says how to fix it', async () => {
    const s = await start({ apiKey: 'the-right-key' });
    await assert.rejects(model([s.url]).generate(request), (e: Error) => e instanceof ActionableError && e.code === 'auth' && /Set API Key/.test(e.message));
    assert.equal(s.requests.length, 1);
  });

  it('names the served models when the configured one does not exist', async () => {
    const s = await start({ models: ['OProver-8B'] });
    await assert.rejects(model([s.url]).generate(request), (e: Error) => e instanceof ActionableError && e.code === 'model-not-found' && /OProver-8B/.test(e.message));
  });

  it('uses the first served model when none is configured', async () => {
    const s = await start({ models: ['OProver-8B'] });
    const m = new EndpointModel({ endpoints: [{ baseUrl: s.url, model: '' }], config: { requestTimeoutMs: 5000, maxRetries: 0 } });
    const out = await m.generate(request);
    assert.equal(out[0].text, PROOF);
    assert.equal(s.requests.find((r) => r.path.endsWith('/chat/completions'))?.body?.model, 'OProver-8B');
  });

  it('reports an exceeded context length with its own code', async () => {
    const s = await start({ faults: [{ kind: 'context-length' }] });
    await assert.rejects(model([s.url]).generate(request), (e: Error) => e instanceof ActionableError && e.code === 'context-length');
  });

  it('times out a server that never answers, then retries', async () => {
    const s = await start({ faults: [{ kind: 'hang' }] });
    const out = await model([s.url], { config: { requestTimeoutMs: 1000, maxRetries: 1 } }).generate(request);
    assert.equal(out[0].text, PROOF);
    assert.equal(s.requests.length, 2);
  });

  it('cancel aborts the HTTP request: the server sees the connection close', async () => {
    const s = await start({ chunkChars: 1, chunkDelayMs: 50 });
    const controller = new AbortController();
    const pending = model([s.url]).generate(request, { signal: controller.signal, onDelta: () => controller.abort(new Error('cancelled by user')) });
    await assert.rejects(pending, /cancelled by user/);
    for (let i = 0; i < 50 && !s.requests[0]?.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(s.requests[0].aborted, true);
    assert.equal(s.requests.length, 1, 'no retry after a cancel');
  });

  it('a dead endpoint is skipped: requests go to the one that answers', async () => {
    const alive = await start({});
    const dead = await start({});
    const deadUrl = dead.url;
    await dead.close();
    servers = servers.filter((x) => x !== dead);
    const m = model([deadUrl, alive.url]);
    for (let i = 0; i < 4; i++) assert.equal((await m.generate(request))[0].text, PROOF);
    assert.equal(alive.requests.length, 4);
  });

  it('spreads parallel requests over several endpoints', async () => {
    const a = await start({ latencyMs: 100 });
    const b = await start({ latencyMs: 100 });
    const m = model([a.url, b.url]);
    await Promise.all(Array.from({ length: 6 }, () => m.generate(request)));
    assert.equal(a.requests.length, 3);
    assert.equal(b.requests.length, 3);
  });

  it('never writes the API key into a log line', async () => {
    logs.length = 0;
    const s = await start({ faults: [{ kind: 'status', status: 500 }, { kind: 'status', status: 429, retryAfter: '0' }] });
    await model([s.url]).generate(request);
    assert.ok(logs.length >= 2, 'the retries were logged');
    assert.ok(logs.every((l) => !l.includes('sk-secret-key-123')));
    assert.equal(s.requests[0].authorization, 'Bearer sk-secret-key-123', 'the key was sent to the server');
  });

  it('Test Connection reports models and latency, and a missing model', async () => {
    const s = await start({ models: ['OProver-32B'] });
    const ok = await testConnection({ baseUrl: s.url, model: 'OProver-32B' });
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.models, ['OProver-32B']);
    const wrong = await testConnection({ baseUrl: s.url, model: 'nope' });
    assert.equal(wrong.ok, false);
    assert.match(wrong.message, /"nope" is not served; available: OProver-32B/);
    const down = await testConnection({ baseUrl: 'http://127.0.0.1:9/v1', model: 'x' }, undefined, 2000);
    assert.equal(down.ok, false);
    assert.match(down.message, /unreachable at http:\/\/127\.0\.0\.1:9\/v1/);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, ignores junk', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter(new Date(1_000_000 + 3000).toUTCString(), 1_000_000), 3000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});
