// Keeps the scripted Lean server honest: the client side of a trace recorded from a real Lean
// (4.0.0, 2021) is replayed against it, and what it answers must match what Lean answered: the
// diagnostics of each version (messages, severities, fullRange), the barrier ordering and goals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { Script } from '../fixtures/lean-server/main';

const DIR = path.resolve(__dirname, '../fixtures/lean-server');
const TRACE = path.join(DIR, 'lean-4.0.0-2021-trace.jsonl');

interface Line {
  dir: string;
  label?: string;
  msg?: { id?: number; method?: string; params?: any; result?: any };
}

const SCRIPT: Script = {
  lean2021: true,
  sorryAt: 'sorry',
  commandDelayMs: 1,
  rules: [
    { contains: 'exact Nat.add_comm a b' },
    { contains: 'comm x y' },
    { contains: 'simp', axioms: ['propext'] },
    { contains: 'intro x h', goal: 'x : Nat\nh : x + 0 = x\n⊢ True' },
    { contains: 'exact rfl', errors: [{ message: 'type mismatch\n  rfl\nhas type\n  a + b = a + b : Prop\nbut is expected to have type\n  a + b = b + a : Prop', at: 'exact rfl' }] },
    { contains: 'induction b', unsolvedGoals: 'case zero\na : Nat\n⊢ a + Nat.zero = Nat.zero + a\n\ncase succ\na n✝ : Nat\nn_ih✝ : a + n✝ = n✝ + a\n⊢ a + Nat.succ n✝ = Nat.succ n✝ + a' },
  ],
};

type Key = [number, string, number, number, number, number];
const key = (d: any): Key => [d.severity, d.message, d.fullRange.start.line, d.fullRange.start.character, d.fullRange.end.line, d.fullRange.end.character];

describe('the scripted Lean server against a recorded real Lean trace', function () {
  this.timeout(20_000);

  it('answers the recorded client messages as Lean 4.0.0 did', async () => {
    const trace = fs.readFileSync(TRACE, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);
    const scriptFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-trace-')), 'script.json');
    fs.writeFileSync(scriptFile, JSON.stringify(SCRIPT));
    const child = spawn(path.join(DIR, 'bin/lean'), ['--server', '--script', scriptFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    const conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    const received: { method: string; params: any }[] = [];
    conn.onNotification((method, params) => received.push({ method, params }));
    conn.listen();

    // What real Lean said, per waitForDiagnostics: the last diagnostics of that version before the answer.
    const expected = new Map<number, Key[]>();
    const expectedGoals: unknown[] = [];
    const lastByVersion = new Map<number, any[]>();
    const waitIds = new Map<number, number>();
    const goalIds = new Set<number>();
    for (const l of trace) {
      const m = l.msg;
      if (!m) continue;
      if (l.dir === 'client->server' && m.method === 'textDocument/waitForDiagnostics') waitIds.set(m.id!, m.params.version);
      if (l.dir === 'client->server' && (m.method === '$/lean/plainGoal' || m.method === '$/lean/plainTermGoal')) goalIds.add(m.id!);
      if (l.dir === 'server->client' && m.method === 'textDocument/publishDiagnostics') lastByVersion.set(m.params.version, m.params.diagnostics);
      if (l.dir === 'server->client' && m.id !== undefined && waitIds.has(m.id)) expected.set(waitIds.get(m.id)!, (lastByVersion.get(waitIds.get(m.id)!) ?? []).map(key));
      if (l.dir === 'server->client' && m.id !== undefined && goalIds.has(m.id)) expectedGoals.push(m.result);
    }

    const actual = new Map<number, Key[]>();
    const goals: unknown[] = [];
    for (const l of trace) {
      const m = l.msg;
      if (l.dir !== 'client->server' || !m?.method) continue;
      if (m.method === 'exit') break;
      if (m.id === undefined) {
        await conn.sendNotification(m.method, m.params);
        continue;
      }
      const result = await conn.sendRequest(m.method, m.params);
      if (m.method === 'textDocument/waitForDiagnostics') {
        const v = m.params.version as number;
        const mine = received.filter((r) => r.method === 'textDocument/publishDiagnostics' && r.params.version === v).at(-1);
        actual.set(v, (mine?.params.diagnostics ?? []).map(key));
        const done = received.filter((r) => r.method === '$/lean/fileProgress' && r.params.textDocument.version === v).at(-1);
        assert.deepEqual(done?.params.processing, [], `version ${v}: processing [] comes before the barrier answers`);
      }
      if (m.method === '$/lean/plainGoal' || m.method === '$/lean/plainTermGoal') goals.push(result);
    }
    child.kill();

    for (const v of [1, 2, 7]) {
      assert.ok((expected.get(v)?.length ?? 0) >= 4, `the trace has diagnostics for version ${v}`);
      assert.deepEqual(actual.get(v), expected.get(v), `version ${v}`);
    }
    // Where Lean 4.0.0 and current Lean differ (an erroneous declaration is not added in 4.0.0, so
    // later uses fail), only the candidate's own error must match.
    for (const v of [3, 4]) assert.deepEqual(actual.get(v)![0], expected.get(v)![0], `version ${v}`);
    assert.equal(expectedGoals.length, 5);
    assert.deepEqual(goals.slice(0, 4), expectedGoals.slice(0, 4));
  });
});
