// Declaration dumps (statements without proofs): the line parser, the crash-safe store beside the
// proof bank, import with progress and cancel, and BM25 premise retrieval on a Mathlib-shaped fixture.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DECLARATIONS_FILE, DeclarationStore } from '../../src/retrieval/declaration-store';
import { declarationEntry, declarationLine, premiseText, NAME_MAX_CHARS, SIGNATURE_MAX_CHARS, DOC_MAX_CHARS, type DeclarationRecord } from '../../src/retrieval/declarations';
import { importDeclarations, type Progress } from '../../src/retrieval/indexer';
import { MemoryBank } from '../../src/retrieval/memory';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'declarations', 'mathlib-sample.jsonl');

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-decls-'));
}

function record(name: string, type: string, line = 1): DeclarationRecord {
  return { name, signature: `: ${type}`, source: { file: 'dump.jsonl', line } };
}

/** A memory whose embedder must never load: declarations need none. */
function memoryWithoutEmbedder(dir: string): MemoryBank {
  return new MemoryBank({
    storageDir: dir,
    embedder: () => {
      throw new Error('the embedder was loaded');
    },
    durable: false,
  });
}

describe('declarations: dump lines', () => {
  it('reads each accepted spelling of the fields', () => {
    const a = declarationEntry({ name: 'Nat.succ_le_of_lt', type: '∀ {n m : ℕ}, n < m → n.succ ≤ m', module: 'Mathlib.Order.Basic', doc: 'If n < m.', kind: 'theorem' }, 'd.jsonl', 3);
    assert.deepEqual(a, { name: 'Nat.succ_le_of_lt', signature: ': ∀ {n m : ℕ}, n < m → n.succ ≤ m', module: 'Mathlib.Order.Basic', doc: 'If n < m.', kind: 'theorem', source: { file: 'd.jsonl', line: 3 } });
    const b = declarationEntry({ decl_name: 'Nat.gcd_comm', signature: '∀ (m n : ℕ), Nat.gcd m n = Nat.gcd n m', file: 'Init/Data/Nat/Gcd.lean', docstring: 'gcd is symmetric' }, 'd.jsonl', 4);
    assert.ok(typeof b !== 'string');
    assert.deepEqual([b.name, b.signature, b.module, b.doc], ['Nat.gcd_comm', ': ∀ (m n : ℕ), Nat.gcd m n = Nat.gcd n m', 'Init/Data/Nat/Gcd.lean', 'gcd is symmetric']);
    const c = declarationEntry({ full_name: 'Real.exp_pos', statement: 'theorem Real.exp_pos (x : ℝ) : 0 < Real.exp x', doc_string: 'exp is positive' }, 'd.jsonl', 5);
    assert.ok(typeof c !== 'string');
    // A whole header is shown as `#check` shows it: the name, then its binders and type.
    assert.deepEqual([c.name, c.signature, c.kind, c.doc], ['Real.exp_pos', '(x : ℝ) : 0 < Real.exp x', 'theorem', 'exp is positive']);
    assert.equal(declarationLine(c), 'Real.exp_pos (x : ℝ) : 0 < Real.exp x');
    // A header without a name field gives the name; a task's `:= by sorry` is not part of the statement.
    const d = declarationEntry({ statement: 'lemma foo_bar {a : ℕ} (h : 0 < a) : 1 ≤ a := by sorry' }, 'd.jsonl', 6);
    assert.ok(typeof d !== 'string');
    assert.equal(declarationLine(d), 'foo_bar {a : ℕ} (h : 0 < a) : 1 ≤ a');
  });

  it('says why a line cannot be used', () => {
    assert.equal(declarationEntry([1, 2], 'd', 1), 'not a JSON object');
    assert.match(declarationEntry({ name: 'x' }, 'd', 1) as string, /^no type: expected one of type, signature, statement/);
    assert.match(declarationEntry({ type: 'ℕ → ℕ' }, 'd', 1) as string, /^no name: expected one of name, decl_name, full_name/);
    assert.match(declarationEntry({ name: 'has space', type: 'True' }, 'd', 1) as string, /contains white space/);
    assert.match(declarationEntry({ name: 'x', type: '   ' }, 'd', 1) as string, /^no type/);
    assert.match(declarationEntry({ name: 'x', type: 42 }, 'd', 1) as string, /^no type/);
  });

  it('refuses names and types too long to show whole, and cuts a long doc string', () => {
    assert.match(declarationEntry({ name: 'a'.repeat(NAME_MAX_CHARS + 1), type: 'True' }, 'd', 1) as string, new RegExp(`name is longer than ${NAME_MAX_CHARS}`));
    assert.match(declarationEntry({ name: 'big', type: 'p '.repeat(SIGNATURE_MAX_CHARS) }, 'd', 1) as string, new RegExp(`type is longer than ${SIGNATURE_MAX_CHARS}`));
    assert.match(declarationEntry({ name: 'm', type: 'True', module: 'M'.repeat(300) }, 'd', 1) as string, /module is longer/);
    const doc = declarationEntry({ name: 'x', type: 'True', doc: 'word '.repeat(500) }, 'd', 1);
    assert.ok(typeof doc !== 'string');
    assert.equal(doc.doc!.length, DOC_MAX_CHARS);
    assert.ok(doc.doc!.endsWith('…'));
  });

  it('strips control characters and bidirectional overrides, and makes every field one line', () => {
    const e = declarationEntry({ name: 'Evil.lemma\u0000', type: '∀ (n : ℕ),\n\t n = n\u001b[31m', module: 'M\u202e.Odd', doc: 'line one\r\nline two\u2066' }, 'd', 1);
    assert.ok(typeof e !== 'string');
    assert.equal(e.name, 'Evil.lemma');
    assert.equal(e.signature, ': ∀ (n : ℕ), n = n [31m');
    assert.equal(e.module, 'M .Odd');
    // A control character inside a name splits it: such a name is refused, not shown.
    assert.match(declarationEntry({ name: 'Evil\u202e.lemma', type: 'True' }, 'd', 1) as string, /contains white space/);
    assert.equal(e.doc, 'line one line two');
  });

  it('leaves one-part local names out of what BM25 sees, keeping dotted names and the declared name', () => {
    assert.equal(premiseText('theorem inter_swap (s t : Set ℕ) : s ∩ t = t ∩ s'), 'theorem inter_swap ( : Set ℕ ) : ∩ = ∩');
    assert.equal(premiseText('List.reverse_reverse : ∀ {α : Type u_1} (as : List α), as.reverse.reverse = as'), 'List.reverse_reverse : ∀ { : Type } ( : List ) , as.reverse.reverse =');
    assert.equal(premiseText('theorem pos (n : ℕ) (hn : 0 < n) : 0 < n.factorial'), 'theorem pos ( : ℕ ) ( : 0 < ) : 0 < n.factorial');
  });
});

