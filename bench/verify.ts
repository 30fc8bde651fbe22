// Benchmark of the Lean verifier on a real Lean: warm checking in scratch slots against a cold
// `lean FILE` per attempt, throughput of K = 1 and 2 slots, several candidates in one document,
// and the server's peak memory. Writes bench/results/verify.json with a `headline` object.
//
// usage: node --import tsx bench/verify.ts [--lean PATH] [--quick]
//        node --import tsx bench/verify.ts --scripted      (runs the code path on the scripted test
//                                                          server; no figures are written)
// Without a `lean` on PATH (or --lean) it says so and exits with status 2.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../src/config';
import { makeCandidate } from '../src/core/extract';
import { findSorries } from '../src/core/source';
import type { Candidate, ProofTarget } from '../src/core/types';
import { findExecutable } from '../src/lean/server';
import { LeanVerifier } from '../src/lean/verifier';
import { machineInfo } from './machine';

const args = process.argv.slice(2);
const scripted = args.includes('--scripted');
const quick = args.includes('--quick') || scripted;
const leanArg = args.includes('--lean') ? args[args.indexOf('--lean') + 1] : undefined;
const root = path.resolve(__dirname, '..');

const lean = scripted ? path.join(root, 'test/fixtures/lean-server/bin/lean') : leanArg ? path.resolve(leanArg) : findExecutable('lean');
if (!lean) {
  console.error('bench verify: no `lean` on PATH (install elan, or pass --lean PATH); nothing was measured');
  process.exit(2);
}

const CANDIDATE_BODIES = [
  ':= by\n  exact Nat.add_comm a b',
  ':= by\n  exact rfl',
  ':= by\n  rw [Nat.add_comm]',
  ':= by\n  induction b',
  ':= by\n  exact (Nat.add_comm b a).symm',
  ':= by\n  apply Nat.add_comm',
  ':= by\n  simp [Nat.add_comm]',
  ':= Nat.add_comm a b',
];

/**
 * A round whose candidates each cost real elaboration (evaluating a sum over HEAVY_LENGTH numbers:
 * about 0.1–0.3 s per candidate on Lean 4.0.0), so that one document holding all of them is
 * measured where Lean's time, not the round trip, dominates. Wrong bodies included, as in a real round.
 */
const HEAVY_LENGTH = Number(process.env.OPROVER_BENCH_HEAVY_LENGTH ?? 1000);
const HEAVY_STATEMENT = `theorem target : (List.range ${HEAVY_LENGTH}).foldl (· + ·) 0 = ${(HEAVY_LENGTH * (HEAVY_LENGTH - 1)) / 2}`;
const HEAVY_PREAMBLE = 'set_option maxRecDepth 100000\n';
const HEAVY_BODIES = [
  ':= rfl',
  ':= by\n  decide',
  ':= by\n  simp',
  ':= by\n  rfl',
  ':= by\n  exact rfl',
  ':= by\n  simp [List.foldl]',
  ':= by\n  exact Nat.le_refl _',
  ':= by\n  exact Nat.zero_le _',
];

