// The Lean verifier (server, slots, gate) against the scripted Lean server, a real process that
// speaks Lean's protocol and decides outcomes from a JSON script.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { makeCandidate } from '../../src/core/extract';
import { ActionableError } from '../../src/core/types';
import { LeanVerifier } from '../../src/lean/verifier';
import type { Script } from '../fixtures/lean-server/main';
import { FAKE_LAKE, FAKE_LEAN, makeProject, targetAt, type Project } from './lean-project';

const FILE = `import Init

axiom cheat_axiom : ∀ n : Nat, n = 0

macro "cheat" : tactic => \`(tactic| sorry)

theorem helper_sorried (n : Nat) : n + 0 = n := by
  sorry

/-- The target. -/
theorem comm (a b : Nat) : a + b = b + a := by
  sorry

example : 2 + 2 = 4 := by sorry
`;

function rules(onceDir: string): Script['rules'] {
  return [
    { contains: 'CRASH_ONCE', behaviour: 'crash', onceFile: path.join(onceDir, 'crash') },
    { contains: 'WORKERFAIL_ONCE', behaviour: 'worker-crash', onceFile: path.join(onceDir, 'worker') },
    { contains: 'HANG', behaviour: 'hang' },
    { contains: 'STUCK_DOC', behaviour: 'stuck-document' },
    { contains: 'STUCK_PROC', behaviour: 'stuck-process' },
    { contains: 'STALE_CLEAN', behaviour: 'stale-clean', errors: [{ message: 'type mismatch', at: 'rfl' }] },
    { contains: 'NO_PUBLISH', behaviour: 'no-publish' },
    { contains: 'exact Nat.add_comm', axioms: [] },
    { contains: 'Nat.add_comm _ _', axioms: ['propext'] },
    { contains: 'exact rfl', errors: [{ message: 'type mismatch\n  rfl\nhas type\n  a + b = a + b : Prop\nbut is expected to have type\n  a + b = b + a : Prop', at: 'rfl' }] },
    { contains: 'induction b', unsolvedGoals: 'case zero\na : Nat\n⊢ a + 0 = 0 + a' },
    { contains: 'simp_all_bad', errors: [{ message: 'simp made no progress', at: 'simp_all_bad' }], goal: 'a b : Nat\n⊢ a + b = b + a' },
    { contains: 'helper_sorried', axioms: [] },
    { contains: 'cheat_axiom', axioms: [] },
    { contains: 'by cheat', sorry: true },
    { contains: 'native_decide', axioms: [] },
    { contains: 'by decide', axioms: [] },
  ];
}

function config(overrides: Partial<OProverConfig> = {}): OProverConfig {
  return { ...DEFAULT_CONFIG, leanPath: FAKE_LEAN, lakePath: FAKE_LAKE, verifierSlots: 1, ...overrides };
}