describe('declarations: the store', function () {
  this.timeout(20_000);

  it('adds, counts duplicates by name, and reopens with every record', async () => {
    const dir = scratch();
    const store = await DeclarationStore.open(dir, { durable: false });
    assert.equal(fs.existsSync(path.join(dir, DECLARATIONS_FILE)), false, 'nothing is created before the first add');
    assert.deepEqual(await store.add([record('A.one', 'True'), record('A.two', 'False'), record('A.one', 'True ∧ True')]), { added: 2, duplicates: 1 });
    assert.deepEqual(await store.add([record('A.two', 'False'), record('A.three', '1 = 1')]), { added: 1, duplicates: 1 });
    await store.close();
    const again = await DeclarationStore.open(dir);
    assert.equal(again.size, 3);
    assert.deepEqual([0, 1, 2].map((r) => again.read(r).name), ['A.one', 'A.two', 'A.three']);
    // The first statement of a name stays.
    assert.equal(again.read(0).signature, ': True');
    assert.deepEqual(again.report.messages, []);
    await again.close();
  });

  it('skips a torn last line with a warning, cuts it before the next append, and loses no earlier record', async () => {
    const dir = scratch();
    const store = await DeclarationStore.open(dir, { durable: false });
    await store.add([record('B.one', 'True'), record('B.two', 'False')]);
    await store.close();
    const file = path.join(dir, DECLARATIONS_FILE);
    const whole = fs.statSync(file).size;
    const torn = '{"name":"B.three","signature":": 1 =';
    fs.appendFileSync(file, torn);
    const logged: string[] = [];
    const reopened = await DeclarationStore.open(dir, { durable: false, log: (m) => logged.push(m) });
    assert.equal(reopened.size, 2);
    assert.match(logged.join('\n'), new RegExp(`skipped a partial last line \\(${Buffer.byteLength(torn)} bytes at the end of declarations\\.jsonl\\); the other 2 declarations are intact`));
    assert.equal(fs.statSync(file).size, whole, 'the partial line is cut off');
    await reopened.add([record('B.three', '1 = 1')]);
    await reopened.close();
    const last = await DeclarationStore.open(dir);
    assert.deepEqual([0, 1, 2].map((r) => last.read(r).name), ['B.one', 'B.two', 'B.three']);
    await last.close();
  });

  it('skips a damaged line in the middle with a warning and keeps the lines around it', async () => {
    const dir = scratch();
    const store = await DeclarationStore.open(dir, { durable: false });
    await store.add([record('C.one', 'True')]);
    await store.close();
    const file = path.join(dir, DECLARATIONS_FILE);
    fs.appendFileSync(file, 'not json at all\n' + JSON.stringify(record('C.two', 'False')) + '\n');
    const reopened = await DeclarationStore.open(dir);
    assert.equal(reopened.size, 2);
    assert.equal(reopened.report.skippedLines, 1);
    assert.match(reopened.report.messages[0]!, /skipped a damaged line at byte \d+ of declarations\.jsonl/);
    assert.deepEqual((await reopened.search('False', 1)).map((d) => d.name), ['C.two']);
    await reopened.close();
  });

  it('refuses a file that is not a declarations file, or one from a newer version', async () => {
    const dir = scratch();
    fs.writeFileSync(path.join(dir, DECLARATIONS_FILE), '{"name":"x","type":"True"}\n');
    await assert.rejects(DeclarationStore.open(dir), /is not an OProver declarations file/);
    fs.writeFileSync(path.join(dir, DECLARATIONS_FILE), '{"oprover":"declarations","version":99}\n');
    await assert.rejects(DeclarationStore.open(dir), /newer version \(format 99\)/);
  });

  it('sees what another holder of the folder added, and never stores a name twice between them', async () => {
    const dir = scratch();
    const a = await DeclarationStore.open(dir, { durable: false });
    const b = await DeclarationStore.open(dir, { durable: false });
    await a.add([record('D.shared', 'True'), record('D.fromA', '1 = 1')]);
    assert.deepEqual((await b.search('D.fromA', 1)).map((d) => d.name), ['D.fromA']);
    assert.deepEqual(await b.add([record('D.shared', 'True'), record('D.fromB', '2 = 2')]), { added: 1, duplicates: 1 });
    await a.close();
    await b.close();
    const lines = fs.readFileSync(path.join(dir, DECLARATIONS_FILE), 'utf8').trim().split('\n');
    assert.equal(lines.length, 4, 'a header and three declarations');
  });
});

