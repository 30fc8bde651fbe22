// The fault matrix: each fault injected into the real parts running together — the `oprover prove`
// process with its EndpointModel, LeanVerifier (on the scripted Lean server) and MemoryBank, against
// the test model server — and judged the same way: the run ends (no hang) with a clear message and
// no stack trace, nothing false is accepted, the source file is byte-identical except for verified
// proofs inserted into unchanged text, the memory bank reopens with every earlier record, and a
// re-run from the resume state finishes the work. The tally goes to test-results/faults.json.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { ProveReport, ReportItem } from '../../src/cli/report';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { ProofBank } from '../../src/retrieval/bank';
import { BuiltinEmbedder } from '../../src/retrieval/embedder';
import { planInsertion } from '../../src/ui/insert';
import { killDuringAppends } from '../fixtures/faults/bank-kill';
import { startMalformedStreamFront } from '../fixtures/faults/endpoint-front';
import { startModelServer, type Fault, type RunningModelServer } from '../fixtures/model-server/server';
import { cleanEnv, project, root, startCli } from './cli-helpers';

const LEAN = path.join(root, 'test/fixtures/faults/lean-killable');

const FILE = `theorem helper_done (n : Nat) : n + 0 = n := by
  simp

theorem t_omega (n : Nat) (h : n < 5) : 2 * n + 1 < 11 := by
  sorry

theorem t_hard (n : Nat) : n * 0 = 0 := by
  sorry
`;
const OMEGA_SORRY = '2 * n + 1 < 11 := by\n  sorry';
const HARD_SORRY = 'n * 0 = 0 := by\n  sorry';
const HARD_PROOF = ':= by\n  induction n with\n  | zero => rfl\n  | succ k ih => simp';
/** The only proofs "Lean" accepts; anything else reported as proved is a false acceptance. */
const TRUE_PROOFS: Record<string, string> = { t_omega: ':= by omega', t_hard: HARD_PROOF };
/** What "Lean" accepts in t_hard's sorry once the user typed a tactic after it (the sorry is then a hole): the text that replaces it. */
const HARD_HOLE_PROOF = 'induction n with\n  | zero => rfl\n  | succ k ih => simp';

/** The declaration a report item is about (a hole's item names it first: `t_hard, hole 1 of 1 (…)`). */
const declarationOf = (item: ReportItem): string => item.declaration.replace(/, hole .*$/, '');

const REPLY_FALSE = 'Simp closes it.\n```lean4\ntheorem t_hard (n : Nat) : n * 0 = 0 := by\n  simp\n```';
const REPLY_TRUE = `By induction.\n\`\`\`lean4\ntheorem t_hard (n : Nat) : n * 0 = 0 ${HARD_PROOF}\n\`\`\``;

const LEAN_RULES = [
  { regex: 'theorem helper_done', axioms: ['propext'] },
  { regex: 'theorem (t_omega|slow_\\d)[\\s\\S]*:= by omega', axioms: ['propext'] },
  { regex: 'theorem t_hard[\\s\\S]*induction n with', axioms: [] },
];

/** Each round asks for 2 samples: a false proof (Lean: unsolved goals) and the true one. */
const CONFIG = { prepassTactics: ['rfl', 'omega', 'simp'], retrievalK: 1, prepassReplays: 1, verifierSlots: 1, rounds: 2, samplesPerRound: 2, maxRetries: 1, requestTimeoutMs: 2000, candidateTimeoutMs: 4000 };

const RUN_LIMIT_MS = 45_000;
const STACK_TRACE = /\n\s+at .+(:\d+:\d+\)?|\(node:)/;

interface TallyRow {
  fault: string;
  injected: number;
  survived: number;
  dataLost: number;
  outcome: string;
}
const tally: TallyRow[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  hung: boolean;
}

function run(child: ChildProcess, limitMs = RUN_LIMIT_MS): Promise<Run> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, limitMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, hung });
    }),
  );
}

function readReport(dir: string): ProveReport {
  return JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ProveReport;
}

function stateKeys(dir: string): string[] {
  const file = path.join(dir, '.oprover/state.json');
  if (!fs.existsSync(file)) return [];
  return Object.keys((JSON.parse(fs.readFileSync(file, 'utf8')) as { entries: Record<string, unknown> }).entries);
}

let embedder: BuiltinEmbedder;

