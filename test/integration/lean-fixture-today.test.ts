// The scripted Lean server speaks today's Lean (and, where asked, an older one): each case is a
// behaviour read from Lean's sources (docs/lean.md, "Lean behaviours"), checked on the wire.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { LeanServer } from '../../src/lean/server';
import type { Script } from '../fixtures/lean-server/main';
import { MODULE_AXIOMS_ERROR } from '../fixtures/lean-server/lean-versions';

const FAKE_LEAN = path.resolve(__dirname, '../fixtures/lean-server/bin/lean');

interface Session {
  conn: MessageConnection;
  child: ChildProcess;
  uri: string;
  notes: { method: string; params: any }[];
  serverRequests: string[];
  /** Opens `text` as version 1 and waits for its diagnostics. */
  open(text: string, version?: number): Promise<any[]>;
  change(text: string, version: number): Promise<void>;
  diagnostics(version: number): any[];
  request<R = any>(method: string, params: unknown): Promise<R>;
  close(): Promise<void>;
}

async function session(script: Script, capabilities: Record<string, unknown> = {}): Promise<Session> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-today-'));
  const scriptFile = path.join(dir, 'script.json');
  fs.writeFileSync(scriptFile, JSON.stringify({ commandDelayMs: 1, ...script }));
  const child = spawn(FAKE_LEAN, ['--server', '--script', scriptFile], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const notes: Session['notes'] = [];
  const serverRequests: string[] = [];
  conn.onNotification((method, params) => notes.push({ method, params }));
  conn.onRequest((method) => {
    serverRequests.push(method);
    return null;
  });
  conn.listen();
  await conn.sendRequest('initialize', { processId: null, rootUri: null, capabilities: { lean: { silentDiagnosticSupport: true }, ...capabilities } });
  await conn.sendNotification('initialized', {});
  const uri = pathToFileURL(path.join(dir, 'Test.lean')).href;
  const s: Session = {
    conn,
    child,
    uri,
    notes,
    serverRequests,
    async open(text, version = 1) {
      await conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'lean4', version, text }, dependencyBuildMode: 'never' });
      await conn.sendRequest('textDocument/waitForDiagnostics', { uri, version });
      return s.diagnostics(version);
    },
    async change(text, version) {
      await conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    diagnostics(version) {
      return notes.filter((n) => n.method === 'textDocument/publishDiagnostics' && n.params.version === version).at(-1)?.params.diagnostics ?? [];
    },
    request: (method, params) => conn.sendRequest(method, params) as Promise<any>,
    async close() {
      conn.dispose();
      child.kill();
      await new Promise((r) => child.once('exit', r));
    },
  };
  return s;
}

const infoAt = (diags: any[], line: number) => diags.filter((d) => d.severity === 3 && d.fullRange.start.line === line).map((d) => d.message);

