// Goal states through vscode-lean4's exported client (duck-typed fakes of its API shapes), with
// the fallback to our own server (the scripted Lean server, a real process).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config';
import { EditorGoals, type ExtensionsLike, type LeanClientLike } from '../../src/lean/editor-goals';
import { LeanVerifier } from '../../src/lean/verifier';

const FAKE_LEAN = path.resolve(__dirname, '../fixtures/lean-server/bin/lean');
const TEXT = 'theorem comm (a b : Nat) : a + b = b + a := by\n  sorry\n';
const GOAL = { rendered: '```lean\na b : Nat\n⊢ a + b = b + a\n```', goals: ['a b : Nat\n⊢ a + b = b + a'] };

function client(folder: string, answer: unknown, calls: unknown[]): LeanClientLike {
  return {
    getClientFolder: () => ({ fsPath: folder }),
    isRunning: () => true,
    sendRequest: async (method, params) => {
      calls.push({ method, params });
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

function extensions(exports: unknown): ExtensionsLike {
  return { getExtension: (id) => (id === 'leanprover.lean4' ? { isActive: true, exports } : undefined) };
}

describe('goal states for prompts and the panel', function () {
  this.timeout(20_000);
  const request = { uri: 'file:///proj/sub/A.lean', fsPath: '/proj/sub/A.lean', text: TEXT, position: { line: 1, character: 2 }, projectRoot: '/proj' };

  it('asks the vscode-lean4 client of the project holding the file (current API shape)', async () => {
    const calls: { method: string; params: any }[] = [];
    const other: unknown[] = [];
    const provider = { getClients: () => [client('/proj', GOAL, calls), client('/other', GOAL, other)], getActiveClient: () => undefined };
    const goals = new EditorGoals({ extensions: extensions({ lean4EnabledFeatures: Promise.resolve({ clientProvider: provider }) }) });
    const answer = await goals.goalAt(request);
    assert.equal(answer?.source, 'vscode-lean4');
    assert.deepEqual(answer?.goal.goals, GOAL.goals);
    assert.equal(calls[0]!.method, '$/lean/plainGoal');
    assert.deepEqual(calls[0]!.params, { textDocument: { uri: request.uri }, position: request.position });
    assert.equal(other.length, 0);
  });

  it('works with the old shape (clientProvider on the exports) and takes null as "no goal here"', async () => {
    const calls: { method: string }[] = [];
    const goals = new EditorGoals({ extensions: extensions({ clientProvider: { getActiveClient: () => client('/x', null, calls) } }), fallback: async () => GOAL });
    assert.equal(await goals.goalAt(request), undefined);
    assert.deepEqual(
      calls.map((c) => c.method),
      ['$/lean/plainGoal', '$/lean/plainTermGoal'],
    );
  });

  it('term-mode sorry: where vscode-lean4 has no tactic goal, it asks $/lean/plainTermGoal', async () => {
    const calls: { method: string }[] = [];
    const termClient: LeanClientLike = {
      isRunning: () => true,
      sendRequest: async (method) => {
        calls.push({ method });
        return method === '$/lean/plainTermGoal' ? { goal: 'n : Nat\n⊢ n + 0 = n', range: { start: { line: 0, character: 36 }, end: { line: 0, character: 41 } } } : null;
      },
    };
    const goals = new EditorGoals({ extensions: extensions({ clientProvider: { getActiveClient: () => termClient } }) });
    const answer = await goals.goalAt(request);
    assert.equal(answer?.source, 'vscode-lean4');
    assert.deepEqual(answer?.goal, { rendered: '```lean\nn : Nat\n⊢ n + 0 = n\n```', goals: ['n : Nat\n⊢ n + 0 = n'] });
  });

  it('term-mode sorry: our own server answers `:= sorry` and `fun n => sorry` through $/lean/plainTermGoal', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-goals-term-'));
    fs.writeFileSync(path.join(root, 'lean-fixture.json'), JSON.stringify({ commandDelayMs: 1, rules: [{ contains: 'fun n =>', termGoal: 'n : Nat\n⊢ n + 0 = n' }] }));
    const verifier = new LeanVerifier({ projectRoot: root, config: { ...DEFAULT_CONFIG, leanPath: FAKE_LEAN, verifierSlots: 1 } });
    try {
      const text = 'theorem a (m : Nat) : m * 1 = m := sorry\n\ntheorem b : ∀ n : Nat, n + 0 = n := fun n => sorry\n';
      const goals = new EditorGoals({ fallback: verifier.goalAt.bind(verifier) });
      const atA = await goals.goalAt({ ...request, text, projectRoot: root, position: { line: 0, character: 35 } });
      assert.deepEqual(atA?.goal.goals, ['m : Nat\n⊢ m * 1 = m']);
      const atB = await goals.goalAt({ ...request, text, projectRoot: root, position: { line: 2, character: 45 } });
      assert.deepEqual(atB?.goal.goals, ['n : Nat\n⊢ n + 0 = n']);
      assert.equal(atB?.source, 'own-server');
    } finally {
      await verifier.dispose();
    }
  });

  it('falls back to its own Lean server when vscode-lean4 is absent, pending or failing', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-goals-'));
    fs.writeFileSync(path.join(root, 'lean-fixture.json'), JSON.stringify({ commandDelayMs: 1 }));
    const verifier = new LeanVerifier({ projectRoot: root, config: { ...DEFAULT_CONFIG, leanPath: FAKE_LEAN, verifierSlots: 1 } });
    try {
      const fallback = verifier.goalAt.bind(verifier);
      const req = { ...request, projectRoot: root };
      const variants: ExtensionsLike[] = [
        { getExtension: () => undefined },
        extensions({ lean4EnabledFeatures: new Promise(() => undefined) }),
        extensions({ allFeatures: async () => ({ clientProvider: { getActiveClient: () => client('/proj', new Error('No connection to Lean'), []) } }) }),
        extensions({ clientProvider: { getActiveClient: () => client('/proj', { unexpected: true }, []) } }),
      ];
      for (const ext of variants) {
        const answer = await new EditorGoals({ extensions: ext, fallback, timeoutMs: 300 }).goalAt(req);
        assert.equal(answer?.source, 'own-server');
        assert.deepEqual(answer?.goal.goals, ['a b : Nat\n⊢ a + b = b + a']);
      }
    } finally {
      await verifier.dispose();
    }
  });
});