/** The names of the records in a bank folder, in order; opening repairs a torn tail, as the product does. */
async function bankNames(dir: string): Promise<{ names: string[]; lostRecords: number; message?: string }> {
  const bank = await ProofBank.open(path.join(dir, '.oprover/bank'), embedder, { durable: false });
  try {
    return { names: Array.from({ length: bank.size }, (_, i) => bank.read(i).name ?? `#${i}`), lostRecords: bank.report.lostRecords, message: bank.report.message };
  } finally {
    await bank.close();
  }
}

/** Earlier records the user already had in the bank: they must outlive every fault. */
async function seedBank(dir: string): Promise<string[]> {
  const bank = await ProofBank.open(path.join(dir, '.oprover/bank'), embedder, { durable: false });
  await bank.add(
    ['zero_add', 'add_comm', 'succ_ne_zero'].map((name) => ({ name: `seed.${name}`, statement: `theorem seed.${name} (n : Nat) : n = n`, proof: `theorem seed.${name} (n : Nat) : n = n := rfl`, source: { kind: 'accepted' as const } })),
  );
  const names = Array.from({ length: bank.size }, (_, i) => bank.read(i).name ?? `#${i}`);
  await bank.close();
  return names;
}

/** The file as it must read after a run: `base` with exactly the reported insertions, each replacing its whole body. */
function expectedText(base: string, items: readonly ReportItem[]): string {
  let text = base;
  for (const item of items) {
    // A hole's proof replaces just its `sorry`.
    if (item.inserted && item.declaration.includes(', hole ')) text = text.replace(new RegExp(`(theorem ${declarationOf(item)} [\\s\\S]*?)\\bsorry\\b`), (_, before: string) => `${before}${item.proof}`);
    else if (item.inserted) text = text.replace(new RegExp(`(theorem ${item.declaration} [^\\n]*?) :=[\\s\\S]*?(?=\\n\\n|\\n$)`), (_, header: string) => `${header} ${item.proof}`);
  }
  return text;
}

/** Whether the records log ends in a torn or corrupt record (read only: opening the bank would repair it). */
function tornTail(bankDir: string): boolean {
  const log = fs.readFileSync(path.join(bankDir, 'records.log'));
  let at = 16;
  while (at + 8 <= log.length) {
    const length = log.readUInt32LE(at);
    if (at + 8 + length > log.length) return true;
    at += 8 + length;
  }
  return at !== log.length;
}

/** Processes of the fault Lean (and its sandbox) started for this project folder (Linux /proc). */
function leanProcessesFor(dir: string): number[] {
  if (!fs.existsSync('/proc/self/cmdline')) return [];
  const found: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes('lean-killable')) continue;
      if (cmdline.includes(dir) || fs.readlinkSync(`/proc/${entry}/cwd`) === dir) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

function leanProject(files: Record<string, string>, leanRules: object[] = [], leanFault?: object, config: object = {}): string {
  const dir = project({
    ...files,
    'lean-fixture.json': JSON.stringify({ default: 'unsolved', commandDelayMs: 1, rules: [...leanRules, ...LEAN_RULES] }),
    'oprover.json': JSON.stringify({ ...CONFIG, ...config }),
    ...(leanFault ? { 'lean-fault.json': JSON.stringify(leanFault) } : {}),
  });
  return dir;
}

/** The reply for t_hard's sorry once it is a hole (the user typed a tactic after it): a proof of the hole's theorem. */
const REPLY_HOLE = `By induction.\n\`\`\`lean4\ntheorem t_hard_hole1 (n : Nat) : n * 0 = 0 ${HARD_PROOF}\n\`\`\``;

function healthyModel(faults: Fault[] = []): Promise<RunningModelServer> {
  return startModelServer({ rules: [{ match: 't_hard_hole1', replies: [REPLY_HOLE] }, { replies: [REPLY_FALSE, REPLY_TRUE] }], faults });
}

function proveArgs(endpoint: string | undefined, extra: string[] = []): string[] {
  return ['prove', '.', '--lean', LEAN, '--config', 'oprover.json', '--insert', '--report', 'report.json', ...(endpoint ? ['--endpoint', endpoint, '--model', 'oprover-test'] : []), ...extra];
}

interface Judged {
  report: ProveReport;
  losses: string[];
}

/**
 * The checks every fault run must pass. Data losses are counted, not thrown, so the tally can show
 * them; everything else is asserted.
 */
