// End-to-end benchmark of the command line: the bundled CLI (built as dist/cli-e2e-bench.js) over the miniF2F test
// statements turned into sorry files, against the scripted Lean language server (standing in for
// `lean --server`) and the OpenAI-compatible test model server. The fixtures answer in
// milliseconds, so what is measured is the product's own cost per sorry: process start, discovery,
// the memory bank, the repair loop, LSP traffic, state writes and the report.
//
// usage: node --import tsx bench/e2e.ts [--limit N]
// Reads ../shared/data/minif2f-test-statements.jsonl (relative to the repository root), else the
// sample in test/fixtures/minif2f-sample.jsonl. Writes bench/results/e2e.json.
//
// Figures (same run, same fixtures):
//   per_sorry_ms          CLI wall time / sorries, concurrency 1
//   loop_ms_per_sorry     mean time inside the repair loop per sorry (checker + model + loop), from the report
//   overhead_per_sorry_ms (wall − Σ loop time) / sorries at concurrency 1: what the CLI adds around the loop
//   overhead_ratio        per_sorry_ms / loop_ms_per_sorry (the baseline is the loop itself)
//   c2_speedup            wall at concurrency 1 / wall at concurrency 2
//   resume_ms_per_sorry   a re-run where every sorry is finished in the state file
//   startup_ms            the CLI on a file with no sorry
//   replies_to_lean       of the real-shaped replies in test/fixtures/replies (shapes of Kimina, DeepSeek,
//                         Goedel and OProver outputs, each with its source), how many extraction and the
//                         screen pass on to Lean; replies_refused how many they refuse, by reason in
//                         `replies.refused_by`; replies_unexpected how many disagree with the manifest
import { spawn } from 'node:child_process';
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { candidateFromCompletion } from '../src/core/extract';
import { screenHelpers } from '../src/core/helpers';
import { screenCandidate } from '../src/core/screen';
import { findDeclarations, findSorries } from '../src/core/source';
import type { ProveReport } from '../src/cli/report';
import { startModelServer } from '../test/fixtures/model-server/server';
import { machineInfo } from './machine';

const root = path.resolve(__dirname, '..');
const SHARED = path.join(root, '..', 'shared', 'data', 'minif2f-test-statements.jsonl');
const SAMPLE = path.join(root, 'test', 'fixtures', 'minif2f-sample.jsonl');
const FAKE_LEAN = path.join(root, 'test', 'fixtures', 'lean-server', 'bin', 'lean');
// Its own bundle (same options as scripts/build.mjs), so a concurrent `npm run build` cannot swap dist/cli.js mid-run.
const CLI = path.join(root, 'dist', 'cli-e2e-bench.js');
const PER_FILE = 8;
const MODEL_REPLY = 'The inequality follows from squares.\n```lean4\nby\n  nlinarith [sq_nonneg (a - b), sq_nonneg (a + b)]\n```';

function log(message: string): void {
  process.stderr.write(`[bench e2e] ${message}\n`);
}

function fail(reason: string): never {
  log(reason);
  process.exit(1);
}

function argNumber(name: string): number | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : undefined;
}

interface Statement {
  name: string;
  lean: string;
}

function readStatements(): { file: string; statements: Statement[] } {
  const file = fs.existsSync(SHARED) ? SHARED : SAMPLE;
  const statements = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Statement);
  return { file, statements };
}