/** N earlier declarations (tactic proofs, so each costs some elaboration) and the target. */
function makeFile(n: number, statement = 'theorem target (a b : Nat) : a + b = b + a', preamble = ''): string {
  const lines: string[] = preamble ? [preamble] : [];
  for (let i = 0; i < n; i++) lines.push(`theorem gen_${i} (a b : Nat) (h : a = b) : a + ${i} = b + ${i} := by\n  rw [h]\n`);
  lines.push(`${statement} := by\n  sorry\n`);
  return lines.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function target(dir: string, text: string): ProofTarget {
  const sorry = findSorries(text).at(-1)!;
  return { file: path.join(dir, 'Bench.lean'), projectRoot: dir, text, version: 0, sorry, declaration: sorry.declaration! };
}

function candidates(t: ProofTarget, tag: string, bodies = CANDIDATE_BODIES): Candidate[] {
  return bodies.map((b, i) => makeCandidate(t, b, { kind: 'model', round: 1, sample: i })).map((c) => ({ ...c, id: `${tag}-${c.id}` }));
}

function config(k: number): OProverConfig {
  return { ...DEFAULT_CONFIG, leanPath: lean!, verifierSlots: k };
}

const TIMEOUT = 120_000;

/** Median warm check of one candidate in a warm K=1 slot (the slot opened before timing). */
// The winner's fresh re-check (one cold open per proved target, not per candidate) is off here: these
// figures are the warm checks of whole rounds, where most candidates are right.
async function warm(dir: string, text: string, reps: number): Promise<{ medianMs: number; kinds: string[]; peakRss: number }> {
  const t = target(dir, text);
  const v = new LeanVerifier({ projectRoot: dir, config: config(1), recheckWinners: false });
  try {
    const cands = candidates(t, 'w');
    await v.verify({ target: t, candidates: [cands[0]!], timeoutMs: TIMEOUT }); // opens and warms the slot
    const times: number[] = [];
    const kinds: string[] = [];
    for (let r = 0; r < reps; r++) {
      for (const c of cands) {
        const started = performance.now();
        const verdict = (await v.verify({ target: t, candidates: [c], timeoutMs: TIMEOUT })).get(c.id)!;
        times.push(performance.now() - started);
        if (r === 0) kinds.push(verdict.kind);
      }
    }
    return { medianMs: median(times), kinds, peakRss: v.stats().peakRssBytes };
  } finally {
    await v.dispose();
  }
}

/** Median of a fresh `lean FILE` per candidate (the whole file, imports included, every time). */
function cold(dir: string, text: string, reps: number): number | undefined {
  if (scripted) return undefined;
  const t = target(dir, text);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    for (const c of candidates(t, 'c')) {
      const file = path.join(dir, `Cold.lean`);
      fs.writeFileSync(file, `${text.slice(0, t.declaration.start)}${c.declarationText}\n\n#print axioms target\n`);
      const started = performance.now();
      spawnSync(lean!, [file], { cwd: dir, encoding: 'utf8' });
      times.push(performance.now() - started);
    }
  }
  return median(times);
}

/** Wall time of one round of M candidates with K slots (slots warmed first). */
async function round(dir: string, text: string, k: number, reps: number, bodies = CANDIDATE_BODIES): Promise<{ ms: number; peakRss: number; proved: number }> {
  const t = target(dir, text);
  const v = new LeanVerifier({ projectRoot: dir, config: config(k), recheckWinners: false });
  const sampler = setInterval(() => v.stats(), 25);
  try {
    await v.verify({ target: t, candidates: candidates(t, 'warm', bodies).slice(0, k), timeoutMs: TIMEOUT });
    const times: number[] = [];
    let proved = 0;
    for (let r = 0; r < reps; r++) {
      const started = performance.now();
      const verdicts = await v.verify({ target: t, candidates: candidates(t, `r${r}`, bodies), timeoutMs: TIMEOUT });
      times.push(performance.now() - started);
      proved = [...verdicts.values()].filter((x) => x.kind === 'proved').length;
    }
    return { ms: median(times), peakRss: v.stats().peakRssBytes, proved };
  } finally {
    clearInterval(sampler);
    await v.dispose();
  }
}

/** One version holding all M candidates as separately named theorems (the alternative to slots). */
async function oneDocument(dir: string, text: string, reps: number, bodies = CANDIDATE_BODIES): Promise<number> {
  const t = target(dir, text);
  const prefix = text.slice(0, t.declaration.start);
  const header = (name: string) => t.declaration.header.replace(/^theorem target\b/, `theorem ${name}`);
  const v = new LeanVerifier({ projectRoot: dir, config: config(1), recheckWinners: false });
  try {
    const times: number[] = [];
    for (let r = 0; r <= reps; r++) {
      const body = bodies.map((b, i) => `${header(`cand_${r}_${i}`)} ${b}\n\n#print axioms cand_${r}_${i}\n`).join('\n');
      const started = performance.now();
      await v.goalAt(dir, `${prefix}${body}`, { line: 0, character: 0 }, undefined, TIMEOUT);
      if (r > 0) times.push(performance.now() - started); // r = 0 opens the slot
    }
    return median(times);
  } finally {
    await v.dispose();
  }
}

