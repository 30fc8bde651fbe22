// `oprover import --declarations` of a Mathlib-shaped declaration dump and `oprover search` showing
// its hits beside the proof bank's, run as a user runs them (a real process in a scratch project).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ProveReport } from '../../src/cli/report';
import { startModelServer } from '../fixtures/model-server/server';
import { cleanEnv, project, root, runCli } from './cli-helpers';

const FAKE_LEAN = path.join(root, 'test/fixtures/lean-server/bin/lean');

const DUMP = fs.readFileSync(path.join(root, 'test/fixtures/declarations/mathlib-sample.jsonl'), 'utf8');
const PROOFS = [{ formal_statement: 'theorem reverse_twice (l : List Nat) : l.reverse.reverse = l := by sorry', formal_proof: 'by\n  simp' }].map((r) => JSON.stringify(r)).join('\n');

interface DeclarationResult {
  rank: number;
  kind: string;
  name: string;
  signature: string;
  line: string;
  module?: string;
  source: { file: string; line: number };
  score: number;
}

describe('oprover import --declarations + search (CLI)', function () {
  this.timeout(120_000);

  it('imports a dump (statements only, apart from the proof bank) and search marks its hits as declarations', async () => {
    const dir = project({ 'lakefile.lean': '', 'mathlib.jsonl': `${DUMP}{"decl_name":"no.type"}\n`, 'proofs.jsonl': `${PROOFS}\n` });
    const env = cleanEnv();
    const imported = await runCli(['import', '--declarations', 'mathlib.jsonl', '--json'], dir, env);
    assert.equal(imported.code, 0, imported.stderr);
    const report = JSON.parse(imported.stdout) as { kind: string; imported: number; duplicates: number; declarations: number; malformed: { line: number; error: string }[] };
    assert.deepEqual([report.kind, report.imported, report.duplicates, report.declarations], ['declarations', 34, 0, 34]);
    assert.deepEqual(report.malformed.map((m) => m.line), [35]);
    assert.match(report.malformed[0]!.error, /no type/);
    const bank = path.join(dir, '.oprover', 'bank');
    assert.ok(fs.existsSync(path.join(bank, 'declarations.jsonl')));
    assert.equal(fs.existsSync(path.join(bank, 'records.log')), false, 'no proof record for a declaration');

    const again = await runCli(['import', '--declarations', 'mathlib.jsonl'], dir, env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^imported 0 declarations, statements only \(34 already stored, 1 lines skipped\); .* holds 34 declarations\n {2}line 35: no type/);

    // Declarations alone: search shows them, marked, and still creates no proof bank.
    const only = await runCli(['search', 'theorem t (l : List ℕ) : l.reverse.reverse = l', '--k', '2'], dir, env);
    assert.equal(only.code, 0, only.stderr);
    const lines = only.stdout.split('\n');
    assert.match(lines[0]!, /^2 of 34 imported declarations in .* \(statements only, not proofs; BM25\):$/);
    assert.match(lines[1]!, /^ 1\. \d+\.\d{4} {2}List\.reverse_reverse {2}\[declaration\] {2}Init\.Data\.List\.Lemmas$/);
    assert.equal(lines[2], '      List.reverse_reverse : ∀ {α : Type u_1} (as : List α), as.reverse.reverse = as');
    assert.equal(fs.existsSync(path.join(bank, 'records.log')), false);

    // With proofs too: both sections, the JSON with the documented fields.
    const proofs = await runCli(['import', 'proofs.jsonl'], dir, env);
    assert.equal(proofs.code, 0, proofs.stderr);
    const both = await runCli(['search', 'theorem t (l : List ℕ) : l.reverse.reverse = l', '--k', '3', '--json'], dir, env);
    assert.equal(both.code, 0, both.stderr);
    const out = JSON.parse(both.stdout) as { records: number; results: { name: string }[]; declarationRecords: number; declarationResults: DeclarationResult[] };
    assert.equal(out.records, 1);
    assert.deepEqual(out.results.map((r) => r.name), ['reverse_twice']);
    assert.equal(out.declarationRecords, 34);
    assert.equal(out.declarationResults.length, 3);
    const first = out.declarationResults[0]!;
    assert.deepEqual(
      { rank: first.rank, kind: first.kind, name: first.name, signature: first.signature, line: first.line, module: first.module, source: first.source },
      {
        rank: 1,
        kind: 'declaration',
        name: 'List.reverse_reverse',
        signature: ': ∀ {α : Type u_1} (as : List α), as.reverse.reverse = as',
        line: 'List.reverse_reverse : ∀ {α : Type u_1} (as : List α), as.reverse.reverse = as',
        module: 'Init.Data.List.Lemmas',
        source: { file: 'mathlib.jsonl', line: 13 },
      },
    );
    assert.ok(out.declarationResults.every((d, i) => d.rank === i + 1 && (i === 0 || d.score <= out.declarationResults[i - 1]!.score)));
    const text = await runCli(['search', 'theorem t (l : List ℕ) : l.reverse.reverse = l', '--k', '1'], dir, env);
    assert.match(text.stdout, /^1 of 1 proofs in [^\n]*\n 1\. [^\n]*reverse_twice[^\n]*\n[^\n]*\n\n1 of 34 imported declarations in /);
  });

  it('refuses --declarations on other commands and asks for the dump when it is missing', async () => {
    const dir = project({ 'lakefile.lean': '' });
    const wrong = await runCli(['search', 'theorem t : True', '--declarations'], dir);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /--declarations applies to `oprover import` only/);
    const missing = await runCli(['import', '--declarations'], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /needs a DECLARATIONS\.jsonl file/);
  });

  it('prove: the model is shown the imported declarations as lemmas that may help, and nothing when none were imported', async () => {
    const target = 'theorem rev_twice (l : List Nat) : l.reverse.reverse = l := by\n  sorry\n';
    // "Lean" accepts only the proof that uses the lemma by name.
    const script = { default: 'unsolved', rules: [{ regex: 'theorem rev_twice[\\s\\S]*exact List\\.reverse_reverse l', axioms: [] }] };
    const config = { prepassTactics: ['rfl'], prepassReplays: 0, retrievalK: 0, searchBudget: 0, rounds: 1, samplesPerRound: 1, verifierSlots: 1 };
    const model = await startModelServer({
      rules: [
        // Only a prompt that lists the lemma gets the reply that uses it.
        { match: 'List\\.reverse_reverse : ', replies: ['```lean4\ntheorem rev_twice (l : List Nat) : l.reverse.reverse = l := by\n  exact List.reverse_reverse l\n```'] },
        { replies: ['```lean4\ntheorem rev_twice (l : List Nat) : l.reverse.reverse = l := by\n  simp\n```'] },
      ],
    });
    try {
      const files = { 'T.lean': target, 'lean-fixture.json': JSON.stringify(script), 'oprover.json': JSON.stringify(config), 'mathlib.jsonl': DUMP };
      const args = ['prove', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--endpoint', model.url, '--model', 'oprover-test', '--json'];
      const plain = project(files);
      const without = await runCli(args, plain, cleanEnv());
      assert.equal((JSON.parse(without.stdout) as ProveReport).items[0]!.status, 'failed', without.stdout + without.stderr);
      const firstPrompt = JSON.stringify(model.requests.filter((q) => q.path.endsWith('/chat/completions'))[0]!.body?.messages);
      assert.doesNotMatch(firstPrompt, /Lemmas That May Help|List\.reverse_reverse/);

      const withDump = project(files);
      const imported = await runCli(['import', '--declarations', 'mathlib.jsonl'], withDump, cleanEnv());
      assert.equal(imported.code, 0, imported.stderr);
      const proved = await runCli(args, withDump, cleanEnv());
      const item = (JSON.parse(proved.stdout) as ProveReport).items[0]!;
      assert.equal(item.status, 'proved', proved.stdout + proved.stderr);
      assert.match(item.proof!, /exact List\.reverse_reverse l/);
      const chats = model.requests.filter((q) => q.path.endsWith('/chat/completions'));
      const shown = ((chats[chats.length - 1]!.body?.messages ?? []) as { content: string }[]).map((m) => m.content).join('\n');
      assert.match(shown, /\*\*Lemmas That May Help \(statements only, from the imported declarations; not proofs\):\*\*\n```\nList\.reverse_reverse : ∀ \{α : Type u_1\} \(as : List α\), as\.reverse\.reverse = as\n/);
      assert.doesNotMatch(shown, /Retrieved Verified Proofs/);
    } finally {
      await model.close();
    }
  });
});