describe('the scripted Lean server speaks today’s Lean', function () {
  this.timeout(20_000);
  let s: Session | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('sorry warning: "declaration uses `sorry`" with backticks, at the declaration name', async () => {
    s = await session({});
    const diags = await s.open('theorem foo (n : Nat) : n = n := by\n  sorry\n');
    const w = diags.find((d: any) => d.severity === 2);
    assert.equal(w.message, 'declaration uses `sorry`');
    assert.deepEqual(w.fullRange, { start: { line: 0, character: 8 }, end: { line: 0, character: 11 } });
  });

  it("sorry warning: Lean 4.0.0 says 'sorry' in quotes", async () => {
    s = await session({ lean: '4.0.0' });
    const diags = await s.open('theorem foo (n : Nat) : n = n := by\n  sorry\n');
    assert.equal(diags.find((d: any) => d.severity === 2).message, "declaration uses 'sorry'");
  });

  it('#print axioms: Lean’s order (Name.lt) and names shortened under `open Classical`', async () => {
    s = await session({ rules: [{ contains: 'by choose_it', axioms: ['Quot.sound', 'Classical.choice', 'propext'] }] });
    const diags = await s.open('open Classical\n\ntheorem t : True := by choose_it\n\n#print axioms t\n');
    assert.deepEqual(infoAt(diags, 4), ["'t' depends on axioms: [propext, choice, Quot.sound]"]);
  });

  it('#print axioms: `set_option pp.fullNames true in` prints full names, also under `open`', async () => {
    s = await session({ rules: [{ contains: 'by choose_it', axioms: ['Quot.sound', 'Classical.choice', 'propext'] }] });
    const diags = await s.open('open Classical\n\ntheorem t : True := by choose_it\n\nset_option pp.fullNames true in\n#print axioms t\n\nset_option pp.fullNames true in #print axioms t\n');
    assert.deepEqual(infoAt(diags, 5), ["'t' depends on axioms: [propext, Classical.choice, Quot.sound]"]);
    assert.deepEqual(infoAt(diags, 7), ["'t' depends on axioms: [propext, Classical.choice, Quot.sound]"]);
    // `open … in` shortens for that command only.
    await s.change('theorem t : True := by choose_it\n\nopen Classical in #print axioms t\n\n#print axioms t\n', 2);
    await s.request('textDocument/waitForDiagnostics', { uri: s.uri, version: 2 });
    assert.deepEqual(infoAt(s.diagnostics(2), 2), ["'t' depends on axioms: [propext, choice, Quot.sound]"]);
    assert.deepEqual(infoAt(s.diagnostics(2), 4), ["'t' depends on axioms: [propext, Classical.choice, Quot.sound]"]);
  });

  it('#print axioms: a `_root_.`-qualified name inside a namespace names the full declaration', async () => {
    s = await session({ rules: [{ contains: 'by simp_it', axioms: ['propext'] }] });
    const text = 'namespace Foo\n\ntheorem bar : True := by simp_it\n\nend Foo\n\nnamespace Other\n\nset_option pp.fullNames true in\n#print axioms _root_.Foo.bar\n\nend Other\n';
    const diags = await s.open(text);
    assert.deepEqual(infoAt(diags, 9), ["'Foo.bar' depends on axioms: [propext]"]);
  });

  it('#print axioms: a list wider than 120 columns is printed one axiom per line', async () => {
    s = await session({ rules: [{ contains: 'by decide_it', axioms: ['propext', 'Classical.choice', 'Quot.sound'] }] });
    const text = 'namespace Some.Long.Namespace\n\ntheorem a_rather_long_theorem_name : True := by decide_it; native_decide\n\nend Some.Long.Namespace\n\n#print axioms Some.Long.Namespace.a_rather_long_theorem_name\n';
    const diags = await s.open(text);
    assert.deepEqual(infoAt(diags, 6), [
      "'Some.Long.Namespace.a_rather_long_theorem_name' depends on axioms: [propext,\n Classical.choice,\n Quot.sound,\n Some.Long.Namespace.a_rather_long_theorem_name._native.native_decide.ax_1_1]",
    ]);
  });

  it('#print axioms in a `module` file: an error on v4.20–v4.29, answered today', async () => {
    const text = 'module\n\npublic import Init\n\ntheorem t : True := by trivial_it\n\n#print axioms t\n';
    const script: Script = { rules: [{ contains: 'trivial_it', axioms: [] }] };
    s = await session({ ...script, lean: '4.29.0' });
    const old = await s.open(text);
    const err = old.find((d: any) => d.severity === 1);
    assert.equal(err.message, MODULE_AXIOMS_ERROR);
    assert.equal(MODULE_AXIOMS_ERROR, 'cannot use `#print axioms` in a `module`; consider temporarily removing the `module` header or placing the command in a separate file');
    assert.deepEqual(err.fullRange, { start: { line: 6, character: 0 }, end: { line: 6, character: 6 } });
    await s.close();
    s = await session(script);
    assert.deepEqual(infoAt(await s.open(text), 6), ["'t' does not depend on any axioms"]);
  });

  it('native_decide on v4.29+: one auxiliary axiom per call, named under the declaration; before: Lean.ofReduceBool (and Lean.trustCompiler)', async () => {
    const text = 'namespace N\n\ntheorem two : 2 + 2 = 4 ∧ 3 = 3 := by\n  constructor\n  · native_decide\n  · native_decide\n\n#print axioms two\n\nend N\n';
    s = await session({ rules: [{ contains: 'native_decide', axioms: [] }] });
    assert.deepEqual(infoAt(await s.open(text), 7), ["'N.two' depends on axioms: [two._native.native_decide.ax_1_1, two._native.native_decide.ax_1_2]"]);
    const def = 'def d : Bool := by native_decide\n\n#print axioms d\n';
    await s.change(def, 2);
    await s.request('textDocument/waitForDiagnostics', { uri: s.uri, version: 2 });
    assert.deepEqual(infoAt(s.diagnostics(2), 2), ["'d' depends on axioms: [d._native.native_decide.ax_1]"]);
    await s.close();
    s = await session({ lean: '4.28.0', rules: [{ contains: 'native_decide', axioms: [] }] });
    assert.deepEqual(infoAt(await s.open(text), 7), ["'N.two' depends on axioms: [Lean.ofReduceBool, Lean.trustCompiler]"]);
    await s.close();
    s = await session({ lean: '4.0.0', rules: [{ contains: 'native_decide', axioms: [] }] });
    assert.deepEqual(infoAt(await s.open(text.replace('namespace N\n\n', '').replace('\nend N\n', '')), 5), ["'two' depends on axioms: [Lean.ofReduceBool]"]);
  });

  it('-32801 for a request to a closed file', async () => {
    s = await session({});
    await assert.rejects(s.request('$/lean/plainGoal', { textDocument: { uri: s.uri }, position: { line: 0, character: 0 } }), (err: any) => {
      assert.equal(err.code, -32801);
      assert.equal(err.message, `Cannot process request to closed file '${s!.uri}'`);
      return true;
    });
  });

  it('worker crash: -32902 with Lean’s message, fatal progress, later requests queued until the next change', async () => {
    s = await session({ rules: [{ contains: 'CRASH', behaviour: 'worker-crash' }, { contains: 'fine', axioms: [] }] });
    const uri = s.uri;
    await s.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'lean4', version: 1, text: 'theorem t : True := by CRASH\n' } });
    await assert.rejects(s.request('textDocument/waitForDiagnostics', { uri, version: 1 }), (err: any) => {
      assert.equal(err.code, -32902);
      assert.equal(err.message, `Server process for ${uri} crashed, likely due to a stack overflow or a bug.`);
      return true;
    });
    const fatal = s.notes.filter((n) => n.method === '$/lean/fileProgress').at(-1)!.params;
    assert.deepEqual(fatal.processing, [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, kind: 2 }]);
    let answered = 0;
    const queued = s.request('textDocument/waitForDiagnostics', { uri, version: 2 }).then(() => answered++);
    const goal = s.request('$/lean/plainGoal', { textDocument: { uri }, position: { line: 0, character: 0 } }).then((g) => (answered++, g));
    // A request about another (closed) file is answered at once; the two queued ones are not, until the change.
    await assert.rejects(s.request('$/lean/plainGoal', { textDocument: { uri: uri + '.other' }, position: { line: 0, character: 0 } }));
    assert.equal(answered, 0);
    await s.change('theorem t : True := by fine\n', 2);
    await queued;
    assert.equal(await goal, null);
    assert.equal(answered, 2);
  });

  it('header errors span the file (Imports are out of date)', async () => {
    s = await session({ importsOutOfDate: true });
    const [d] = await s.open('import Mathlib\n\ntheorem t : True := by\n  trivial\n');
    assert.match(d.message, /^Imports are out of date and must be rebuilt/);
    assert.equal(d.severity, 1);
    assert.deepEqual(d.fullRange, { start: { line: 0, character: 0 }, end: { line: 4, character: 0 } });
    assert.deepEqual(d.range, { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } });
  });

  it('plainGoal depends on the position: null outside a tactic block, the goal inside, goals: [] after the last tactic', async () => {
    s = await session({ rules: [{ contains: 'exact Nat.add_comm', axioms: [], goal: 'a b : Nat\n⊢ a + b = b + a' }] });
    await s.open('theorem c (a b : Nat) : a + b = b + a := by\n  exact Nat.add_comm a b\n');
    const at = (line: number, character: number) => s!.request('$/lean/plainGoal', { textDocument: { uri: s!.uri }, position: { line, character } });
    assert.equal(await at(0, 4), null);
    assert.deepEqual((await at(0, 42))?.goals, ['a b : Nat\n⊢ a + b = b + a'], 'at the `by` (as plainGoal.lean.expected.out: line 0, character 20)');
    assert.deepEqual(await at(1, 2), { rendered: '```lean\na b : Nat\n⊢ a + b = b + a\n```', goals: ['a b : Nat\n⊢ a + b = b + a'] });
    assert.deepEqual(await at(1, 24), { rendered: 'no goals', goals: [] });
  });

  it('plainTermGoal answers a term-mode sorry (`:= sorry`, `fun n => sorry`) where plainGoal is null', async () => {
    s = await session({ rules: [{ contains: 'fun n =>', termGoal: 'n : Nat\n⊢ n + 0 = n' }] });
    await s.open('theorem a (n : Nat) : n + 0 = n := sorry\n\ntheorem b : ∀ n : Nat, n + 0 = n := fun n => sorry\n');
    const pos = { textDocument: { uri: s.uri }, position: { line: 0, character: 36 } };
    assert.equal(await s.request('$/lean/plainGoal', pos), null);
    assert.deepEqual(await s.request('$/lean/plainTermGoal', pos), { goal: 'n : Nat\n⊢ n + 0 = n', range: { start: { line: 0, character: 35 }, end: { line: 0, character: 40 } } });
    const inFun = await s.request('$/lean/plainTermGoal', { textDocument: { uri: s.uri }, position: { line: 2, character: 46 } });
    assert.deepEqual(inFun, { goal: 'n : Nat\n⊢ n + 0 = n', range: { start: { line: 2, character: 45 }, end: { line: 2, character: 50 } } });
  });

  it('fileProgress entries carry `kind` (1 while processing), and `processing: []` when done', async () => {
    s = await session({});
    await s.open('theorem t : True := by\n  trivial\n');
    const progress = s.notes.filter((n) => n.method === '$/lean/fileProgress').map((n) => n.params);
    assert.ok(progress.length >= 2);
    assert.ok(progress.slice(0, -1).every((p) => p.processing.every((e: any) => e.kind === 1)));
    assert.deepEqual(progress.at(-1)!.processing, []);
  });

  it('Lake’s stderr arrives as information diagnostics at 0:0 before elaboration', async () => {
    s = await session({ lakeStderr: ['✔ [2/5] Built Foo.Bar', 'info: Foo: checking out revision'] });
    await s.open('theorem t : True := by\n  trivial\n');
    const lake = s.notes.filter((n) => n.method === 'textDocument/publishDiagnostics').slice(0, 2).map((n) => n.params.diagnostics);
    assert.deepEqual(lake, [
      [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 3, message: '✔ [2/5] Built Foo.Bar' }],
      [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, severity: 3, message: 'info: Foo: checking out revision' }],
    ]);
  });

  it('server-to-client requests (client/registerCapability, workspace/semanticTokens/refresh) are answered by our client', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-today-client-'));
    const log = path.join(root, 'traffic.jsonl');
    fs.writeFileSync(path.join(root, 'lean-fixture.json'), JSON.stringify({ commandDelayMs: 1, log, semanticTokensRefresh: true, rules: [{ contains: 'trivial', axioms: [] }] }));
    const server = await LeanServer.start({ projectRoot: root, command: { command: FAKE_LEAN, args: ['--server'] }, sandbox: 'off' });
    try {
      const uri = pathToFileURL(path.join(root, 'A.lean')).href;
      await server.open(uri, 'theorem t : True := by\n  trivial\n', 1);
      await server.waitForDiagnostics(uri, 1).promise;
      const responses = () =>
        fs
          .readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
          .filter((l) => l.dir === 'response')
          .map((l) => l.msg.method);
      // The responses come back asynchronously: a second barrier round-trips after them.
      await server.change(uri, 2, [{ text: 'theorem t : True := by\n  trivial\n\n' }]);
      await server.waitForDiagnostics(uri, 2).promise;
      assert.ok(responses().includes('client/registerCapability'), 'registerCapability answered');
      assert.ok(responses().includes('workspace/semanticTokens/refresh'), 'semanticTokens/refresh answered');
    } finally {
      await server.stop();
    }
  });

  it('documentSymbol: declarations as methods with the name as selection, namespaces and sections with children', async () => {
    s = await session({ default: 'ok' });
    await s.open('namespace Foo\n\ntheorem bar : True := by\n  trivial\n\nsection\n\ndef baz := 1\n\nend\n\nend Foo\n\nexample : True := trivial\n');
    const syms = await s.request('textDocument/documentSymbol', { textDocument: { uri: s.uri } });
    const r = (a: number, b: number, c: number, d: number) => ({ start: { line: a, character: b }, end: { line: c, character: d } });
    assert.deepEqual(syms, [
      {
        name: 'Foo',
        kind: 3,
        range: r(0, 0, 11, 7),
        selectionRange: r(0, 10, 0, 13),
        children: [
          { name: 'bar', kind: 6, range: r(2, 0, 3, 9), selectionRange: r(2, 8, 2, 11) },
          { name: '<section>', kind: 3, range: r(5, 0, 9, 3), selectionRange: r(5, 0, 5, 7), children: [{ name: 'baz', kind: 6, range: r(7, 0, 7, 12), selectionRange: r(7, 4, 7, 7) }] },
        ],
      },
      { name: 'example', kind: 6, range: r(13, 0, 13, 25), selectionRange: r(13, 0, 13, 7) },
    ]);
  });
});
