// The life of Lean workers under the verifier, against the scripted Lean server with a worker
// process per document (started detached, as Lean's watchdog does with `setsid`): a check that
// times out kills its worker and only that slot is reopened; nothing outlives the verifier; a winner
// is re-checked in a fresh document; rebuilt imports reopen the slot and Lean is told; slots are
// sized from free memory. Process checks read /proc and are skipped where there is none.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { makeCandidate } from '../../src/core/extract';
import { changedOutputs, importedModules, importsFingerprint, sourceUriOf } from '../../src/lean/import-outputs';
import { descendants, isAlive, killTree, processTable, waitGone } from '../../src/lean/process-tree';
import { LeanVerifier, slotCount, WORKER_BYTES } from '../../src/lean/verifier';
import type { Script } from '../fixtures/lean-server/main';
import { FAKE_LAKE, FAKE_LEAN, makeProject, targetAt, type Project } from './lean-project';

const FILE = `import Init

/-- The target. -/
theorem comm (a b : Nat) : a + b = b + a := by
  sorry
`;

const RULES: Script['rules'] = [
  { contains: 'SPIN', behaviour: 'spin' },
  { contains: 'INCREMENTAL_BUG', axioms: [], freshErrors: [{ message: 'application type mismatch (found only from scratch)', at: 'Nat.add_comm' }] },
  { contains: 'exact Nat.add_comm', axioms: [] },
  { contains: 'exact rfl', errors: [{ message: 'type mismatch', at: 'rfl' }] },
];

const hasProc = process.platform === 'linux' && fs.existsSync('/proc/self/stat');

function config(overrides: Partial<OProverConfig> = {}): OProverConfig {
  return { ...DEFAULT_CONFIG, leanPath: FAKE_LEAN, lakePath: FAKE_LAKE, verifierSlots: 1, ...overrides };
}

/** Resolves with the first traffic record that satisfies `pred`, watching the log as it grows. */
function waitForTraffic(project: Project, pred: (m: { dir: string; msg: any }) => boolean, limitMs = 20_000): Promise<{ dir: string; msg: any }> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const hit = project.messages().find(pred);
      if (hit) {
        done();
        resolve(hit);
      }
    };
    const watcher = fs.watch(project.root, check);
    const timer = setTimeout(() => {
      done();
      reject(new Error('the scripted server never logged the awaited message'));
    }, limitMs);
    const done = () => {
      watcher.close();
      clearTimeout(timer);
    };
    check();
  });
}

/**
 * The project's running worker processes, read from this machine's process table (the server may
 * run in a PID namespace of its own under the sandbox, so the pids it logs are not ours).
 */
function liveWorkers(project: Project): number[] {
  const uri = pathToFileURL(project.root).href;
  return (processTable() ?? []).filter((p) => /--worker/.test(p.command) && p.command.includes(uri) && isAlive(p.pid)).map((p) => p.pid);
}