describe('declarations: a deleted or replaced file', function () {
  this.timeout(20_000);

  it('forgets the declarations of a deleted file, and reads a new one from the start', async () => {
    const dir = scratch();
    const store = await DeclarationStore.open(dir, { durable: false });
    await store.add([record('E.gone', 'True')]);
    assert.equal((await store.search('E.gone', 1)).length, 1);
    fs.rmSync(path.join(dir, DECLARATIONS_FILE));
    assert.deepEqual(await store.search('E.gone', 1), []);
    assert.equal(store.size, 0);
    // Another process imports into a fresh file: this holder reads it whole.
    const other = await DeclarationStore.open(dir, { durable: false });
    await other.add([record('E.fresh', 'False')]);
    await other.close();
    assert.deepEqual((await store.search('E.fresh', 1)).map((d) => d.name), ['E.fresh']);
    // And its own next add goes into that file, after its lines.
    assert.deepEqual(await store.add([record('E.fresh', 'False'), record('E.mine', '1 = 1')]), { added: 1, duplicates: 1 });
    await store.close();
    const lines = fs.readFileSync(path.join(dir, DECLARATIONS_FILE), 'utf8').trim().split('\n');
    assert.deepEqual(lines.slice(1).map((l) => (JSON.parse(l) as DeclarationRecord).name), ['E.fresh', 'E.mine']);
  });
});