async function main(): Promise<void> {
  const version = spawnSync(lean!, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`bench verify: ${version} (${lean})${scripted ? ' — scripted server, not a measurement' : ''}`);
  const reps = quick ? 1 : 3;
  const sizes = quick ? [10, 100] : [10, 100, 300];
  const bySize: Record<string, unknown> = {};
  let peak = 0;
  let warm100 = NaN;
  let cold100: number | undefined;
  for (const n of sizes) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `oprover-bench-verify-${n}-`));
    const text = makeFile(n);
    const w = await warm(dir, text, reps);
    const c = cold(dir, text, reps === 1 ? 1 : 2);
    peak = Math.max(peak, w.peakRss);
    bySize[`n${n}`] = { warm_ms: round1(w.medianMs), cold_ms: c === undefined ? null : round1(c), cold_over_warm: c === undefined ? null : round1(c / w.medianMs), verdicts: w.kinds };
    console.log(`N=${n}: warm ${w.medianMs.toFixed(1)} ms/candidate, cold ${c === undefined ? '-' : c.toFixed(1)} ms (${w.kinds.join(' ')})`);
    if (n === 100) {
      warm100 = w.medianMs;
      cold100 = c;
    }
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bench-verify-k-'));
  const text = makeFile(100);
  const k1 = await round(dir, text, 1, reps);
  const k2 = await round(dir, text, 2, reps);
  const single = await oneDocument(dir, text, reps);
  const heavyText = makeFile(100, HEAVY_STATEMENT, HEAVY_PREAMBLE);
  const heavyK1 = await round(dir, heavyText, 1, reps, HEAVY_BODIES);
  const heavyK2 = await round(dir, heavyText, 2, reps, HEAVY_BODIES);
  const heavySingle = await oneDocument(dir, heavyText, reps, HEAVY_BODIES);
  peak = Math.max(peak, k1.peakRss, k2.peakRss);
  const heavyPeak = Math.max(heavyK1.peakRss, heavyK2.peakRss);
  const m = CANDIDATE_BODIES.length;
  console.log(`M=${m} at N=100: K=1 ${k1.ms.toFixed(0)} ms, K=2 ${k2.ms.toFixed(0)} ms, one document ${single.toFixed(0)} ms; peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`);
  console.log(`M=${HEAVY_BODIES.length} heavy candidates at N=100: K=1 ${heavyK1.ms.toFixed(0)} ms, K=2 ${heavyK2.ms.toFixed(0)} ms, one document ${heavySingle.toFixed(0)} ms (${heavyK2.proved} proved)`);

  const results = {
    headline: {
      lean_version: version,
      warm_ms_n100: round1(warm100),
      cold_ms_n100: cold100 === undefined ? null : round1(cold100),
      cold_over_warm_n100: cold100 === undefined ? null : round1(cold100 / warm100),
      k2_over_k1_throughput: round1(k1.ms / k2.ms),
      peak_rss_mb: Math.round(peak / 2 ** 20),
    },
    by_size: bySize,
    round_m8_n100: { k1_ms: round1(k1.ms), k2_ms: round1(k2.ms), k1_per_s: round1((m * 1000) / k1.ms), k2_per_s: round1((m * 1000) / k2.ms), one_document_ms: round1(single) },
    round_m8_n100_heavy: {
      statement: HEAVY_STATEMENT,
      k1_ms: round1(heavyK1.ms),
      k2_ms: round1(heavyK2.ms),
      one_document_ms: round1(heavySingle),
      one_document_over_k2: round1(heavySingle / heavyK2.ms),
      proved_per_round: heavyK2.proved,
      peak_rss_mb: Math.round(heavyPeak / 2 ** 20),
    },
    notes: 'warm: ranged didChange + waitForDiagnostics in a warm scratch slot (editDelay 1, reportDelayMs 0), median per candidate; cold: a fresh `lean FILE` per candidate; one_document: all M candidates as separately named theorems in one version; heavy: the same comparison with candidates that each cost real elaboration (peak memory of those rounds reported there, not in the headline).',
    machine: machineInfo(),
    at: new Date().toISOString(),
  };
  if (scripted) {
    console.log(JSON.stringify(results, null, 2));
    return;
  }
  const out = path.join(root, 'bench/results/verify.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, out)}`);
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

main().catch((err) => {
  console.error(`bench verify failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});