describe('Lean worker lifecycle (scripted server with a worker process per document)', function () {
  this.timeout(30_000);
  let project: Project;
  let verifier: LeanVerifier;
  const logs: string[] = [];

  function start(script: Script = {}, overrides: Partial<OProverConfig> = {}, recoveryGraceMs = 2000): void {
    project = makeProject({ rules: RULES, workerProcesses: true, ...script });
    verifier = new LeanVerifier({ projectRoot: project.root, config: config(overrides), log: (m) => logs.push(m), recoveryGraceMs });
  }

  afterEach(async () => {
    await verifier?.dispose();
  });

  it('kills the worker of a check that timed out (a compiled loop ignores cancellation), reopens only that slot, and no core stays busy', async function () {
    if (!hasProc) this.skip();
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const runaway = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- SPIN', { kind: 'tactic', tactic: 'spin' });
    const pending = verifier.verify({ target, candidates: [runaway], timeoutMs: 700 });
    await waitForTraffic(project, (m) => m.dir === 'spin');
    const [spun] = liveWorkers(project);
    assert.ok(spun !== undefined, 'the worker runs while the check spins');
    const first = (await pending).get(runaway.id)!;
    assert.equal(first.kind, 'timeout');
    assert.match(first.reason, /stopped: worker-killed/);
    assert.equal(isAlive(spun!), false, 'the spinning worker is gone');
    assert.equal(verifier.stats().workersKilled, 1);

    // A wrong proof: its check ends without a winner's re-check, which would open another worker.
    const wrong = makeCandidate(target, ':= by\n  exact rfl', { kind: 'tactic', tactic: 'w' });
    const second = (await verifier.verify({ target, candidates: [wrong], timeoutMs: 10_000 })).get(wrong.id)!;
    assert.equal(second.kind, 'lean-error', second.reason);
    assert.equal(verifier.stats().serverStarts, 1, 'the server was not restarted');
    const alive = liveWorkers(project);
    assert.equal(alive.length, 1, 'one fresh worker serves the slot');
    assert.notEqual(alive[0], spun);
  });

  it('gives the reopen after a kill the time an open took here, not just the grace time', async function () {
    if (!hasProc) this.skip();
    // Opening costs about 1.5 s (a slow declaration before the target, like Mathlib's imports);
    // the grace time is 300 ms. The reopen gets three times the measured open.
    start({ rules: [{ contains: 'SLOW_PREFIX', delayMs: 1500, axioms: [] }, ...RULES!] }, {}, 300);
    const text = FILE.replace('/-- The target. -/', 'theorem slow_prefix : True := trivial -- SLOW_PREFIX\n\n/-- The target. -/');
    const target = targetAt(text, 'comm', project.root);
    const runaway = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- SPIN', { kind: 'tactic', tactic: 'spin' });
    const v = (await verifier.verify({ target, candidates: [runaway], timeoutMs: 500 })).get(runaway.id)!;
    assert.equal(v.kind, 'timeout');
    assert.match(v.reason, /stopped: worker-killed/);
    assert.equal(verifier.stats().serverStarts, 1, logs.join('\n'));
    assert.ok(verifier.stats().longestOpenMs >= 1500, 'the open time was measured');
  });

  it('leaves no worker behind when disposed, even one spinning in its own session', async function () {
    if (!hasProc) this.skip();
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const runaway = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- SPIN', { kind: 'tactic', tactic: 'spin' });
    const pending = verifier.verify({ target, candidates: [runaway], timeoutMs: 600_000 }).catch(() => undefined);
    await waitForTraffic(project, (m) => m.dir === 'spin');
    const [spun] = liveWorkers(project);
    assert.ok(spun !== undefined && isAlive(spun));
    await verifier.dispose();
    await pending;
    assert.equal(isAlive(spun!), false, `the spinning worker died with the verifier: ${logs.join("\n")}`);
    assert.deepEqual(liveWorkers(project), []);
  });

  it('re-checks a winner in a fresh document and refuses it when the fresh check disagrees', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const hidden = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- INCREMENTAL_BUG', { kind: 'tactic', tactic: 'h' });
    const v = (await verifier.verify({ target, candidates: [hidden], timeoutMs: 10_000 })).get(hidden.id)!;
    assert.equal(v.kind, 'lean-error');
    assert.match(v.reason, /fresh re-check did not agree/);
    assert.match(v.feedback, /found only from scratch/);
    assert.deepEqual(
      { rechecks: verifier.stats().rechecks, recheckDisagreements: verifier.stats().recheckDisagreements },
      { rechecks: 1, recheckDisagreements: 1 },
    );

    const good = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'g' });
    const ok = (await verifier.verify({ target, candidates: [good], timeoutMs: 10_000 })).get(good.id)!;
    assert.equal(ok.kind, 'proved', ok.reason);
    assert.match(ok.reason, /confirmed in a fresh document/);
    const lastOpen = project.messages().filter((m) => m.msg?.method === 'textDocument/didOpen').at(-1)!.msg.params.textDocument.text as string;
    assert.match(lastOpen, /exact Nat\.add_comm a b\n\nset_option pp\.fullNames true in #print axioms _root_\.comm\n$/, 'the fresh document holds the whole checked text');
  });

  it('reopens a slot whose imports were rebuilt, telling Lean which source changed; a changed lean-toolchain restarts the server', async () => {
    start({ registerWatcher: true });
    const text = FILE.replace('import Init', 'import Init\nimport Foo.Bar');
    fs.mkdirSync(path.join(project.root, 'Foo'), { recursive: true });
    fs.writeFileSync(path.join(project.root, 'Foo', 'Bar.lean'), 'def x := 1\n');
    const olean = path.join(project.root, '.lake', 'build', 'lib', 'lean', 'Foo', 'Bar.olean');
    fs.mkdirSync(path.dirname(olean), { recursive: true });
    fs.writeFileSync(olean, 'first build');
    fs.writeFileSync(path.join(project.root, 'lean-toolchain'), 'leanprover/lean4:v4.15.0\n');
    const target = targetAt(text, 'comm', project.root);
    const bad = makeCandidate(target, ':= by\n  exact rfl', { kind: 'tactic', tactic: 'r' });
    const opens = () => project.messages().filter((m) => m.msg?.method === 'textDocument/didOpen').length;

    assert.equal((await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 })).get(bad.id)!.kind, 'lean-error');
    assert.equal(opens(), 1);
    assert.equal((await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 })).get(bad.id)!.kind, 'lean-error');
    assert.equal(opens(), 1, 'nothing rebuilt: the slot stays open');

    fs.writeFileSync(olean, 'second build, longer');
    assert.equal((await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 })).get(bad.id)!.kind, 'lean-error');
    assert.equal(opens(), 2, 'the slot was reopened on the rebuilt import');
    assert.equal(verifier.stats().staleReopens, 1);
    const watched = project.messages().find((m) => m.msg?.method === 'workspace/didChangeWatchedFiles')!.msg.params;
    assert.deepEqual(watched.changes, [{ uri: pathToFileURL(path.join(project.root, 'Foo', 'Bar.lean')).href, type: 2 }]);
    assert.equal(verifier.stats().serverStarts, 1);

    fs.writeFileSync(path.join(project.root, 'lean-toolchain'), 'leanprover/lean4:v4.16.0\n');
    assert.equal((await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 })).get(bad.id)!.kind, 'lean-error');
    assert.equal(verifier.stats().serverStarts, 2, 'a new toolchain needs a new server');
  });

  it('does not send file changes to a server that registered no watcher for them', async () => {
    start({ registerWatcher: false });
    const text = FILE.replace('import Init', 'import Init\nimport Foo');
    fs.writeFileSync(path.join(project.root, 'Foo.lean'), 'def x := 1\n');
    const olean = path.join(project.root, '.lake', 'build', 'lib', 'lean', 'Foo.olean');
    fs.mkdirSync(path.dirname(olean), { recursive: true });
    fs.writeFileSync(olean, 'first build');
    const target = targetAt(text, 'comm', project.root);
    const bad = makeCandidate(target, ':= by\n  exact rfl', { kind: 'tactic', tactic: 'r' });
    await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 });
    fs.writeFileSync(olean, 'second build, longer');
    await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 });
    assert.equal(verifier.stats().staleReopens, 1);
    assert.ok(!project.messages().some((m) => m.msg?.method === 'workspace/didChangeWatchedFiles'), 'nothing is sent that the server did not ask for');
  });
});

