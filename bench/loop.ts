// Repair-loop benchmark against the local OpenAI-compatible test server with a fixed artificial
// latency: the loop's own overhead per round (wall time minus model and Lean time), the request
// concurrency achieved against the configured job concurrency, and the share of each round's prompt
// identical to the previous round's (the server's prefix cache reuses it), against the
// DeepSeek-style layout (attempt before task) as a baseline in the same run.
// usage: node --import tsx bench/loop.ts      writes bench/results/loop.json
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../src/config';
import type { JobEvent } from '../src/core/events';
import { prove } from '../src/core/prover';
import { findSorries } from '../src/core/source';
import type { Model, ProofTarget, RetrievedProof, Retriever, Verdict, Verifier } from '../src/core/types';
import { EndpointModel } from '../src/endpoint/client';
import { startModelServer } from '../test/fixtures/model-server/server';
import { machineInfo } from './machine';

const ROUNDS = 4;
const K = 8;
const N = 8;
const LATENCY_MS = 40;
const JOBS = 16;
const CONCURRENCY = 4;

const reply = (i: number): string => `Plan: induction.\n\`\`\`lean4\ntheorem bench_t (a b : Nat) : a + b = b + a := by\n  induction a with\n  | zero => simp\n  | succ n ih => omega -- try ${i}\n\`\`\``;

const FEEDBACK = 'Error 1:\nCorresponding Code:\n```lean4\n  | succ n ih => <error>omega</error>\n```\nError Message: omega could not prove the goal:\na possible counterexample may satisfy the constraints\n  b ≥ 0';

/** Lean stand-in: every candidate fails with the same error, at once. */
const verifier: Verifier = {
  async verify(req) {
    const out = new Map<string, Verdict>();
    for (const c of req.candidates) out.set(c.id, { kind: 'lean-error', rule: 'lean-error', reason: 'omega failed', messages: [], feedback: FEEDBACK, elapsedMs: 0 });
    return out;
  },
  availability: async () => ({ ok: true, description: 'instant stand-in' }),
  dispose: async () => {},
};

const retrieved: RetrievedProof[] = Array.from({ length: K }, (_, i) => ({
  id: `r${i}`,
  name: `Nat.lemma_${i}`,
  statement: `theorem Nat.lemma_${i} (n : Nat) : n + ${i} = ${i} + n`,
  proof: `theorem Nat.lemma_${i} (n : Nat) : n + ${i} = ${i} + n := by\n  induction n with\n  | zero => simp\n  | succ k ih => omega`,
  source: { kind: 'corpus', file: 'bench' },
  score: 1 - i / 10,
}));
const retriever: Retriever = { retrieve: async () => retrieved, remember: async () => {} };

function target(i: number): ProofTarget {
  const text = `import Std\n\nopen Nat\n\ntheorem bench_t${i} (a b : Nat) : a + b = b + a := by\n  sorry\n`;
  const sorry = findSorries(text)[0]!;
  return { file: `Bench${i}.lean`, projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration! };
}

