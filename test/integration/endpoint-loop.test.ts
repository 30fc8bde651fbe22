// The repair loop over the real endpoint client and the test model server: streaming into events,
// round 2 after a Lean error, and a prompt over the server's context shrunk and retried once.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import type { JobEvent } from '../../src/core/events';
import { prove } from '../../src/core/prover';
import { findSorries } from '../../src/core/source';
import type { ProofTarget, Verdict, Verifier, VerifyRequest } from '../../src/core/types';
import { EndpointModel } from '../../src/endpoint/client';
import { startModelServer } from '../fixtures/model-server/server';

const FILE = 'theorem two_eq : 1 + 1 = 2 := by\n  sorry\n';
const WRONG = 'Plan.\n```lean4\ntheorem two_eq : 1 + 1 = 2 := by\n  simp only []\n```';
const RIGHT = 'Plan.\n```lean4\ntheorem two_eq : 1 + 1 = 2 := by\n  decide\n```';

/** Lean stand-in: `decide` proves the target, anything else is an error. */
const verifier: Verifier = {
  async verify(req: VerifyRequest) {
    const out = new Map<string, Verdict>();
    for (const c of req.candidates) {
      const ok = /decide/.test(c.body);
      out.set(c.id, ok ? { kind: 'proved', reason: 'ok', messages: [], feedback: '', elapsedMs: 0 } : { kind: 'lean-error', rule: 'lean-error', reason: 'simp made no progress', messages: [], feedback: 'error: simp made no progress', elapsedMs: 0 });
    }
    return out;
  },
  availability: async () => ({ ok: true, description: 'stand-in' }),
  dispose: async () => {},
};

function target(): ProofTarget {
  const sorry = findSorries(FILE)[0];
  return { file: 'T.lean', projectRoot: '.', text: FILE, version: 1, sorry, declaration: sorry.declaration! };
}

const config: OProverConfig = { ...structuredClone(DEFAULT_CONFIG), prepassEnabled: false, rounds: 3, samplesPerRound: 2, retrievalK: 0, maxRetries: 0 };

describe('repair loop over the endpoint client', function () {
  this.timeout(20_000);

  it('streams deltas, feeds the Lean error back, and proves in round 2', async () => {
    const server = await startModelServer({ rules: [{ match: 'simp made no progress', replies: [RIGHT] }, { replies: [WRONG] }], chunkChars: 8 });
    try {
      const events: JobEvent[] = [];
      const model = new EndpointModel({ endpoints: [{ baseUrl: server.url, model: 'oprover-test' }], config });
      const result = await prove(target(), config, { verifier, model }, { onEvent: (e) => events.push(e) });
      assert.equal(result.status, 'proved');
      assert.equal(result.rounds, 2);
      assert.match(result.proof!.body, /decide/);
      assert.ok(events.filter((e) => e.type === 'sample-delta').length > 4, 'streamed in pieces');
      const secondPrompt = (server.requests[1].body?.messages as { content: string }[])[0].content;
      assert.match(secondPrompt, /Previous Failed Attempt[\s\S]*simp only \[\][\s\S]*simp made no progress/);
      assert.ok(result.promptTokens > 0 && result.completionTokens > 0);
    } finally {
      await server.close();
    }
  });

  it('halves a prompt the server finds too long and retries once', async () => {
    const server = await startModelServer({ rules: [{ replies: [RIGHT] }], maxContextChars: 3000 });
    try {
      const retriever = {
        retrieve: async () => Array.from({ length: 4 }, (_, i) => ({ id: `p${i}`, statement: 's', proof: `theorem p${i} : True := by\n  trivial -- ${'x'.repeat(900)}`, source: { kind: 'corpus' as const }, score: 1 })),
        remember: async () => {},
      };
      const events: JobEvent[] = [];
      const model = new EndpointModel({ endpoints: [{ baseUrl: server.url, model: 'oprover-test' }], config });
      const result = await prove(target(), { ...config, retrievalK: 4 }, { verifier, model, retriever }, { onEvent: (e) => events.push(e) });
      assert.equal(result.status, 'proved');
      const chats = server.requests.filter((r) => r.path.endsWith('/chat/completions'));
      assert.equal(chats.length, 2);
      const size = (i: number): number => (chats[i].body?.messages as { content: string }[]).reduce((a, m) => a + m.content.length, 0);
      assert.ok(size(1) <= 3000 && size(0) > 3000);
      assert.ok(events.some((e) => e.type === 'log' && /retrying once with a prompt/.test(e.message)));
    } finally {
      await server.close();
    }
  });
});
