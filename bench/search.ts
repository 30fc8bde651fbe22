// Benchmark of the proof-state search on a real Lean with no model: the seven two-step theorems of
// test/fixtures/search/TwoStep.lean (and examples/Basics.lean's sorries), proved once by the
// single-tactic pre-pass alone and once by the pre-pass followed by the search, in the same run on
// the same warm server. Reports proofs found within the budget, time to proof, probes (Lean checks
// of a tactic prefix) per second and nodes. Writes bench/results/search.json with a `headline`.
//
// usage: node --import tsx bench/search.ts [--lean PATH] [--budget N]
//        node --import tsx bench/search.ts --scripted   (the code path on the scripted test server;
//                                                        no figures are written)
// Without a `lean` on PATH (or --lean) it says so and exits with status 2.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../src/config';
import { prove, type JobResult } from '../src/core/prover';
import { findSorries } from '../src/core/source';
import type { ProofTarget } from '../src/core/types';
import { findExecutable } from '../src/lean/server';
import { tacticGoalsFactory } from '../src/lean/tactic-goals';
import { LeanVerifier } from '../src/lean/verifier';
import { FILE as SCRIPTED_FILE, SCRIPT } from '../test/integration/search-fixture';
import { machineInfo } from './machine';

const args = process.argv.slice(2);
const scripted = args.includes('--scripted');
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const root = path.resolve(__dirname, '..');
const lean = scripted ? path.join(root, 'test/fixtures/lean-server/bin/lean') : arg('--lean') ? path.resolve(arg('--lean')!) : findExecutable('lean');
if (!lean) {
  console.error('bench search: no `lean` on PATH (install elan, or pass --lean PATH); nothing was measured');
  process.exit(2);
}
const budget = Number(arg('--budget') ?? DEFAULT_CONFIG.searchBudget);

interface Row {
  set: string;
  name: string;
  prepass: { proved: boolean; ms: number };
  search: { proved: boolean; ms: number; probes: number; nodes: number; searchMs: number; proof?: string };
}

function targets(file: string, text: string, dir: string): ProofTarget[] {
  return findSorries(text)
    .filter((s) => s.declaration && s.declaration.kind !== 'def')
    .map((sorry) => ({ file: path.join(dir, file), projectRoot: dir, text, version: 0, sorry, declaration: sorry.declaration! }));
}

async function run(target: ProofTarget, config: OProverConfig, verifier: LeanVerifier, withSearch: boolean): Promise<JobResult> {
  const c = { ...config, searchBudget: withSearch ? budget : 0 };
  return prove(target, c, { verifier, search: withSearch ? tacticGoalsFactory(verifier, c) : undefined });
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bench-search-'));
  const sets: { set: string; file: string; text: string }[] = scripted
    ? [{ set: 'scripted', file: 'Ex.lean', text: SCRIPTED_FILE }]
    : [
        { set: 'two-step', file: 'TwoStep.lean', text: fs.readFileSync(path.join(root, 'test/fixtures/search/TwoStep.lean'), 'utf8') },
        { set: 'examples/Basics.lean', file: 'Basics.lean', text: fs.readFileSync(path.join(root, 'examples/Basics.lean'), 'utf8') },
      ];
  if (scripted) fs.writeFileSync(path.join(dir, 'lean-fixture.json'), JSON.stringify(SCRIPT));
  for (const s of sets) fs.writeFileSync(path.join(dir, s.file), s.text);
  const config: OProverConfig = { ...DEFAULT_CONFIG, leanPath: lean!, verifierSlots: 2, retrievalK: 0, prepassReplays: 0 };
  const verifier = new LeanVerifier({ projectRoot: dir, config });
  const rows: Row[] = [];
  try {
    // Warm the server once (imports, earlier declarations), so neither arm pays the first open.
    const first = targets(sets[0]!.file, sets[0]!.text, dir)[0]!;
    await run(first, config, verifier, false);
    for (const s of sets) {
      for (const target of targets(s.file, s.text, dir)) {
        const name = target.declaration.name ?? 'example';
        const pre = await run(target, config, verifier, false);
        const withSearch = await run(target, config, verifier, true);
        const row: Row = {
          set: s.set,
          name,
          prepass: { proved: pre.status === 'proved', ms: pre.elapsedMs },
          search: {
            proved: withSearch.status === 'proved',
            ms: withSearch.elapsedMs,
            probes: withSearch.search?.probes ?? 0,
            nodes: withSearch.search?.nodes ?? 0,
            searchMs: withSearch.search?.elapsedMs ?? 0,
            ...(withSearch.proof ? { proof: withSearch.proof.body } : {}),
          },
        };
        rows.push(row);
        console.log(`${s.set.padEnd(22)} ${name.padEnd(20)} pre-pass ${row.prepass.proved ? 'proved' : 'no    '} ${String(row.prepass.ms).padStart(6)} ms | search ${row.search.proved ? 'proved' : 'no    '} ${String(row.search.ms).padStart(6)} ms, ${row.search.probes} probes${row.search.proof ? `: ${row.search.proof.replace(/\n\s*/g, '; ')}` : ''}`);
      }
    }
  } finally {
    await verifier.dispose();
  }
  const probes = rows.reduce((a, r) => a + r.search.probes, 0);
  const searchMs = rows.reduce((a, r) => a + r.search.searchMs, 0);
  const median = (xs: number[]) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
  const bySet = Object.fromEntries(
    sets.map((s) => {
      const r = rows.filter((x) => x.set === s.set);
      return [s.set, { targets: r.length, prepass_proved: r.filter((x) => x.prepass.proved).length, search_proved: r.filter((x) => x.search.proved).length }];
    }),
  );
  const headline = {
    budget_probes: budget,
    proved_prepass_only: rows.filter((r) => r.prepass.proved).length,
    proved_with_search: rows.filter((r) => r.search.proved).length,
    targets: rows.length,
    by_set: bySet,
    probes_per_second: searchMs > 0 ? Math.round((probes * 1000 * 10) / searchMs) / 10 : null,
    median_time_to_proof_ms_search: median(rows.filter((r) => r.search.proved && !r.prepass.proved).map((r) => r.search.ms)),
    median_time_to_proof_ms_prepass: median(rows.filter((r) => r.prepass.proved).map((r) => r.prepass.ms)),
  };
  console.log(JSON.stringify(headline, null, 2));
  if (scripted) {
    console.log('bench search --scripted: code path only (scripted server); no figures written');
    return;
  }
  const leanVersion = spawnSync(lean!, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const out = { bench: 'search', at: new Date().toISOString(), machine: machineInfo(), lean_version: leanVersion, headline, rows };
  fs.mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench/results/search.json'), JSON.stringify(out, null, 2) + '\n');
}

main().catch((err) => {
  console.error(`bench search: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
});