async function judgeRun(r: Run, dir: string, opts: { base: string; bankBefore: string[]; stateBefore: string[]; exits: number[]; message: RegExp; bankMessage?: RegExp }): Promise<Judged> {
  const output = r.stdout + r.stderr;
  assert.equal(r.hung, false, `the run did not end within ${RUN_LIMIT_MS} ms:\n${output}`);
  assert.ok(opts.exits.includes(r.code ?? -1), `exit ${r.code}, expected ${opts.exits.join(' or ')}:\n${output}`);
  assert.doesNotMatch(output, STACK_TRACE, `a stack trace reached the user:\n${output}`);
  assert.match(output, opts.message);
  // Nothing keeps running after the CLI: not the Lean server, not one restarted after a crash.
  const gone = Date.now() + 10_000;
  while (leanProcessesFor(dir).length > 0 && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(leanProcessesFor(dir), [], 'a Lean server outlived the run');
  const report = readReport(dir);
  for (const item of report.items) {
    const expected = item.declaration.includes(', hole ') ? HARD_HOLE_PROOF : TRUE_PROOFS[item.declaration.replace(/^slow_\d$/, 't_omega')];
    if (item.status === 'proved') assert.equal(item.proof, expected, `${item.declaration}: a proof Lean did not accept was reported proved`);
    if (item.status === 'error') assert.ok(item.reason.length > 20, `${item.declaration}: an error without a reason`);
  }
  const losses: string[] = [];
  const text = fs.readFileSync(path.join(dir, 'T.lean'), 'utf8');
  if (text !== expectedText(opts.base, report.items)) losses.push('T.lean differs from the text plus its verified insertions');
  const bank = await bankNames(dir);
  const missing = opts.bankBefore.filter((n, i) => bank.names[i] !== n);
  if (missing.length > 0) losses.push(`${missing.length} earlier bank records missing or out of order`);
  if (bank.lostRecords > 0) losses.push('the bank was left with a torn record after the run');
  if (opts.bankMessage) assert.match(output, opts.bankMessage);
  const state = stateKeys(dir);
  const droppedState = opts.stateBefore.filter((k) => !state.includes(k));
  if (droppedState.length > 0) losses.push(`${droppedState.length} resume entries dropped`);
  return { report, losses };
}

/** A re-run with everything healthy finishes the work from the resume state. */
async function rerunFinishes(dir: string, extra: string[] = []): Promise<{ losses: string[]; resumed: number; proved: number }> {
  const stateBefore = stateKeys(dir);
  const bankBefore = (await bankNames(dir)).names;
  const textBefore = fs.readFileSync(path.join(dir, 'T.lean'), 'utf8');
  // Finished targets whose sorry is still in the file (not inserted yet) and still the whole proof must come from the state file.
  const stillOpen = stateBefore.filter((k) => new RegExp(`theorem ${k.split('::')[1]} [^\\n]*:= by\\n {2}sorry(?=\\n\\n|\\n?$)`).test(textBefore));
  const model = await healthyModel();
  try {
    const r = await run(startCli(proveArgs(model.url, extra), dir, cleanEnv()));
    const { report, losses } = await judgeRun(r, dir, { base: textBefore, bankBefore, stateBefore, exits: [0], message: /proved|0 targets/ });
    assert.ok(
      report.items.every((i) => i.status === 'proved'),
      `the re-run left ${JSON.stringify(report.items.filter((i) => i.status !== 'proved'))}`,
    );
    const resumed = report.items.filter((i) => i.resumed).length;
    if (!extra.includes('--retry-failed')) assert.equal(resumed, stillOpen.length, 'every finished target is taken from the state file');
    assert.doesNotMatch(fs.readFileSync(path.join(dir, 'T.lean'), 'utf8'), /sorry/);
    return { losses, resumed, proved: report.items.filter((i) => i.status === 'proved' && !i.resumed).length };
  } finally {
    await model.close();
  }
}

/** Runs one fault, records its row, then asserts it survived with nothing lost. */
async function inject(fault: string, body: () => Promise<{ losses: string[]; outcome: string; injected?: number }>): Promise<void> {
  const row: TallyRow = { fault, injected: 1, survived: 0, dataLost: 0, outcome: '' };
  tally.push(row);
  try {
    const { losses, outcome, injected } = await body();
    row.injected = injected ?? 1;
    row.dataLost = losses.length;
    row.outcome = losses.length > 0 ? `${outcome}; LOST: ${losses.join('; ')}` : outcome;
    row.survived = row.injected;
  } catch (err) {
    row.outcome = `FAILED: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    throw err;
  }
  assert.equal(row.dataLost, 0, row.outcome);
}

/**
 * An endpoint fault: the CLI runs against `endpoint` (with the pre-pass proving t_omega and the model
 * needed for t_hard), then a healthy re-run resumes.
 */
async function endpointFault(endpoint: (healthy: RunningModelServer) => Promise<{ url: string; close?: () => Promise<void> }>, faults: Fault[], expect: { exits: number[]; message: RegExp; hard: ReportItem['status'][] }, config: object = {}): Promise<{ losses: string[]; outcome: string }> {
  const dir = leanProject({ 'T.lean': FILE }, [], undefined, config);
  const bankBefore = await seedBank(dir);
  const model = await healthyModel(faults);
  const front = await endpoint(model);
  try {
    const r = await run(startCli(proveArgs(front.url), dir, cleanEnv()));
    const { report, losses } = await judgeRun(r, dir, { base: FILE, bankBefore, stateBefore: [], exits: expect.exits, message: expect.message });
    const hard = report.items.find((i) => i.declaration === 't_hard')!;
    assert.ok(expect.hard.includes(hard.status), `t_hard ${hard.status}: ${hard.reason}`);
    assert.equal(report.items.find((i) => i.declaration === 't_omega')!.status, 'proved', 'the pre-pass result stands');
    const again = await rerunFinishes(dir);
    return { losses: [...losses, ...again.losses], outcome: `exit ${r.code}, t_hard ${hard.status}${hard.status === 'error' ? ` ("${hard.reason.slice(0, 90)}")` : ` in ${hard.rounds} round(s)`}; re-run: exit 0, ${again.proved + again.resumed === 0 ? 'nothing left to do' : `${again.proved} proved, ${again.resumed} from the state file`}` };
  } finally {
    await front.close?.();
    await model.close();
  }
}

/** A Lean fault on t_hard's true proof: the verifier must recover in the same run. */
async function leanFault(leanRules: (flag: string) => object[], leanFaultFile: (flag: string) => object | undefined, expectMessage: RegExp): Promise<{ losses: string[]; outcome: string }> {
  const dir = leanProject({ 'T.lean': FILE });
  const flag = path.join(dir, 'fault.flag');
  const script = JSON.parse(fs.readFileSync(path.join(dir, 'lean-fixture.json'), 'utf8')) as { rules: object[] };
  script.rules = [...leanRules(flag), ...script.rules];
  fs.writeFileSync(path.join(dir, 'lean-fixture.json'), JSON.stringify(script));
  const faultFile = leanFaultFile(flag);
  if (faultFile) fs.writeFileSync(path.join(dir, 'lean-fault.json'), JSON.stringify(faultFile));
  const bankBefore = await seedBank(dir);
  const model = await healthyModel();
  try {
    const r = await run(startCli(proveArgs(model.url), dir, cleanEnv()));
    const { report, losses } = await judgeRun(r, dir, { base: FILE, bankBefore, stateBefore: [], exits: [0], message: expectMessage });
    const hard = report.items.find((i) => i.declaration === 't_hard')!;
    assert.equal(hard.status, 'proved', `${hard.status}: ${hard.reason}`);
    assert.ok(fs.existsSync(path.join(dir, 'fault.flag')), 'the fault was injected');
    const bank = await bankNames(dir);
    assert.ok(bank.names.includes('t_hard'), 'the proof went into the memory bank');
    return { losses, outcome: `exit 0, t_hard proved in round ${hard.rounds} after the fault` };
  } finally {
    await model.close();
  }
}

describe('fault matrix: the CLI with its real endpoint client, Lean verifier and memory bank', function () {
  this.timeout(120_000);

  before(async () => {
    embedder = await BuiltinEmbedder.load();
  });

  after(async () => {
    await embedder?.dispose();
  });

  it('endpoint refuses connections: exit 4 naming the endpoint; a re-run finishes', async () => {
    await inject('endpoint refused connection', () =>
      endpointFault(async () => ({ url: 'http://127.0.0.1:9' }), [], { exits: [4], message: /127\.0\.0\.1:9/, hard: ['error'] }),
    );
  });

  it('endpoint slower than the timeout on every try: exit 4 saying it timed out; a re-run finishes', async () => {
    await inject('endpoint slower than the timeout', () =>
      endpointFault(async (m) => ({ url: m.url }), [{ kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }, { kind: 'hang' }], { exits: [4], message: /time|timed out/i, hard: ['error'] }, { requestTimeoutMs: 1000 }),
    );
  });

  it('endpoint answers a garbage (non-JSON) body: retried, then a clear error; a re-run finishes', async () => {
    await inject('endpoint garbage body', () =>
      endpointFault(async (m) => ({ url: m.url }), [{ kind: 'garbage' }, { kind: 'garbage' }, { kind: 'garbage' }, { kind: 'garbage' }], { exits: [4], message: /JSON|malformed|invalid|unexpected/i, hard: ['error'] }),
    );
  });

  it('endpoint sends a malformed event-stream chunk: retried, the run proves t_hard', async () => {
    let front: Awaited<ReturnType<typeof startMalformedStreamFront>> | undefined;
    await inject('malformed SSE chunk', async () => {
      const result = await endpointFault(
        async (m) => (front = await startMalformedStreamFront(m.url, 1)),
        [],
        { exits: [0], message: /proved/, hard: ['proved'] },
      );
      assert.equal(front!.malformedSent(), 1, 'the malformed stream was sent');
      return result;
    });
  });

  it('endpoint cuts the stream mid-reply: retried, the run proves t_hard', async () => {
    await inject('stream cut mid-reply', () => endpointFault(async (m) => ({ url: m.url }), [{ kind: 'cut', afterChars: 40 }], { exits: [0], message: /proved/, hard: ['proved'] }));
  });

  it('endpoint answers HTTP 500 then recovers: retried, the run proves t_hard', async () => {
    await inject('HTTP 500 then recovery', () => endpointFault(async (m) => ({ url: m.url }), [{ kind: 'status', status: 500, message: 'injected server error' }], { exits: [0], message: /proved/, hard: ['proved'] }));
  });


  it('Lean server process exits mid-check: restarted, the candidate checked again, proved', async () => {
    await inject('Lean server crash mid-check (process exits)', () =>
      leanFault((flag) => [{ regex: 'theorem t_hard[\\s\\S]*induction n with', behaviour: 'crash', onceFile: flag }], () => undefined, /proved/),
    );
  });

  it('Lean stops answering mid-check: the watchdog ends the check, the next round proves it', async () => {
    await inject('Lean hang (no reply: watchdog)', () =>
      leanFault((flag) => [{ regex: 'theorem t_hard[\\s\\S]*induction n with', behaviour: 'hang', onceFile: flag }], () => undefined, /proved/),
    );
  });

  it('Lean is SIGKILLed mid-check (as by the OOM killer): restarted, the candidate checked again, proved', async () => {
    await inject('Lean OOM-like death (SIGKILL mid-check)', () =>
      leanFault(
        () => [{ regex: 'theorem t_hard[\\s\\S]*induction n with', axioms: [], delayMs: 600 }],
        (flag) => ({ killOn: 'induction n with', onceFile: flag, afterMs: 100 }),
        /proved/,
      ),
    );
  });

  it('Lean crashes on every check of the proof: a clear error, nothing accepted; a re-run with Lean fixed finishes', async () => {
    await inject('Lean crash on every check (persistent)', async () => {
      const dir = leanProject({ 'T.lean': FILE }, [{ regex: 'theorem t_hard[\\s\\S]*induction n with', behaviour: 'crash' }]);
      const bankBefore = await seedBank(dir);
      const model = await healthyModel();
      let outcome: string;
      let losses: string[];
      try {
        const r = await run(startCli(proveArgs(model.url), dir, cleanEnv()));
        const judged = await judgeRun(r, dir, { base: FILE, bankBefore, stateBefore: [], exits: [4], message: /checker failed/ });
        losses = judged.losses;
        const hard = judged.report.items.find((i) => i.declaration === 't_hard')!;
        assert.equal(hard.status, 'error', `${hard.status}: ${hard.reason}`);
        assert.match(hard.reason, /the checker failed on \d+ candidates? \(.+\): check the Lean setup/, hard.reason);
        outcome = `exit ${r.code}, t_hard error ("${hard.reason.slice(0, 110)}")`;
      } finally {
        await model.close();
      }
      // The user fixes Lean; an errored target is not recorded, so a plain re-run tries it again.
      fs.writeFileSync(path.join(dir, 'lean-fixture.json'), JSON.stringify({ default: 'unsolved', rules: LEAN_RULES }));
      const again = await rerunFinishes(dir);
      return { losses: [...losses, ...again.losses], outcome: `${outcome}; re-run with Lean fixed: exit 0, ${again.proved} proved` };
    });
  });

  it('the file is edited on disk mid-proof: the edited declaration is left alone, the untouched one gets its proof', async () => {
    await inject('file edited on disk mid-proof', async () => {
      const dir = leanProject({ 'T.lean': FILE });
      const bankBefore = await seedBank(dir);
      const model = await startModelServer({ rules: [{ replies: [REPLY_FALSE, REPLY_TRUE] }], latencyMs: 800 });
      const file = path.join(dir, 'T.lean');
      // The user adds a line at the top (every offset moves) and types a tactic after t_hard's sorry:
      // the old declaration is still there, as the start of a longer one.
      const edited = '-- notes\n' + FILE.replace(HARD_SORRY, `${HARD_SORRY}\n  simp`);
      try {
        const child = startCli(proveArgs(model.url), dir, cleanEnv());
        const finished = run(child);
        const deadline = Date.now() + 30_000;
        while (!model.requests.some((q) => q.path.endsWith('/chat/completions')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        fs.writeFileSync(file, edited);
        const r = await finished;
        const judged = await judgeRun(r, dir, { base: edited, bankBefore, stateBefore: [], exits: [0], message: /edited after the job started/ });
        const hard = judged.report.items.find((i) => i.declaration === 't_hard')!;
        assert.equal(hard.status, 'proved');
        assert.equal(hard.inserted, false, 'no proof lands on changed text');
        assert.match(hard.insertSkipped ?? '', /edited after the job started/);
        assert.equal(judged.report.items.find((i) => i.declaration === 't_omega')!.inserted, true, 'the unchanged declaration still gets its proof');
        assert.ok(fs.readFileSync(file, 'utf8').includes(`${HARD_SORRY}\n  simp`), "the user's edit is kept");
        // The editor plans its insertion with the same rule, on the same edit.
        const sorry = findSorries(FILE).find((x) => x.declaration?.name === 't_hard')!;
        const target: ProofTarget = { file, projectRoot: dir, text: FILE, version: 1, declaration: sorry.declaration!, sorry };
        const plan = planInsertion(target, edited, hard.proof!);
        assert.equal(plan.ok, false, 'the editor would not insert into the edited declaration either');
        assert.equal(planInsertion(target, '-- notes\n' + FILE, hard.proof!).ok, true, 'a declaration that only moved still gets its proof');
        // With a tactic typed after it, t_hard's sorry is a hole of the user's longer proof: the
        // re-run proves that hole (the recorded whole proof would overwrite the user's tactic).
        const again = await rerunFinishes(dir);
        assert.equal(again.resumed, 0, 'the whole proof recorded for t_hard is not used on its longer proof');
        assert.ok(fs.readFileSync(file, 'utf8').includes(`${HARD_HOLE_PROOF}\n  simp`), "the hole is filled and the user's tactic kept");
        return { losses: [...judged.losses, ...again.losses], outcome: `exit 0; t_omega inserted, t_hard skipped ("${hard.insertSkipped}"); re-run fills t_hard's sorry, now a hole, keeping the user's tactic` };
      } finally {
        await model.close();
      }
    });
  });

  it('kill -9 of the CLI mid-batch: file untouched, state and bank intact, Lean gone; a re-run resumes', async () => {
    await inject('kill -9 of the CLI mid-batch', async () => {
      const slow = Array.from({ length: 4 }, (_, i) => `theorem slow_${i + 1} (n : Nat) (h : n < ${i + 2}) : n < ${i + 3} := by\n  sorry\n`).join('\n');
      const text = `${FILE}\n${slow}`;
      const dir = leanProject({ 'T.lean': text }, [{ regex: 'theorem slow_\\d[\\s\\S]*:= by omega', axioms: ['propext'], delayMs: 700 }], undefined, { batchConcurrency: 1 });
      const bankBefore = await seedBank(dir);
      const model = await healthyModel();
      let losses: string[] = [];
      let finishedAtKill: number;
      try {
        const child = startCli(proveArgs(model.url, ['-j', '1']), dir, cleanEnv());
        const ended = run(child);
        const deadline = Date.now() + 30_000;
        while (stateKeys(dir).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        if (fs.existsSync('/proc/self/cmdline')) assert.ok(leanProcessesFor(dir).length > 0, 'the Lean server is found while it runs');
        child.kill('SIGKILL');
        await ended;
        finishedAtKill = stateKeys(dir).length;
        assert.ok(finishedAtKill >= 2 && finishedAtKill < 6, `killed after ${finishedAtKill} of 6 targets`);
        if (fs.readFileSync(path.join(dir, 'T.lean'), 'utf8') !== text) losses.push('T.lean changed by a killed run');
        const bank = await bankNames(dir);
        if (bankBefore.some((n, i) => bank.names[i] !== n)) losses.push('earlier bank records missing');
        // The Lean server (and its sandbox) notices its client is gone and exits: nothing is left running.
        const gone = Date.now() + 10_000;
        while (leanProcessesFor(dir).length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(leanProcessesFor(dir), [], 'the Lean server outlived the killed CLI');
      } finally {
        await model.close();
      }
      const again = await rerunFinishes(dir);
      assert.equal(again.resumed, finishedAtKill);
      losses = [...losses, ...again.losses];
      return { losses, outcome: `killed with ${finishedAtKill} of 6 targets finished; Lean exited; re-run: exit 0, ${again.resumed} resumed, the rest proved` };
    });
  });

  it('kill -9 during memory-bank appends: acknowledged records survive, a torn tail is cut and reported, the CLI proves on top', async () => {
    await inject('kill -9 during bank appends', async () => {
      const dir = leanProject({ 'T.lean': FILE });
      const bankDir = path.join(dir, '.oprover/bank');
      let acknowledged: string[] = [];
      let kills = 0;
      // Kill the appending child inside a write until the log ends in a torn record (at most 6 kills).
      while (kills < 6) {
        acknowledged = [...acknowledged, ...(await killDuringAppends(bankDir, acknowledged.length, 2, 10))];
        kills++;
        if (tornTail(bankDir)) break;
      }
      const torn = tornTail(bankDir);
      const losses: string[] = [];
      const model = await healthyModel();
      try {
        // The CLI opens the bank itself: it must cut the torn record, say so, and keep every acknowledged one.
        const r = await run(startCli(proveArgs(model.url), dir, cleanEnv()));
        const judged = await judgeRun(r, dir, { base: FILE, bankBefore: [], stateBefore: [], exits: [0], message: torn ? /proof bank: lost 1 partial record \(\d+ bytes at the end of records\.log\); the other \d+ records are intact/ : /proved/ });
        losses.push(...judged.losses);
        const names = (await bankNames(dir)).names;
        const missing = acknowledged.filter((n) => !names.includes(n));
        if (missing.length > 0) losses.push(`${missing.length} acknowledged records lost`);
        assert.deepEqual(names.slice(0, acknowledged.length), acknowledged, 'acknowledged records first, in order');
        assert.ok(names.includes('t_hard'), 'the new proof is stored after the repaired records');
        return { losses, injected: kills, outcome: `${kills} kill(s) as a record write began; torn tail at the end: ${torn ? 'yes, cut and reported by the CLI' : 'no (every kill landed between writes)'}; ${acknowledged.length} acknowledged records kept` };
      } finally {
        await model.close();
      }
    });
  });

  it('tally: every injected fault survived, no data lost', () => {
    const totals = tally.reduce((t, r) => ({ injected: t.injected + r.injected, survived: t.survived + r.survived, dataLost: t.dataLost + r.dataLost }), { injected: 0, survived: 0, dataLost: 0 });
    const width = Math.max(...tally.map((r) => r.fault.length), 5);
    const lines = [`${'fault'.padEnd(width)}  injected  survived  dataLost  outcome`, ...tally.map((r) => `${r.fault.padEnd(width)}  ${String(r.injected).padStart(8)}  ${String(r.survived).padStart(8)}  ${String(r.dataLost).padStart(8)}  ${r.outcome}`), `${'total'.padEnd(width)}  ${String(totals.injected).padStart(8)}  ${String(totals.survived).padStart(8)}  ${String(totals.dataLost).padStart(8)}`];
    console.log(lines.map((l) => `      ${l}`).join('\n'));
    const out = path.join(root, 'test-results', 'faults.json');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify({ generatedAt: new Date().toISOString(), totals, faults: tally }, null, 2) + '\n');
    assert.ok(tally.length >= 12, `${tally.length} faults in the matrix`);
    assert.equal(totals.survived, totals.injected);
    assert.equal(totals.dataLost, 0);
  });
});
