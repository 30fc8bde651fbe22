// The resume file shared by the CLI and the editor, and what a batch resumed after a reload does with
// each target.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jobsForFile } from '../../src/cli/discover';
import { batchProgress, batchTargets, keyTargets, resumeDecisions } from '../../src/ui/batch-targets';
import { currentOwner, runningElsewhere, StateStore, stateFilePath, type BatchMarker, type FinishedEntry } from '../../src/state/resume';

const FILE = `theorem two_mul_eq (n : Nat) : 2 * n = n + n := by
  sorry

theorem succ_pos_example (n : Nat) : 0 < n + 1 := by
  sorry

theorem lt_self_succ_wrong (n : Nat) : n + 1 < n := by
  sorry
`;

const scratchDirs: string[] = [];
function scratch(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-resume-'));
  scratchDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const keyed = (text: string) => keyTargets('Demo/Batch.lean', text, batchTargets(text).targets);

function entry(status: 'proved' | 'failed', finishedAt: string, proof?: string): FinishedEntry {
  const e: FinishedEntry = { status, reason: status === 'proved' ? 'Lean accepted it' : 'no proof within 4 rounds', rounds: 1, elapsedMs: 10, promptTokens: 0, completionTokens: 0, finishedAt };
  if (proof !== undefined) e.proof = proof;
  return e;
}

describe('resume file (shared by the CLI and the editor)', () => {
  it('keeps batch markers next to the entries and clears them', () => {
    const root = scratch();
    const store = StateStore.open(stateFilePath(root));
    const marker: BatchMarker = { file: 'Demo/Batch.lean', startedAt: '2026-01-01T00:00:00.000Z', targets: [{ key: 'k1', declarationName: 'a', line: 2 }] };
    store.markBatch(marker);
    store.record('k1', entry('proved', '2026-01-01T00:00:01.000Z', ':= by omega'));
    const reopened = StateStore.open(stateFilePath(root));
    assert.deepEqual(reopened.batch('Demo/Batch.lean'), marker);
    assert.equal(reopened.get('k1')?.proof, ':= by omega');
    reopened.clearBatch('Demo/Batch.lean');
    const cleared = StateStore.open(stateFilePath(root));
    assert.equal(cleared.batch('Demo/Batch.lean'), undefined);
    assert.deepEqual(cleared.listBatches(), []);
    assert.equal(cleared.get('k1')?.status, 'proved', 'clearing the marker keeps the finished work');
    assert.deepEqual(fs.readdirSync(path.join(root, '.oprover')), ['.gitignore', 'state.json'], 'no temporary or lock file left behind (the folder it created is ignored by git)');
  });

  it('merges with what another writer put in the file since it was opened', () => {
    const root = scratch();
    const cli = StateStore.open(stateFilePath(root));
    const editor = StateStore.open(stateFilePath(root));
    cli.record('from-cli', entry('failed', '2026-01-01T00:00:01.000Z'));
    editor.markBatch({ file: 'A.lean', startedAt: '2026-01-01T00:00:00.000Z', targets: [] });
    editor.record('from-editor', entry('proved', '2026-01-01T00:00:02.000Z', ':= by simp'));
    cli.forget('nothing-there');
    const final = StateStore.open(stateFilePath(root));
    assert.equal(final.get('from-cli')?.status, 'failed', "the editor's writes did not drop the CLI's entry");
    assert.equal(final.get('from-editor')?.proof, ':= by simp');
    assert.ok(final.batch('A.lean'));
  });

  it('keeps a folder it creates out of git, and leaves a folder that existed alone', () => {
    const root = scratch();
    StateStore.open(stateFilePath(root)).markBatch({ file: 'A.lean', startedAt: '2026-01-01T00:00:00.000Z', targets: [] });
    assert.equal(fs.readFileSync(path.join(root, '.oprover', '.gitignore'), 'utf8').split('\n').filter((l) => !l.startsWith('#') && l).join(), '*');
    const own = path.join(scratch(), 'mine');
    fs.mkdirSync(own);
    StateStore.open(path.join(own, 'state.json')).markBatch({ file: 'A.lean', startedAt: '2026-01-01T00:00:00.000Z', targets: [] });
    assert.equal(fs.existsSync(path.join(own, '.gitignore')), false, 'a folder the user made gets no .gitignore');
  });

  it('reads a state file written before markers existed', () => {
    const root = scratch();
    fs.mkdirSync(path.join(root, '.oprover'));
    fs.writeFileSync(stateFilePath(root), JSON.stringify({ version: 1, entries: { k: entry('proved', '2026-01-01T00:00:00.000Z', ':= rfl') } }));
    const store = StateStore.open(stateFilePath(root));
    assert.equal(store.warning, undefined);
    assert.equal(store.get('k')?.proof, ':= rfl');
    assert.deepEqual(store.listBatches(), []);
  });

  it('gives the editor batch and the CLI the same key for the same declaration', () => {
    const cliKeys = jobsForFile('/p', '/p/Demo/Batch.lean', FILE).jobs.map((j) => j.key);
    const editorKeys = keyed(FILE).map((t) => t.key);
    assert.equal(editorKeys.length, 3);
    assert.deepEqual(editorKeys, cliKeys);
  });
});

describe('which window a batch marker belongs to', () => {
  const marker = (owner?: BatchMarker['owner']): BatchMarker => ({ file: 'A.lean', startedAt: '2026-01-01T00:00:00.000Z', targets: [], owner });

  // Without starting processes: the parent of this test process is alive; a pid above Linux's
  // largest (2^22) names no process.
  const noSuchPid = 4_194_305;

  it('counts a batch as running elsewhere only while its owner process lives on this machine', () => {
    const host = currentOwner().host;
    assert.equal(runningElsewhere(marker({ pid: process.ppid, host })), true, 'another live window: not offered here');
    assert.equal(runningElsewhere(marker(currentOwner())), false, 'this window\'s own batch');
    assert.equal(runningElsewhere(marker({ pid: process.ppid, host: `${host}-elsewhere` })), false, 'an owner on another machine cannot be asked');
    assert.equal(runningElsewhere(marker()), false, 'a marker written before owners were recorded');
  });

  it('counts a batch whose owner exited (a reloaded window) as interrupted, and keeps the owner in the file', () => {
    const dead = { pid: noSuchPid, host: currentOwner().host };
    assert.equal(runningElsewhere(marker(dead)), false);
    const file = stateFilePath(scratch());
    StateStore.open(file).markBatch(marker(dead));
    assert.deepEqual(StateStore.open(file).batch('A.lean')?.owner, dead);
  });
});

describe('resuming a batch after a reload', () => {
  const started = '2026-11-22T10:00:00.000Z';
  const during = '2026-11-22T10:00:05.000Z';
  const before = '2026-11-22T09:00:00.000Z';
  const targets = keyed(FILE);
  const keyOf = (name: string) => targets.find((t) => t.declarationName === name)!.key;

  it('reuses proofs finished in the batch, reports budget-spent failures, and proves the rest', () => {
    const recorded = new Map<string, FinishedEntry>([
      [keyOf('two_mul_eq'), entry('proved', during, ':= by omega')],
      [keyOf('lt_self_succ_wrong'), entry('failed', during)],
    ]);
    const decisions = resumeDecisions(targets, (k) => recorded.get(k), started, { allowNativeDecide: false });
    assert.deepEqual(
      decisions.map((d) => d.kind),
      ['reuse', 'prove', 'failed'],
    );
    assert.equal(decisions[0]!.kind === 'reuse' && decisions[0]!.body, ':= by omega');
  });

  it('proves again a target whose statement changed since its proof was recorded', () => {
    const recorded = new Map<string, FinishedEntry>([[keyOf('two_mul_eq'), entry('proved', during, ':= by omega')]]);
    const edited = FILE.replace('2 * n = n + n', '2 * n = n + n + 0');
    const now = keyed(edited);
    assert.notEqual(now[0]!.key, targets[0]!.key, 'a changed statement makes a new key');
    const decisions = resumeDecisions(now, (k) => recorded.get(k), started, { allowNativeDecide: false });
    assert.equal(decisions[0]!.kind, 'prove');
    // Layout is not the statement: re-indenting keeps the key, so the proof is reused.
    const relaid = keyed(FILE.replace('theorem two_mul_eq (n : Nat) :', 'theorem two_mul_eq (n : Nat)\n    :'));
    assert.equal(resumeDecisions(relaid, (k) => recorded.get(k), started, { allowNativeDecide: false })[0]!.kind, 'reuse');
  });

  it('screens a recorded proof again and proves the target anew when the screen refuses it', () => {
    const hostile = new Map<string, FinishedEntry>([
      [keyOf('two_mul_eq'), entry('proved', during, ':= by omega\n#eval IO.println "hi"')],
      [keyOf('succ_pos_example'), entry('proved', during, ':= by native_decide')],
    ]);
    const decisions = resumeDecisions(targets, (k) => hostile.get(k), started, { allowNativeDecide: false });
    assert.equal(decisions[0]!.kind, 'prove');
    assert.match(decisions[0]!.kind === 'prove' ? (decisions[0]!.note ?? '') : '', /refused/);
    assert.equal(decisions[1]!.kind, 'prove', 'native_decide is refused unless allowed');
    const allowed = resumeDecisions(targets, (k) => hostile.get(k), started, { allowNativeDecide: true });
    assert.equal(allowed[1]!.kind, 'reuse');
  });

  it('reuses a proof only under the text above it that Lean checked it after', () => {
    const checkedUnder = { ...entry('proved', during, ':= by omega'), contextHash: targets[1]!.contextHash };
    const recorded = new Map<string, FinishedEntry>([[keyOf('succ_pos_example'), checkedUnder]]);
    assert.equal(resumeDecisions(targets, (k) => recorded.get(k), started, { allowNativeDecide: false })[1]!.kind, 'reuse');
    // A line added above it (same statement, same key) changes what the proof was checked against.
    const withHelper = keyed(FILE.replace('theorem succ_pos_example', 'def helper := 1\n\ntheorem succ_pos_example'));
    assert.equal(withHelper[1]!.key, targets[1]!.key);
    const decision = resumeDecisions(withHelper, (k) => recorded.get(k), started, { allowNativeDecide: false })[1]!;
    assert.equal(decision.kind, 'prove');
    assert.match(decision.kind === 'prove' ? (decision.note ?? '') : '', /text above it changed/);
    // An entry without the hash (written by the CLI) is judged by its statement.
    const fromCli = new Map<string, FinishedEntry>([[keyOf('succ_pos_example'), entry('proved', during, ':= by omega')]]);
    assert.equal(resumeDecisions(withHelper, (k) => fromCli.get(k), started, { allowNativeDecide: false })[1]!.kind, 'reuse');
  });

  it('ignores results older than the batch, and a proved entry without a body', () => {
    const recorded = new Map<string, FinishedEntry>([
      [keyOf('two_mul_eq'), entry('proved', before, ':= by omega')],
      [keyOf('lt_self_succ_wrong'), entry('failed', before)],
      [keyOf('succ_pos_example'), entry('proved', during)],
    ]);
    const decisions = resumeDecisions(targets, (k) => recorded.get(k), started, { allowNativeDecide: false });
    assert.deepEqual(
      decisions.map((d) => d.kind),
      ['prove', 'prove', 'prove'],
    );
  });

  it('counts the targets the interrupted batch finished for the offer', () => {
    const marker: BatchMarker = { file: 'Demo/Batch.lean', startedAt: started, targets: targets.map((t) => ({ key: t.key, declarationName: t.declarationName, line: t.line })) };
    const recorded = new Map<string, FinishedEntry>([
      [keyOf('two_mul_eq'), entry('proved', during, ':= by omega')],
      [keyOf('succ_pos_example'), entry('proved', before, ':= by omega')],
    ]);
    assert.deepEqual(batchProgress(marker, (k) => recorded.get(k)), { done: 1, total: 3 });
  });
});
