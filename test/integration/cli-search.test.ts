// `oprover import` of an OProofs-format dump and `oprover search` over the bank it fills, run as a
// user runs them (a real process in a scratch project).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanEnv, project, runCli } from './cli-helpers';

const DUMP = [
  { formal_statement: 'theorem add_zero_right (n : Nat) : n + 0 = n := by sorry', formal_proof: 'by\n  exact Nat.add_zero n' },
  { formal_statement: 'theorem mul_one_right (n : Nat) : n * 1 = n := by sorry', formal_proof: 'by\n  exact Nat.mul_one n' },
  { formal_statement: 'theorem append_nil_right (l : List Nat) : l ++ [] = l := by sorry', formal_proof: 'by\n  exact List.append_nil l' },
]
  .map((r) => JSON.stringify(r))
  .join('\n');

describe('oprover import + search (CLI)', () => {
  it('imports an OProofs dump and shows what the bank retrieves, as text and as JSON', async () => {
    const dir = project({ 'lakefile.lean': '', 'dump.jsonl': `${DUMP}\nnot json\n` });
    const env = cleanEnv();
    const imported = await runCli(['import', 'dump.jsonl', '--json'], dir, env);
    assert.equal(imported.code, 0, imported.stderr);
    const report = JSON.parse(imported.stdout) as { imported: number; malformed: { line: number }[] };
    assert.equal(report.imported, 3);
    assert.deepEqual(report.malformed.map((m) => m.line), [4]);

    const json = await runCli(['search', 'theorem t (xs : List Nat) : xs ++ [] = xs', '--k', '2', '--json'], dir, env);
    assert.equal(json.code, 0, json.stderr);
    const out = JSON.parse(json.stdout) as { k: number; records: number; results: { rank: number; name: string; score: number; source: { kind: string } }[] };
    assert.equal(out.k, 2);
    assert.equal(out.records, 3);
    assert.equal(out.results.length, 2);
    assert.equal(out.results[0]!.name, 'append_nil_right');
    assert.deepEqual(out.results.map((r) => r.rank), [1, 2]);
    assert.ok(out.results[0]!.score >= out.results[1]!.score);
    assert.equal(out.results[0]!.source.kind, 'corpus');

    const text = await runCli(['search', 'theorem t (n : Nat) : n * 1 = n'], dir, env);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^3 of 3 proofs in /);
    assert.match(text.stdout.split('\n')[1]!, /^ 1\. \d\.\d{4} {2}mul_one_right {2}\[[0-9a-f]{16}\] {2}corpus /);
  });

  it('says how to fill the bank when there is none, and refuses a missing statement', async () => {
    const dir = project({ 'lakefile.lean': '' });
    const empty = await runCli(['search', 'theorem t : True'], dir);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /no memory bank at .*oprover index.*oprover import/);
    assert.equal(fs.existsSync(path.join(dir, '.oprover')), false, 'search must not create a bank');
    const usage = await runCli(['search'], dir);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /needs a STATEMENT/);
  });
});