/** Times every call of a port, so the loop's own time is what is left. */
function timedModel(inner: Model, spent: { ms: number }): Model {
  return {
    description: inner.description,
    async generate(req, opts) {
      const t0 = performance.now();
      try {
        return await inner.generate(req, opts);
      } finally {
        spent.ms += performance.now() - t0;
      }
    },
  };
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function sharedPrefixRatio(prompts: string[]): number {
  const ratios: number[] = [];
  for (let i = 1; i < prompts.length; i++) {
    const a = prompts[i - 1]!;
    const b = prompts[i]!;
    let j = 0;
    while (j < a.length && j < b.length && a.charCodeAt(j) === b.charCodeAt(j)) j++;
    ratios.push(j / b.length);
  }
  return ratios.reduce((x, y) => x + y, 0) / Math.max(1, ratios.length);
}

async function runJobs(config: OProverConfig, urls: string[], jobs: number, concurrency: number): Promise<{ overheads: number[]; prompts: Map<string, string[]>; wallMs: number }> {
  const model = new EndpointModel({ endpoints: urls.map((baseUrl) => ({ baseUrl, model: 'oprover-test' })), config });
  const overheads: number[] = [];
  const prompts = new Map<string, string[]>();
  let next = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    while (next < jobs) {
      const i = next++;
      const spent = { ms: 0 };
      let roundStart = 0;
      let spentAtStart = 0;
      const onEvent = (e: JobEvent): void => {
        if (e.type === 'round-started' && e.kind === 'model') {
          roundStart = performance.now();
          spentAtStart = spent.ms;
        } else if (e.type === 'round-finished' && e.round > 0) {
          overheads.push(performance.now() - roundStart - (spent.ms - spentAtStart));
        } else if (e.type === 'prompt') {
          const list = prompts.get(e.jobId) ?? [];
          list.push(e.messages.map((m) => `${m.role}\n${m.content}`).join('\n'));
          prompts.set(e.jobId, list);
        }
      };
      const result = await prove(target(i), config, { verifier, retriever, model: timedModel(model, spent) }, { onEvent });
      if (result.status !== 'failed') throw new Error(`bench job ended ${result.status}: ${result.reason}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { overheads, prompts, wallMs: performance.now() - t0 };
}

async function main(): Promise<void> {
  const servers = await Promise.all([0, 1].map(() => startModelServer({ latencyMs: LATENCY_MS, rules: [{ replies: Array.from({ length: 64 }, (_, i) => reply(i)) }] })));
  const config: OProverConfig = { ...structuredClone(DEFAULT_CONFIG), rounds: ROUNDS, samplesPerRound: N, retrievalK: K, prepassEnabled: false, maxRetries: 0 };
  // In-flight requests sampled every 2 ms: the time-weighted concurrency the servers actually saw.
  const samples: number[] = [];
  const sampler = setInterval(() => samples.push(servers.reduce((a, s) => a + s.inFlight(), 0)), 2);

  await runJobs(config, servers.map((s) => s.url), 2, 1); // warm-up: module loading and JIT
  samples.length = 0;
  const run = await runJobs(config, servers.map((s) => s.url), JOBS, CONCURRENCY);
  clearInterval(sampler);
  const busy = samples.filter((x) => x > 0);
  const achieved = busy.reduce((a, b) => a + b, 0) / Math.max(1, busy.length);

  const oproverPrefix = [...run.prompts.values()].map(sharedPrefixRatio);
  const baseline = await runJobs({ ...config, promptProfile: 'deepseek-prover-v2' }, servers.map((s) => s.url), 4, 2);
  const baselinePrefix = [...baseline.prompts.values()].map(sharedPrefixRatio);
  await Promise.all(servers.map((s) => s.close()));

  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const result = {
    bench: 'loop',
    date: new Date().toISOString(),
    machine: machineInfo(),
    setup: { rounds: ROUNDS, k: K, n: N, server_latency_ms: LATENCY_MS, jobs: JOBS, endpoints: servers.length, verifier: 'instant stand-in (Lean time excluded)' },
    headline: {
      overhead_p50_ms: round3(percentile(run.overheads, 50)),
      overhead_p95_ms: round3(percentile(run.overheads, 95)),
      concurrency_achieved: round3(achieved),
      concurrency_configured: CONCURRENCY,
      prefix_shared_ratio: round3(mean(oproverPrefix)),
    },
    detail: {
      rounds_measured: run.overheads.length,
      overhead_max_ms: round3(Math.max(...run.overheads)),
      wall_ms: Math.round(run.wallMs),
      peak_in_flight: servers.map((s) => s.peakInFlight()),
      // The same rounds laid out as DeepSeek-Prover-V2's feedback prompt (attempt before task).
      baseline_prefix_shared_ratio_deepseek_layout: round3(mean(baselinePrefix)),
    },
  };
  const out = path.join(__dirname, 'results', 'loop.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(JSON.stringify(result.headline, null, 2));
  console.log(`baseline prefix ratio (deepseek layout): ${result.detail.baseline_prefix_shared_ratio_deepseek_layout}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