describe('process trees, build outputs and slot sizing', () => {
  it('kills a whole tree, including a grandchild in a session of its own', async function () {
    if (process.platform === 'win32') this.skip();
    // The parent starts a detached (setsid) grandchild that spins and shares the parent's stdout:
    // the pipe closes only when both are gone.
    const source = `const { spawn } = require('node:child_process');
      const g = spawn(process.execPath, ['-e', 'for(;;){}'], { detached: true, stdio: ['ignore', 'inherit', 'ignore'] });
      process.stdout.write(g.pid + '\\n'); setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', source], { stdio: ['ignore', 'pipe', 'ignore'] });
    const [chunk] = (await once(parent.stdout!, 'data')) as [Buffer];
    const grandchild = Number(chunk.toString().trim());
    const table = processTable()!;
    assert.ok(descendants(parent.pid!, table).some((p) => p.pid === grandchild), 'the grandchild is found below the parent');
    const closed = once(parent, 'close');
    const killed = killTree(parent.pid!);
    assert.ok(killed.includes(grandchild));
    await closed; // every write end of the pipe is closed: parent and grandchild are exiting
    assert.equal(await waitGone([parent.pid!, grandchild], 5000), true, 'both have exited');
  });

  it('finds the imported modules of a header and the build outputs that changed', () => {
    assert.deepEqual(importedModules('module\n\npublic import Mathlib.Tactic\nimport all «Foo».Bar\nmeta import Lean -- c\n'), ['Mathlib.Tactic', 'Foo.Bar', 'Lean']);
    const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'oprover-outputs-'));
    const pkgOlean = path.join(root, '.lake', 'packages', 'mathlib', '.lake', 'build', 'lib', 'lean', 'Mathlib.olean');
    fs.mkdirSync(path.dirname(pkgOlean), { recursive: true });
    fs.writeFileSync(pkgOlean, 'v1');
    fs.writeFileSync(path.join(root, '.lake', 'packages', 'mathlib', 'Mathlib.lean'), 'import Mathlib.Tactic\n');
    const before = importsFingerprint(root, 'import Mathlib');
    assert.deepEqual(changedOutputs(before, importsFingerprint(root, 'import Mathlib')), []);
    fs.writeFileSync(pkgOlean, 'v2, rebuilt');
    assert.deepEqual(changedOutputs(before, importsFingerprint(root, 'import Mathlib')), [pkgOlean]);
    assert.equal(sourceUriOf(pkgOlean), pathToFileURL(path.join(root, '.lake', 'packages', 'mathlib', 'Mathlib.lean')).href);
    assert.equal(sourceUriOf(path.join(root, '.lake', 'build', 'lib', 'lean', 'Gone.olean')), undefined);
  });

  it('sizes slots from free memory at 5 GiB per worker, leaving room for the editor’s own', () => {
    const cfg = { verifierSlots: 0 };
    assert.equal(slotCount(cfg, 3 * WORKER_BYTES, 16), 2, 'three workers fit: one is the editor’s');
    assert.equal(slotCount(cfg, 3 * WORKER_BYTES, 16, 0), 3, 'nothing reserved (the CLI)');
    assert.equal(slotCount(cfg, 100 * WORKER_BYTES, 16), 4, 'at most 4');
    assert.equal(slotCount(cfg, 100 * WORKER_BYTES, 2), 2, 'at most the cores');
    assert.equal(slotCount(cfg, WORKER_BYTES / 2, 16), 1, 'always one');
    assert.equal(slotCount({ verifierSlots: 3 }, 0, 1), 3, 'the setting wins');
  });
});
