import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuiltinEmbedder } from '../../src/retrieval/embedder';
import { corpusEntry, hasSorry, importCorpus, indexFile, indexWorkspace, proofsFromLeanFile, type Progress } from '../../src/retrieval/indexer';
import { MemoryBank } from '../../src/retrieval/memory';

const fixtures = path.join(__dirname, '..', 'fixtures', 'retrieval');
const workspace = path.join(fixtures, 'workspace');

describe('retrieval: workspace indexing', function () {
  this.timeout(20_000);

  it('keeps theorems with complete proofs and leaves out sorry, admit, defs and examples', () => {
    const text = fs.readFileSync(path.join(workspace, 'Algebra/Basic.lean'), 'utf8');
    const proofs = proofsFromLeanFile(text, 'Algebra/Basic.lean');
    assert.deepEqual(proofs.map((p) => p.name), ['Algebra.add_zero_right', 'Algebra.mul_one_right', 'Algebra.le_succ_self']);
    const first = proofs[0]!;
    assert.deepEqual(first.source, { kind: 'workspace', file: 'Algebra/Basic.lean', line: 5 });
    assert.ok(first.statement.includes('theorem add_zero_right (n : Nat) : n + 0 = n'));
    assert.ok(first.proof.endsWith('rfl'));
    assert.ok(hasSorry('by\n  sorry') && !hasSorry('by simp -- no sorry here') && !hasSorry('"sorry"'));
  });

  it('indexes files with progress, dedups a second pass, and stops when cancelled', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-index-'));
    const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false });
    const files = ['Algebra/Basic.lean', 'Algebra/Order.lean', 'Algebra/Missing.lean'];
    const progress: Progress[] = [];
    const first = await indexWorkspace(memory, files, { root: workspace, onProgress: (p) => progress.push(p) });
    assert.deepEqual({ ...first, failed: first.failed.map((f) => f.file) }, { files: 2, theorems: 5, added: 5, duplicates: 0, removed: 0, failed: ['Algebra/Missing.lean'], cancelled: false });
    assert.deepEqual(progress.map((p) => [p.done, p.total]), [[1, 3], [2, 3]]);
    const second = await indexWorkspace(memory, files.slice(0, 2), { root: workspace });
    assert.equal(second.added, 0);
    assert.equal(second.duplicates, 5);
    const controller = new AbortController();
    controller.abort();
    const cancelled = await indexWorkspace(memory, files, { root: workspace, signal: controller.signal });
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.files, 0);
    const found = await memory.retrieve({ statement: 'theorem my_lt_irrefl (n : Nat) : ¬ n < n' }, 1);
    assert.equal(found[0]?.name, 'Algebra.Order.lt_irrefl\'');
    assert.equal(found[0]?.source.kind, 'workspace');
    await memory.close();
  });

  it('re-indexes a saved file: an edited proof replaces the old one, a deleted theorem goes away', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-reindex-'));
    const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false });
    const file = 'Algebra/Order.lean';
    const text = fs.readFileSync(path.join(workspace, file), 'utf8');
    assert.deepEqual(await indexFile(memory, file, text), { theorems: 2, added: 2, duplicates: 0, removed: 0 });
    const edited = text.replace('Nat.le_refl n', 'by omega').replace(/theorem lt_irrefl'[^\n]*\n/, '');
    assert.deepEqual(await indexFile(memory, file, edited), { theorems: 1, added: 1, duplicates: 0, removed: 2 });
    const found = await memory.retrieve({ statement: "theorem le_refl' (n : Nat) : n ≤ n" }, 5);
    assert.equal(found.length, 1);
    assert.ok(found[0]!.proof.endsWith('by omega'));
    assert.equal((await memory.stats()).records, 1);
    // A whole-workspace pass with `replace` does the same per file (the editor's start-up pass, `oprover index`).
    const again = await indexWorkspace(memory, [{ file, text }], { replace: true });
    assert.deepEqual([again.added, again.removed, again.theorems], [2, 1, 2]);
    assert.equal((await memory.stats()).records, 2);
    // With the root known, a file that no longer exists there loses its records.
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-reindex-root-'));
    fs.mkdirSync(path.join(root, 'Algebra'));
    fs.writeFileSync(path.join(root, 'Algebra', 'Basic.lean'), fs.readFileSync(path.join(workspace, 'Algebra/Basic.lean')));
    const pass = await indexWorkspace(memory, ['Algebra/Basic.lean'], { root, replace: true });
    assert.equal(pass.removed, 2, 'Order.lean is gone from this root: its two theorems leave the bank');
    const left = await memory.retrieve({ statement: "theorem le_refl' (n : Nat) : n ≤ n" }, 10);
    assert.ok(left.every((p) => p.source.file !== file), JSON.stringify(left.map((p) => p.source.file)));
    await memory.close();
  });
});