/** Files of PER_FILE theorems each, sharing the statements' header (imports, options, opens). */
function writeProject(dir: string, statements: Statement[]): { files: number; names: string[] } {
  const names: string[] = [];
  let files = 0;
  for (let i = 0; i < statements.length; i += PER_FILE) {
    const group = statements.slice(i, i + PER_FILE);
    let header = '';
    const decls: string[] = [];
    for (const s of group) {
      const d = findDeclarations(s.lean).find((x) => x.kind === 'theorem' || x.kind === 'lemma');
      if (!d) continue;
      if (header === '') header = s.lean.slice(0, d.start).trimEnd();
      decls.push(s.lean.slice(d.start, d.end));
      names.push(d.name ?? s.name);
    }
    if (decls.length === 0) continue;
    fs.writeFileSync(path.join(dir, `Problems${String(files).padStart(3, '0')}.lean`), `${header}\n\n${decls.join('\n\n')}\n`);
    files++;
  }
  return { files, names };
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * What the scripted Lean accepts: a quarter of the theorems fall to the pre-pass's `norm_num`, a
 * quarter to the model's `nlinarith` answer, the rest to nothing (their budget runs out).
 */
function leanScript(names: string[]): object {
  const rules: object[] = [];
  names.forEach((name, i) => {
    const theorem = `theorem ${escapeRegex(name)}\\b`;
    if (i % 4 === 0) rules.push({ regex: `${theorem}[\\s\\S]*:= by norm_num\\s*$`, axioms: ['propext'] });
    if (i % 4 === 1) rules.push({ regex: `${theorem}[\\s\\S]*nlinarith \\[sq_nonneg`, axioms: ['propext', 'Classical.choice', 'Quot.sound'] });
  });
  return { default: 'unsolved', rules };
}

const REPLIES = path.join(root, 'test', 'fixtures', 'replies');

/** A short name for a refusal, so that counts group: the kind of reason, not its details. */
function reasonKind(reason: string): string {
  const kinds: [RegExp, string][] = [
    [/cut off/, 'cut off at max_tokens'],
    [/never left the reasoning|ended inside <think>/, 'no answer after the reasoning'],
    [/changed the statement/, 'statement changed'],
    [/ but not /, 'another theorem name'],
    [/no ```lean4 code block|is not a proof|reply is empty/, 'no proof in the reply'],
    [/helper/, 'helper refused'],
    [/`sorry`|`admit`|sorryAx/, 'sorry'],
    [/set_option|`open`/, 'option or open refused'],
  ];
  return kinds.find(([re]) => re.test(reason))?.[1] ?? reason.replace(/`[^`]*`/g, '…').slice(0, 60);
}

/** The reply corpus through extraction and the screen, as the repair loop runs them: how many reach Lean, and why the rest do not. */
function replyShapes(): { total: number; to_lean: number; refused: number; refused_by: Record<string, number>; unexpected: string[] } {
  const manifest = JSON.parse(fs.readFileSync(path.join(REPLIES, 'manifest.json'), 'utf8')) as {
    target: string;
    replies: { file: string; ok: boolean; screen?: string; reasoning?: string; finishReason?: string }[];
  };
  const text = fs.readFileSync(path.join(REPLIES, manifest.target), 'utf8');
  const sorry = findSorries(text)[0]!;
  const target = { file: manifest.target, projectRoot: REPLIES, text, version: 1, sorry, declaration: sorry.declaration! };
  const options = { allowNativeDecide: false };
  const refusedBy: Record<string, number> = {};
  const unexpected: string[] = [];
  let toLean = 0;
  for (const c of manifest.replies) {
    const reply = fs.readFileSync(path.join(REPLIES, c.file), 'utf8');
    const completion = { text: reply, finishReason: c.finishReason ?? 'stop', ...(c.reasoning ? { reasoning: c.reasoning } : {}) };
    const extracted = candidateFromCompletion(completion, target, { kind: 'model', round: 1, sample: 0 });
    let reason: string | undefined = extracted.ok ? undefined : extracted.problem;
    if (extracted.ok) {
      let screened = screenCandidate(extracted.candidate, target, options);
      if (screened.ok) screened = screenHelpers(extracted.candidate, target, options);
      if (!screened.ok) reason = screened.reason;
    }
    if (reason === undefined) toLean++;
    else refusedBy[reasonKind(reason)] = (refusedBy[reasonKind(reason)] ?? 0) + 1;
    if ((reason === undefined) !== (c.ok && !c.screen)) unexpected.push(c.file);
  }
  const total = manifest.replies.length;
  return { total, to_lean: toLean, refused: total - toLean, refused_by: refusedBy, unexpected };
}

interface Run {
  wallMs: number;
  code: number | null;
  report: ProveReport;
}

function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      try {
        resolve({ wallMs, code, report: JSON.parse(stdout) as ProveReport });
      } catch {
        reject(new Error(`the CLI (${args.join(' ')}) exited ${code} without a JSON report:\n${stdout.slice(0, 500)}\n${stderr.slice(-2000)}`));
      }
    });
  });
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main(): Promise<void> {
  if (!fs.existsSync(FAKE_LEAN)) fail('the scripted Lean server (test/fixtures/lean-server) is missing');
  try {
    await esbuild.build({ entryPoints: [path.join(root, 'src', 'cli', 'main.ts')], outfile: CLI, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'], logLevel: 'silent' });
  } catch (err) {
    fail(`the CLI does not bundle, so there is nothing to measure: ${err instanceof Error ? err.message : String(err)}`);
  }

  const { file: source, statements: all } = readStatements();
  const limit = argNumber('--limit');
  const statements = limit ? all.slice(0, limit) : all;
  log(`${statements.length} statements from ${path.relative(root, source)}`);

  const model = await startModel();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bench-e2e-'));
  const env: NodeJS.ProcessEnv = { PATH: [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter), HOME: work };
  const config = { verifierSlots: 2, rounds: 2, samplesPerRound: 4, retrievalK: 2, prepassReplays: 2 };
  const common = ['--lean', FAKE_LEAN, '--config', 'oprover.json', '--json', '--quiet'];
  common.push('--endpoint', model.url, '--model', 'oprover-test');

  const setup = (label: string): { dir: string; files: number; names: string[] } => {
    const dir = path.join(work, label);
    fs.mkdirSync(dir);
    const p = writeProject(dir, statements);
    fs.writeFileSync(path.join(dir, 'lean-fixture.json'), JSON.stringify(leanScript(p.names)));
    fs.writeFileSync(path.join(dir, 'oprover.json'), JSON.stringify(config));
    return { dir, ...p };
  };

  const replies = replyShapes();
  log(`reply shapes: ${replies.to_lean} of ${replies.total} reach Lean, ${replies.refused} refused (${Object.entries(replies.refused_by).map(([k, n]) => `${k} ${n}`).join(', ')}); ${replies.unexpected.length} unexpected`);

  try {
    // Start-up: a file with no sorry.
    const empty = path.join(work, 'empty');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'Done.lean'), 'theorem done : True := trivial\n');
    fs.writeFileSync(path.join(empty, 'oprover.json'), JSON.stringify(config));
    const startupRuns: number[] = [];
    for (let i = 0; i < 3; i++) startupRuns.push((await runCli(['prove', '.', ...common], empty, env)).wallMs);
    const startupMs = [...startupRuns].sort((a, b) => a - b)[1]!;
    log(`start-up ${round(startupMs)} ms`);

    const c1 = setup('c1');
    log(`${c1.names.length} sorries in ${c1.files} files; concurrency 1`);
    const one = await runCli(['prove', '.', ...common, '-j', '1'], c1.dir, env);
    const sorries = one.report.totals.targets;
    const loopMs = one.report.items.reduce((a, i) => a + i.timeMs, 0);
    log(`concurrency 1: ${round(one.wallMs / 1000, 2)} s, exit ${one.code}, ${one.report.totals.proved} proved`);

    const resumed = await runCli(['prove', '.', ...common, '-j', '1'], c1.dir, env);
    log(`resume: ${round(resumed.wallMs)} ms, ${resumed.report.totals.resumed} from the state file`);

    const c2 = setup('c2');
    const two = await runCli(['prove', '.', ...common, '-j', '2'], c2.dir, env);
    log(`concurrency 2: ${round(two.wallMs / 1000, 2)} s, ${two.report.totals.proved} proved`);

    const t = one.report.totals;
    const origins = { prepass: 0, replay: 0, model: 0 };
    for (const i of one.report.items) {
      if (i.status !== 'proved') continue;
      if (i.origin?.startsWith('pre-pass: tactic')) origins.prepass++;
      else if (i.origin?.startsWith('pre-pass: replay')) origins.replay++;
      else origins.model++;
    }
    const perSorry = one.wallMs / sorries;
    const loopPerSorry = loopMs / sorries;
    const headline = {
      sorries,
      files: c1.files,
      proved: t.proved,
      proved_by: origins,
      per_sorry_ms: round(perSorry),
      loop_ms_per_sorry: round(loopPerSorry),
      overhead_per_sorry_ms: round((one.wallMs - loopMs) / sorries),
      overhead_ratio: round(perSorry / loopPerSorry, 2),
      c2_speedup: round(one.wallMs / two.wallMs, 2),
      resume_ms_per_sorry: round(resumed.wallMs / sorries, 2),
      startup_ms: round(startupMs),
      replies_to_lean: replies.to_lean,
      replies_refused: replies.refused,
      replies_unexpected: replies.unexpected.length,
    };
    const out = {
      headline,
      machine: machineInfo(),
      setup: {
        statements: path.relative(root, source),
        checker: 'scripted Lean language server (test/fixtures/lean-server) through --lean',
        model: model.description,
        config,
        exit_codes: { c1: one.code, resume: resumed.code, c2: two.code },
      },
      replies,
      runs: {
        c1: { wall_ms: round(one.wallMs), totals: one.report.totals },
        resume: { wall_ms: round(resumed.wallMs), totals: resumed.report.totals },
        c2: { wall_ms: round(two.wallMs), totals: two.report.totals },
        startup_ms: startupRuns.map((x) => round(x)),
      },
    };
    fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
    fs.writeFileSync(path.join(root, 'bench', 'results', 'e2e.json'), JSON.stringify(out, null, 2) + '\n');
    console.log(JSON.stringify(headline, null, 2));
  } finally {
    model.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

interface ModelServer {
  url: string;
  description: string;
  stop(): void;
}

/** The OpenAI-compatible test model server (in this process), answering every prompt with an `nlinarith` proof. */
async function startModel(): Promise<ModelServer> {
  const server = await startModelServer({ rules: [{ replies: [MODEL_REPLY] }] });
  return { url: server.url, description: 'test/fixtures/model-server, no added latency, one scripted reply', stop: () => void server.close() };
}

main().catch((err) => fail(err instanceof Error ? (err.stack ?? err.message) : String(err)));