describe('Lean verifier against the scripted Lean server', function () {
  this.timeout(30_000);
  let project: Project;
  let verifier: LeanVerifier;
  const logs: string[] = [];

  function start(overrides: Partial<OProverConfig> = {}, script: Script = {}, options: { lake?: boolean; env?: NodeJS.ProcessEnv } = {}): void {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-lean-once-'));
    project = makeProject({ rules: rules(root), ...script }, options);
    verifier = new LeanVerifier({ projectRoot: project.root, config: config(overrides), log: (m) => logs.push(m), recoveryGraceMs: 800, env: options.env });
  }

  afterEach(async () => {
    await verifier?.dispose();
  });

  it('proves a correct proof, speaking the protocol as a Lean client should', async () => {
    start({}, {}, { env: { ...process.env, OPENAI_API_KEY: 'sk-secret', OPROVER_API_KEY: 'secret' } });
    const target = targetAt(FILE, 'comm', project.root);
    const good = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    const verdicts = await verifier.verify({ target, candidates: [good], timeoutMs: 10_000 });
    const v = verdicts.get(good.id)!;
    assert.equal(v.kind, 'proved', v.reason);
    assert.deepEqual(v.axioms, []);
    assert.equal(v.feedback, '');

    const traffic = project.messages();
    const argv = traffic.find((m) => m.dir === 'argv')!.msg as string[];
    assert.deepEqual(argv, ['--server', '-Dserver.reportDelayMs=0']);
    const env = traffic.find((m) => m.dir === 'env')!.msg as string[];
    assert.ok(!env.includes('OPENAI_API_KEY') && !env.includes('OPROVER_API_KEY'), 'API keys never reach Lean');
    assert.equal(traffic.find((m) => m.dir === 'cwd')!.msg, fs.realpathSync(project.root));
    const init = traffic.find((m) => m.msg?.method === 'initialize')!.msg.params;
    assert.equal(init.initializationOptions.editDelay, 1);
    assert.equal(init.capabilities.lean.silentDiagnosticSupport, true);
    const open = traffic.find((m) => m.msg?.method === 'textDocument/didOpen')!.msg.params;
    assert.equal(open.dependencyBuildMode, 'never');
    assert.match(open.textDocument.uri, /\/\.lean-scratch\/Scratch1\.lean$/);
    // The slot is opened with the user's file up to the declaration, byte for byte.
    assert.equal(open.textDocument.text, FILE.slice(0, target.declaration.start));
    const change = traffic.find((m) => m.msg?.method === 'textDocument/didChange')!.msg.params;
    assert.equal(change.contentChanges.length, 1);
    assert.ok(change.contentChanges[0].range, 'a ranged change, not the full text');
    assert.ok(change.contentChanges[0].text.startsWith('/-- The target. -/\ntheorem comm'));
    assert.match(change.contentChanges[0].text, /set_option pp\.fullNames true in #print axioms _root_\.comm\n$/);
    const waits = traffic.filter((m) => m.msg?.method === 'textDocument/waitForDiagnostics').map((m) => m.msg.params.version);
    assert.ok(waits.includes(change.textDocument.version), 'the barrier names the version of the change');
    // The winner is checked once more in a fresh document: the slot reopened with the whole text.
    const reopen = traffic.filter((m) => m.msg?.method === 'textDocument/didOpen').at(-1)!.msg.params;
    assert.equal(reopen.textDocument.text, FILE.slice(0, target.declaration.start) + change.contentChanges[0].text);
    assert.equal(waits.at(-1), reopen.textDocument.version);
    assert.match(v.reason, /confirmed in a fresh document/);
  });

  it('sends only the differing range for the next candidate in a warm slot', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const a = makeCandidate(target, ':= by\n  exact rfl', { kind: 'tactic', tactic: 'a' });
    const b = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'b' });
    await verifier.verify({ target, candidates: [a], timeoutMs: 10_000 });
    const verdicts = await verifier.verify({ target, candidates: [b], timeoutMs: 10_000 });
    assert.equal(verdicts.get(b.id)!.kind, 'proved');
    const changes = project.messages().filter((m) => m.msg?.method === 'textDocument/didChange');
    const last = changes.at(-1)!.msg.params.contentChanges[0];
    assert.equal(last.text, 'Nat.add_comm a b');
    assert.equal(last.range.start.line, last.range.end.line);
    const opens = project.messages().filter((m) => m.msg?.method === 'textDocument/didOpen');
    // One open of the prefix; the other is the winner's fresh re-check, after the ranged change.
    assert.equal(opens.filter((m) => m.msg.params.textDocument.text === FILE.slice(0, target.declaration.start)).length, 1, 'the slot stays open');
    assert.equal(opens.length, 2);
  });

  it('checks the same candidate twice without a new version (Lean ignores empty changes)', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const good = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    for (let i = 0; i < 2; i++) {
      const v = (await verifier.verify({ target, candidates: [good], timeoutMs: 3000 })).get(good.id)!;
      assert.equal(v.kind, 'proved', `check ${i + 1}: ${v.reason}`);
    }
    assert.equal(project.messages().filter((m) => m.msg?.method === 'textDocument/didChange').length, 1);
  });

  it('reports a wrong proof as a Lean error with feedback on the candidate’s own lines', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const bad = makeCandidate(target, ':= by\n  exact rfl', { kind: 'tactic', tactic: 'rfl' });
    const v = (await verifier.verify({ target, candidates: [bad], timeoutMs: 10_000 })).get(bad.id)!;
    assert.equal(v.kind, 'lean-error');
    assert.equal(v.rule, 'lean-error');
    const err = v.messages.find((m) => m.severity === 'error')!;
    // Relative to the candidate: line 0 is its first line (the doc comment), `exact rfl` is line 2.
    assert.deepEqual(err.range.start, { line: 2, character: 8 });
    assert.match(v.feedback, /Error 1:/);
    assert.match(v.feedback, /  exact <error>rfl<\/error>/);
    assert.match(v.feedback, /Error Message: type mismatch/);
    assert.doesNotMatch(v.feedback, /helper_sorried/, 'only the candidate is shown');
  });

  it('reports unsolved goals with the goal, and asks Lean for the goal at other errors', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const partial = makeCandidate(target, ':= by\n  induction b', { kind: 'tactic', tactic: 'ind' });
    const stuck = makeCandidate(target, ':= by\n  simp_all_bad', { kind: 'tactic', tactic: 'simp' });
    const verdicts = await verifier.verify({ target, candidates: [partial, stuck], timeoutMs: 10_000 });
    const v1 = verdicts.get(partial.id)!;
    assert.equal(v1.kind, 'lean-error');
    assert.match(v1.feedback, /unsolved goals\ncase zero\na : Nat\n⊢ a \+ 0 = 0 \+ a/);
    const v2 = verdicts.get(stuck.id)!;
    assert.equal(v2.kind, 'lean-error');
    assert.equal(v2.messages.find((m) => m.severity === 'error')!.goal, 'a b : Nat\n⊢ a + b = b + a');
    assert.match(v2.feedback, /Goal at the error:\na b : Nat\n⊢ a \+ b = b \+ a/);
  });

  it('never reads diagnostics of another version: late clean ones are ignored, none at all is not a pass', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const bad = makeCandidate(target, ':= by\n  exact rfl -- STALE_CLEAN', { kind: 'tactic', tactic: 's' });
    const silent = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- NO_PUBLISH', { kind: 'tactic', tactic: 'n' });
    const verdicts = await verifier.verify({ target, candidates: [bad, silent], timeoutMs: 10_000 });
    assert.equal(verdicts.get(bad.id)!.kind, 'lean-error');
    const v = verdicts.get(silent.id)!;
    assert.equal(v.kind, 'infra-error');
    assert.equal(v.rule, 'stale-version');
    assert.ok(verifier.stats().staleDiagnosticsIgnored > 0);
  });

  it('recovers from a server crash: restarts, reopens the slot and retries once', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- CRASH_ONCE', { kind: 'tactic', tactic: 'c' });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'proved', v.reason);
    assert.equal(verifier.stats().serverStarts, 2);
    assert.ok(logs.some((l) => /retrying once/.test(l)));
  });

  it('recovers from a worker crash (-32902) by reopening the document', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b -- WORKERFAIL_ONCE', { kind: 'tactic', tactic: 'w' });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'proved', v.reason);
    assert.equal(verifier.stats().serverStarts, 1, logs.join('\n'));
    assert.ok(project.messages().some((m) => m.msg?.method === 'textDocument/didClose'));
  });

  for (const [marker, recovery, starts] of [
    ['HANG', 'next-version', 1],
    ['STUCK_DOC', 'reopened', 1],
    ['STUCK_PROC', 'restarted', 2],
  ] as const) {
    it(`stops a runaway check (${marker}) at the time limit, by ${recovery}, and the slot works again`, async () => {
      start();
      const target = targetAt(FILE, 'comm', project.root);
      const runaway = makeCandidate(target, `:= by\n  exact Nat.add_comm a b -- ${marker}`, { kind: 'tactic', tactic: 'h' });
      const good = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'g' });
      const first = (await verifier.verify({ target, candidates: [runaway], timeoutMs: 700 })).get(runaway.id)!;
      assert.equal(first.kind, 'timeout');
      assert.match(first.reason, new RegExp(recovery));
      const second = (await verifier.verify({ target, candidates: [good], timeoutMs: 10_000 })).get(good.id)!;
      assert.equal(second.kind, 'proved', second.reason);
      assert.equal(verifier.stats().serverStarts, starts + (recovery === 'restarted' ? 0 : 0));
    });
  }

  it('rejects a proof that depends on a sorried lemma, naming it', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  have h := helper_sorried a\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'rejected');
    assert.equal(v.rule, 'uses-sorry');
    assert.match(v.reason, /helper_sorried/);
    assert.ok(v.axioms?.includes('sorryAx'));
  });

  it('rejects a proof through a custom axiom, and sorry hidden in a macro', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const viaAxiom = makeCandidate(target, ':= by\n  have := cheat_axiom a\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'ax' });
    const viaMacro = makeCandidate(target, ':= by cheat', { kind: 'tactic', tactic: 'cheat' });
    const verdicts = await verifier.verify({ target, candidates: [viaAxiom, viaMacro], timeoutMs: 10_000 });
    const a = verdicts.get(viaAxiom.id)!;
    assert.equal(a.kind, 'rejected');
    assert.equal(a.rule, 'axioms');
    assert.match(a.reason, /cheat_axiom/);
    const m = verdicts.get(viaMacro.id)!;
    assert.equal(m.kind, 'rejected');
    assert.equal(m.rule, 'uses-sorry');
  });

  it('rejects native_decide unless allowed, and then accepts it with Lean.ofReduceBool and Lean.trustCompiler (Lean before v4.29)', async () => {
    start({}, { lean: '4.28.0' });
    const target = targetAt(FILE, 'example', project.root);
    const c = makeCandidate(target, ':= by native_decide', { kind: 'tactic', tactic: 'native_decide' });
    const refused = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(refused.kind, 'rejected');
    assert.equal(refused.rule, 'forbidden-construct');
    await verifier.dispose();
    start({ allowNativeDecide: true }, { lean: '4.28.0' });
    const t2 = targetAt(FILE, 'example', project.root);
    const allowed = (await verifier.verify({ target: t2, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(allowed.kind, 'proved', allowed.reason);
    assert.deepEqual(allowed.axioms, ['Lean.ofReduceBool', 'Lean.trustCompiler']);
  });

  it('accepts native_decide with permission on today’s Lean, through its per-call auxiliary axiom', async () => {
    start({ allowNativeDecide: true });
    const target = targetAt(FILE, 'example', project.root);
    const c = makeCandidate(target, ':= by native_decide', { kind: 'tactic', tactic: 'native_decide' });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'proved', v.reason);
    // The example is checked as `noncomputable def oprover_checked_example`: a def's calls are ax_1, ax_2, …
    assert.deepEqual(v.axioms, ['oprover_checked_example._native.native_decide.ax_1']);
  });

  it('checks a candidate of a module file on Lean v4.29, where #print axioms inside a module is an error', async () => {
    start({}, { lean: '4.29.0' });
    const text = 'module\n\npublic import Init\n\ntheorem comm (a b : Nat) : a + b = b + a := by\n  sorry\n';
    const target = targetAt(text, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'proved', v.reason);
  });

  it('checks an example under a scratch name without changing its statement', async () => {
    start();
    const target = targetAt(FILE, 'example', project.root);
    const c = makeCandidate(target, ':= by decide', { kind: 'tactic', tactic: 'decide' });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'proved', v.reason);
    const change = project.messages().filter((m) => m.msg?.method === 'textDocument/didChange').at(-1)!.msg.params.contentChanges[0].text as string;
    assert.match(change, /noncomputable def oprover_checked_example : 2 \+ 2 = 4 := by decide\n\nset_option pp\.fullNames true in #print axioms _root_\.oprover_checked_example/);
  });

  it('one declaration, exactly: a candidate Lean reads as two commands is refused by its document symbols', async () => {
    start({}, { rules: [{ contains: 'my_library_command', splitAt: 'my_library_command', errors: [] }] });
    const target = targetAt(FILE, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b\n  my_library_command', { kind: 'model', round: 1, sample: 0 });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'rejected', v.reason);
    assert.equal(v.rule, 'one-declaration');
    assert.ok(project.messages().some((m) => m.msg?.method === 'textDocument/documentSymbol'), 'the verifier asked Lean for its document symbols');
  });

  it('asks #print axioms by the full name from the root, and takes the answer only for that name', async () => {
    start();
    const text = FILE.replace('/-- The target. -/', 'namespace Deep\n\n/-- The target. -/').replace('example : 2 + 2', 'end Deep\n\nexample : 2 + 2');
    const target = targetAt(text, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'model', round: 1, sample: 0 });
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!;
    assert.equal(v.kind, 'proved', v.reason);
    const change = project.messages().filter((m) => m.msg?.method === 'textDocument/didChange').at(-1)!.msg.params.contentChanges[0].text as string;
    assert.match(change, /set_option pp\.fullNames true in #print axioms _root_\.Deep\.comm\n$/);
  });

  it('rejects a changed statement without asking Lean', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const c = { ...makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' }) };
    c.declarationText = c.declarationText.replace('a + b = b + a', 'a + b = a + b');
    c.id = 'edited';
    const v = (await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get('edited')!;
    assert.equal(v.kind, 'rejected');
    assert.equal(v.rule, 'statement-changed');
    assert.equal(project.messages().length, 0, 'no server was started');
  });

  it('checks candidates of a round in parallel across K slots', async () => {
    start({ verifierSlots: 2 }, { commandDelayMs: 20 });
    const target = targetAt(FILE, 'comm', project.root);
    const cands = ['exact Nat.add_comm a b', 'exact rfl', 'induction b', 'exact Nat.add_comm _ _'].map((t, i) => makeCandidate(target, `:= by\n  ${t}`, { kind: 'model', round: 1, sample: i }));
    const verdicts = await verifier.verify({ target, candidates: cands, timeoutMs: 10_000 });
    assert.deepEqual(cands.map((c) => verdicts.get(c.id)!.kind), ['proved', 'lean-error', 'lean-error', 'proved']);
    const uris = new Set(project.messages().filter((m) => m.msg?.method === 'textDocument/didOpen').map((m) => m.msg.params.textDocument.uri));
    assert.equal(uris.size, 2);
  });

  it('uses `lake serve --` in a Lake project', async () => {
    start({}, {}, { lake: true });
    const target = targetAt(FILE, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    assert.equal((await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!.kind, 'proved');
    const argv = project.messages().find((m) => m.dir === 'argv')!.msg as string[];
    assert.deepEqual(argv, ['serve', '--', '-Dserver.reportDelayMs=0']);
  });

  it('starts the server with the project’s Lake options (package and the file’s library) as -D arguments', async () => {
    start({}, {}, { lake: true });
    fs.rmSync(path.join(project.root, 'lakefile.lean'));
    fs.writeFileSync(
      path.join(project.root, 'lakefile.toml'),
      'name = "demo"\n\n[leanOptions]\nmaxSynthPendingDepth = 3\nrelaxedAutoImplicit = false\n\n[[lean_lib]]\nname = "Demo"\nleanOptions = { autoImplicit = false }\n',
    );
    const target = targetAt(FILE, 'comm', project.root); // the file is <root>/Demo.lean: module Demo of library Demo
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    assert.equal((await verifier.verify({ target, candidates: [c], timeoutMs: 10_000 })).get(c.id)!.kind, 'proved');
    const argv = project.messages().find((m) => m.dir === 'argv')!.msg as string[];
    assert.deepEqual(argv, ['serve', '--', '-Dserver.reportDelayMs=0', '-Dweak.maxSynthPendingDepth=3', '-Dweak.relaxedAutoImplicit=false', '-Dweak.autoImplicit=false']);
  });

  it('turns "Imports are out of date" into an actionable error', async () => {
    start({}, { importsOutOfDate: true });
    const target = targetAt(FILE, 'comm', project.root);
    const c = makeCandidate(target, ':= by\n  exact Nat.add_comm a b', { kind: 'tactic', tactic: 'x' });
    await assert.rejects(
      () => verifier.verify({ target, candidates: [c], timeoutMs: 10_000 }),
      (err: unknown) => err instanceof ActionableError && err.code === 'lean-imports-out-of-date' && /lake build/.test(err.message),
    );
  });

  it('reads the goal at a sorry through its own server', async () => {
    start();
    const target = targetAt(FILE, 'comm', project.root);
    const goal = await verifier.goalAt(project.root, FILE, target.sorry.range.start);
    assert.deepEqual(goal?.goals, ['a b : Nat\n⊢ a + b = b + a']);
  });

  it('says what to do when no Lean is installed', async () => {
    const v = new LeanVerifier({ projectRoot: os.tmpdir(), config: { ...DEFAULT_CONFIG }, env: { PATH: '' } });
    const a = await v.availability();
    assert.equal(a.ok, false);
    if (!a.ok) assert.match(a.reason, /no Lean toolchain found: install elan .*oprover\.leanPath/);
    const w = new LeanVerifier({ projectRoot: os.tmpdir(), config: { ...DEFAULT_CONFIG, leanPath: '/nonexistent/lean' } });
    const b = await w.availability();
    assert.equal(b.ok, false);
  });
});