describe('retrieval: corpus import', function () {
  this.timeout(20_000);

  it('imports good lines, reports malformed ones by line number, and loses nothing else', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-import-'));
    const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false });
    const progress: Progress[] = [];
    const result = await importCorpus(memory, path.join(fixtures, 'corpus-malformed.jsonl'), { onProgress: (p) => progress.push(p), batchSize: 2 });
    assert.equal(result.imported, 4);
    assert.equal(result.duplicates, 1);
    assert.equal(result.cancelled, false);
    assert.deepEqual(result.malformed.map((m) => m.line), [2, 4, 7, 8]);
    assert.match(result.malformed[0]!.error, /invalid JSON/);
    assert.match(result.malformed[2]!.error, /sorry/);
    assert.ok(progress.length >= 2);
    const last = progress[progress.length - 1]!;
    assert.equal(last.done, last.total);
    const stats = await memory.stats();
    assert.equal(stats.records, 4);
    const ofs = await memory.retrieve({ statement: 'theorem q (x : ℕ) : x * 0 = 0' }, 1);
    assert.equal(ofs[0]?.name, 'ofs_two');
    assert.equal(ofs[0]?.proof, 'theorem ofs_two (x : ℕ) : x * 0 = 0 := by simp');
    assert.deepEqual(ofs[0]?.source, { kind: 'corpus', file: 'corpus-malformed.jsonl', line: 6 });
    await memory.close();
  });

  it('reads the Batteries shape (source and line kept) and the OProofs shape (whole declaration kept)', () => {
    const batteries = corpusEntry(
      { name: 'X.y', statement: 'theorem X.y : True', proof: 'trivial', decl: 'theorem X.y : True := trivial', source: 'repo@abc:X.lean', line: 7 },
      'c.jsonl',
      1,
    );
    assert.deepEqual(batteries, { name: 'X.y', statement: 'theorem X.y : True', proof: 'theorem X.y : True := trivial', source: { kind: 'corpus', file: 'repo@abc:X.lean', line: 7 } });
    const oproofs = corpusEntry({ formal_statement: 'theorem z (a : ℕ) : a = a := by sorry', formal_proof: 'theorem z (a : ℕ) : a = a := by rfl' }, 'o.jsonl', 3);
    assert.ok(typeof oproofs === 'object');
    assert.equal(oproofs.statement, 'theorem z (a : ℕ) : a = a');
    assert.equal(oproofs.proof, 'theorem z (a : ℕ) : a = a := by rfl');
    assert.equal(oproofs.name, 'z');
    assert.match(corpusEntry({ statement: 'x' }, 'c', 1) as string, /expected/);
  });

  it('stops on cancel and keeps what it had read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-import-cancel-'));
    const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false });
    const controller = new AbortController();
    const result = await importCorpus(memory, path.join(fixtures, 'batteries-theorems.jsonl'), {
      batchSize: 100,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    assert.equal(result.cancelled, true);
    assert.ok(result.imported >= 100 && result.imported < 1664, `imported ${result.imported}`);
    assert.equal((await memory.stats()).records, result.imported);
    await memory.close();
  });
});

describe('retrieval: MemoryBank (the Retriever port)', function () {
  this.timeout(20_000);

  it('opens lazily, remembers accepted proofs, excludes the target and caches query vectors', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-memory-'));
    let loads = 0;
    let embedded = 0;
    const memory = new MemoryBank({
      storageDir: dir,
      durable: false,
      embedder: async () => {
        loads++;
        const inner = await BuiltinEmbedder.load();
        return { dim: inner.dim, fingerprint: inner.fingerprint, dispose: () => inner.dispose(), embed: async (t: readonly string[]) => ((embedded += t.length), inner.embed(t)) };
      },
    });
    assert.equal(memory.isOpen, false);
    assert.equal(loads, 0);
    assert.equal(fs.readdirSync(dir).length, 0, 'nothing on disk before first use');
    const statement = 'theorem Demo.twice (n : Nat) : n + n = 2 * n';
    await memory.remember({ name: 'Demo.twice', statement, proof: `${statement} := by omega`, source: { kind: 'accepted', file: 'Demo.lean', line: 4 } });
    await memory.remember({ name: 'Demo.thrice', statement: 'theorem Demo.thrice (n : Nat) : n + n + n = 3 * n', proof: 'theorem Demo.thrice (n : Nat) : n + n + n = 3 * n := by omega', source: { kind: 'accepted' } });
    assert.equal(loads, 1);
    const hits = await memory.retrieve({ statement }, 2);
    assert.deepEqual(hits.map((h) => h.name), ['Demo.twice', 'Demo.thrice']);
    assert.deepEqual(hits[0]!.source, { kind: 'accepted', file: 'Demo.lean', line: 4 });
    assert.ok(hits[0]!.score > hits[1]!.score);
    const before = embedded;
    const excluded = await memory.retrieve({ statement: `${statement}  `, excludeName: 'Demo.twice' }, 2);
    assert.deepEqual(excluded.map((h) => h.name), ['Demo.thrice']);
    assert.equal(embedded, before, 'the same statement (modulo whitespace) is embedded once');
    assert.deepEqual(await memory.retrieve({ statement }, 0), []);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(memory.retrieve({ statement }, 2, controller.signal));
    await memory.close();
  });
});
