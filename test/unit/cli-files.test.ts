// Discovery, the resume file and safe insertion (on temporary folders; no processes).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectInputs, jobsForFile } from '../../src/cli/discover';
import { applyProofEdits, insertProofs, type ProofEdit } from '../../src/cli/insert';
import { findProjectRoot } from '../../src/lean/project';
import { StateStore } from '../../src/state/resume';

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-cli-'));
}

const TEXT = `import Std

namespace Demo

theorem a_thm (n : Nat) : n + 0 = n := by
  sorry

/-- two sorries, one target -/
theorem b_thm (p q : Prop) (hp : p) (hq : q) : p ∧ q := by
  constructor
  · sorry
  · sorry

def value : Nat := sorry

example : 1 + 1 = 2 := by sorry
example : 1 + 1 = 2 := by sorry

end Demo
`;

describe('cli discovery', () => {
  it('finds .lean files under a Lake project, skipping .lake and build folders', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'lakefile.toml'), 'name = "x"\n');
    for (const f of ['A.lean', 'Sub/B.lean', '.lake/packages/m/C.lean', 'build/D.lean', 'notes.txt']) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.writeFileSync(path.join(dir, f), '');
    }
    const inputs = collectInputs([path.join(dir, 'Sub')]);
    assert.equal(inputs.root, dir, 'the root is the nearest folder with a lakefile');
    assert.equal(inputs.isLakeProject, true);
    assert.deepEqual(inputs.files, [path.join(dir, 'Sub/B.lean')]);
    assert.deepEqual(collectInputs([dir]).files.map((f) => path.relative(dir, f)), ['A.lean', path.join('Sub', 'B.lean')]);
    assert.throws(() => collectInputs([path.join(dir, 'notes.txt')]), /not a \.lean file/);
    assert.throws(() => collectInputs([path.join(dir, 'missing.lean')]), /no such file/);
  });

  it('takes the same project root as the editor: a folder with only a lean-toolchain is a project too', () => {
    const dir = tmpdir();
    fs.writeFileSync(path.join(dir, 'lean-toolchain'), 'leanprover/lean4:v4.0.0\n');
    const file = path.join(dir, 'Sub', 'A.lean');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '');
    const inputs = collectInputs([file]);
    assert.equal(inputs.root, dir, 'the root is the folder with the lean-toolchain, not the file\'s folder');
    assert.equal(inputs.isLakeProject, false);
    assert.equal(findProjectRoot(file).root, inputs.root, 'the editor resolves the same root, so both share one resume file and bank');
    assert.equal(collectInputs([path.join(dir, 'Sub')]).root, dir);
  });

  it('makes one job per whole-proof sorry and per hole, skips data sorries, and keys repeated statements apart', () => {
    const { jobs, skipped } = jobsForFile('/p', '/p/Demo/X.lean', TEXT);
    assert.deepEqual(
      jobs.map((j) => [j.declarationName, j.line, j.sorries.length]),
      [
        ['Demo.a_thm', 6, 1],
        ['Demo.b_thm, hole 1 of 2 (line 11, column 5)', 11, 1],
        ['Demo.b_thm, hole 2 of 2 (line 12, column 5)', 12, 1],
        ['example', 16, 1],
        ['example', 17, 1],
      ],
    );
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!.reason, /def/);
    assert.equal(jobs[0]!.relFile, 'Demo/X.lean');
    assert.match(jobs[0]!.key, /^Demo\/X\.lean::Demo\.a_thm::[0-9a-f]{16}$/);
    assert.notEqual(jobs[3]!.key, jobs[4]!.key);
    assert.match(jobs[1]!.key, /::hole-1-[0-9a-f]{16}$/);
    assert.notEqual(jobs[1]!.key, jobs[2]!.key);
    // The statement hash ignores layout but not content.
    const moved = jobsForFile('/p', '/p/Demo/X.lean', TEXT.replace('theorem a_thm (n : Nat) :', 'theorem a_thm (n : Nat)\n    :'));
    assert.equal(moved.jobs[0]!.key, jobs[0]!.key);
    const changed = jobsForFile('/p', '/p/Demo/X.lean', TEXT.replace('n + 0 = n', 'n + 1 = n'));
    assert.notEqual(changed.jobs[0]!.key, jobs[0]!.key);
  });
});