describe('declarations: import and retrieval through the memory', function () {
  this.timeout(30_000);

  it('imports a dump with progress, malformed lines by 1-based number, and duplicates counted; no proof is stored', async () => {
    const dir = scratch();
    const dump = path.join(dir, 'dump.jsonl');
    fs.writeFileSync(dump, fs.readFileSync(FIXTURE, 'utf8') + '\n{"name":"no.type"}\nnot json\n' + JSON.stringify({ name: 'Nat.add_comm', type: 'again' }) + '\n');
    const memory = memoryWithoutEmbedder(path.join(dir, 'bank'));
    const progress: Progress[] = [];
    const r = await importDeclarations(memory, dump, { onProgress: (p) => progress.push(p) });
    assert.equal(r.imported, 34);
    assert.equal(r.duplicates, 1);
    assert.deepEqual(r.malformed.map((m) => m.line), [36, 37]);
    assert.match(r.malformed[1]!.error, /^invalid JSON/);
    assert.equal(r.cancelled, false);
    const last = progress[progress.length - 1]!;
    assert.equal(last.unit, 'bytes');
    assert.equal(last.done, last.total);
    assert.match(last.message, /34 declarations imported from dump\.jsonl/);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'bank')).filter((f) => f !== '.gitignore').sort(), [DECLARATIONS_FILE], 'no proof bank files');
    const again = await importDeclarations(memory, dump);
    assert.deepEqual([again.imported, again.duplicates], [0, 35]);
    await memory.close();
  });

  it('stops when cancelled, keeping what was stored', async () => {
    const dir = scratch();
    const memory = memoryWithoutEmbedder(dir);
    const stop = new AbortController();
    stop.abort();
    const r = await importDeclarations(memory, FIXTURE, { signal: stop.signal });
    assert.deepEqual([r.imported, r.cancelled], [0, true]);
    const partial = new AbortController();
    const some = await importDeclarations(memory, FIXTURE, { batchSize: 5, signal: partial.signal, onProgress: () => partial.abort() });
    assert.equal(some.cancelled, true);
    assert.equal(some.imported, 5);
    assert.equal((await memory.declarations()).size, 5);
    await memory.close();
  });

  it('ranks the declaration a statement needs first, uses the error hints, and leaves out the target itself', async () => {
    const dir = scratch();
    const memory = memoryWithoutEmbedder(dir);
    await importDeclarations(memory, FIXTURE);
    const top = async (statement: string, extra: { hints?: string[]; excludeName?: string } = {}) => (await memory.retrieveDeclarations({ statement, ...extra }, 3)).map((d) => d.name);
    assert.equal((await top('theorem t (l : List ℕ) : l.reverse.reverse = l'))[0], 'List.reverse_reverse');
    assert.equal((await top('theorem t (n : ℕ) : 0 < n.factorial'))[0], 'Nat.factorial_pos');
    assert.equal((await top('theorem t (s t : Set ℕ) : s ∩ t = t ∩ s'))[0], 'Set.inter_comm');
    assert.equal((await top('theorem t (x : ℝ) : 0 < Real.exp x + 1'))[0], 'Real.exp_pos');
    assert.equal((await top('theorem t (n : ℕ) : ∑ i ∈ Finset.range (n + 1), i = n * (n + 1) / 2'))[0], 'Finset.sum_range_succ');
    assert.deepEqual((await top('theorem t (p : ℕ) (hp : p.Prime) : 1 < p')).slice(0, 2).sort(), ['Nat.Prime.pos', 'Nat.Prime.two_le']);
    // The names Lean's errors pointed at lead the query.
    assert.equal((await top('theorem t (a b : ℕ) (h : a < b) : a + 1 ≤ b', { hints: ['Nat.succ_le_of_lt'] }))[0], 'Nat.succ_le_of_lt');
    assert.ok(!(await top('theorem List.reverse_reverse (l : List ℕ) : l.reverse.reverse = l', { excludeName: 'List.reverse_reverse' })).includes('List.reverse_reverse'));
    const [hit] = await memory.retrieveDeclarations({ statement: 'theorem t (l : List ℕ) : l.reverse.reverse = l' }, 1);
    assert.equal(hit!.module, 'Init.Data.List.Lemmas');
    assert.equal(hit!.source.line, 13);
    assert.ok(hit!.score > 0);
    await memory.close();
  });

  it('returns nothing, and creates nothing, when no dump was imported', async () => {
    const dir = path.join(scratch(), 'bank');
    const memory = memoryWithoutEmbedder(dir);
    assert.deepEqual(await memory.retrieveDeclarations({ statement: 'theorem t : True' }, 8), []);
    assert.equal(fs.existsSync(dir), false);
    await memory.close();
  });
});