describe('cli state file', () => {
  it('records finished work atomically and reads it back', () => {
    const file = path.join(tmpdir(), '.oprover', 'state.json');
    const s = StateStore.open(file);
    assert.equal(s.size, 0);
    s.record('k1', { status: 'proved', proof: ':= by simp', reason: 'ok', rounds: 0, elapsedMs: 5, promptTokens: 0, completionTokens: 0, finishedAt: 'now' });
    const again = StateStore.open(file);
    assert.equal(again.get('k1')?.proof, ':= by simp');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['.gitignore', 'state.json'], 'no temporary or lock file left behind (the folder it created is ignored by git)');
  });

  it('moves a corrupt state file aside and says so', () => {
    const file = path.join(tmpdir(), 'state.json');
    fs.writeFileSync(file, '{"version": 1, "entries": {"k": ');
    const s = StateStore.open(file);
    assert.equal(s.size, 0);
    assert.match(s.warning ?? '', /could not be read/);
    assert.ok(fs.existsSync(`${file}.corrupt`));
  });
});

describe('cli insertion', () => {
  const original = 'theorem a : 1 = 1 := by\n  sorry\n\ntheorem b : 2 = 2 := by sorry\n';
  const edit = (name: 'a' | 'b', body: string): ProofEdit => {
    const declStart = original.indexOf(`theorem ${name}`);
    const declEnd = original.indexOf('sorry', declStart) + 5;
    return { key: name, declStart, bodyStart: original.indexOf(':=', declStart), declEnd, originalDecl: original.slice(declStart, declEnd), body };
  };

  it('applies every edit to an unchanged text', () => {
    const r = applyProofEdits(original, original, [edit('a', ':= by rfl'), edit('b', ':= rfl')]);
    assert.equal(r.text, 'theorem a : 1 = 1 := by rfl\n\ntheorem b : 2 = 2 := rfl\n');
    assert.deepEqual(r.applied, ['a', 'b']);
  });

  it('lands an edit only on unchanged declarations when the file changed', () => {
    const current = '-- a new comment line\n' + original.replace('theorem b : 2 = 2', 'theorem b : 2 = 2 ∧ True');
    const r = applyProofEdits(original, current, [edit('a', ':= by rfl'), edit('b', ':= rfl')]);
    assert.equal(r.text, '-- a new comment line\ntheorem a : 1 = 1 := by rfl\n\ntheorem b : 2 = 2 ∧ True := by sorry\n');
    assert.deepEqual(r.applied, ['a']);
    assert.deepEqual(r.skipped.map((s) => s.key), ['b']);
  });

  it('refuses an edit whose declaration was extended after its sorry', () => {
    const current = '-- moved\n' + original.replace('theorem a : 1 = 1 := by\n  sorry', 'theorem a : 1 = 1 := by\n  sorry\n  simp');
    const r = applyProofEdits(original, current, [edit('a', ':= by rfl'), edit('b', ':= rfl')]);
    assert.equal(r.text, current.replace('theorem b : 2 = 2 := by sorry', 'theorem b : 2 = 2 := rfl'));
    assert.deepEqual(r.applied, ['b']);
    assert.match(r.skipped[0]!.reason, /edited after the job started/);
  });

  it('refuses an edit whose declaration now appears twice', () => {
    const current = original + '\n' + original.slice(0, original.indexOf('\n\n'));
    const r = applyProofEdits(original, current, [edit('a', ':= by rfl')]);
    assert.equal(r.text, current);
    assert.match(r.skipped[0]!.reason, /more than once/);
  });

  it('writes the file atomically', () => {
    const file = path.join(tmpdir(), 'T.lean');
    fs.writeFileSync(file, original);
    const r = insertProofs(file, original, [edit('b', ':= rfl')]);
    assert.deepEqual(r.applied, ['b']);
    assert.equal(fs.readFileSync(file, 'utf8'), original.replace('by sorry\n', 'rfl\n'));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['T.lean']);
  });
});
