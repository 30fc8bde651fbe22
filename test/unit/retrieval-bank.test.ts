import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { VerifiedProof } from '../../src/core/types';
import { ProofBank, RECORDS_FILE, VECTORS_FILE, crc32, crc32Table, dedupKey, embeddingText } from '../../src/retrieval/bank';
import { BuiltinEmbedder, type Embedder } from '../../src/retrieval/embedder';

/** Wraps an embedder to count texts embedded and to pose as another model. */
class CountingEmbedder implements Embedder {
  texts = 0;
  constructor(
    private readonly inner: Embedder,
    readonly fingerprint = inner.fingerprint,
  ) {}
  get dim() {
    return this.inner.dim;
  }
  async embed(texts: readonly string[]) {
    this.texts += texts.length;
    return this.inner.embed(texts);
  }
  async dispose() {}
}

function proof(i: number, file = 'Demo/Basic.lean'): VerifiedProof {
  const statement = `theorem t${i} (n : Nat) : n + ${i} = ${i} + n`;
  return { name: `Demo.t${i}`, statement, proof: `${statement} := by\n  omega`, source: { kind: 'workspace', file, line: i + 1 } };
}

describe('retrieval: proof bank', function () {
  this.timeout(20_000);
  let builtin: BuiltinEmbedder;
  let dir: string;
  before(async () => {
    builtin = await BuiltinEmbedder.load();
  });
  after(async () => builtin.dispose());
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bank-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('computes the standard CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    assert.equal(crc32Table(Buffer.from('123456789')), 0xcbf43926);
    const text = Buffer.from('theorem x : ∀ n, n ≤ n := fun _ => Nat.le_refl _');
    assert.equal(crc32(text), crc32Table(text));
  });

  it('stores, reopens and finds proofs with their source', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    assert.deepEqual(await bank.add([proof(1), proof(2), proof(3)]), { added: 3, duplicates: 0 });
    await bank.close();
    const again = await ProofBank.open(dir, builtin, { durable: false });
    assert.equal(again.size, 3);
    assert.equal(again.report.lostRecords, 0);
    assert.equal(again.report.reembedded, 0);
    const q = await builtin.embed([proof(2).statement]);
    const top = await again.search(q, 1);
    assert.equal(again.read(top[0]!.row).name, 'Demo.t2');
    assert.deepEqual(again.read(top[0]!.row).source, { kind: 'workspace', file: 'Demo/Basic.lean', line: 3 });
    await again.close();
  });

  it('deduplicates by normalised statement and proof, within a batch and across reopen', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    const p = proof(5);
    const spaced = { ...p, statement: p.statement.replace(' : ', '   :  '), proof: p.proof.replace('\n  omega', ' omega -- done') };
    assert.equal(dedupKey(p.statement, p.proof), dedupKey(spaced.statement, spaced.proof));
    assert.deepEqual(await bank.add([p, spaced]), { added: 1, duplicates: 1 });
    assert.ok(bank.has(spaced));
    await bank.close();
    const again = await ProofBank.open(dir, builtin, { durable: false });
    assert.deepEqual(await again.add([spaced, proof(6)]), { added: 1, duplicates: 1 });
    const different = { ...p, proof: `${p.statement} := by simp [Nat.add_comm]` };
    assert.deepEqual(await again.add([different]), { added: 1, duplicates: 0 });
    await again.close();
  });

  it('keeps each new proof with its own vector when the embedder starts on the whole batch, duplicates dropped', async () => {
    assert.equal(builtin.embedsOffThread, true, 'the built-in model works off this thread');
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    assert.deepEqual(await bank.add(Array.from({ length: 50 }, (_, i) => proof(i))), { added: 50, duplicates: 0 });
    // 100 new, 50 stored before, 10 repeated within the batch, in mixed order.
    const batch = [...Array.from({ length: 100 }, (_, i) => proof(100 + i)), ...Array.from({ length: 50 }, (_, i) => proof(i)), ...Array.from({ length: 10 }, (_, i) => proof(100 + 3 * i))];
    batch.sort((a, b) => dedupKey(a.statement, a.proof).localeCompare(dedupKey(b.statement, b.proof)));
    assert.deepEqual(await bank.add(batch), { added: 100, duplicates: 60 });
    assert.equal(bank.size, 150);
    await bank.close();
    const bytes = fs.readFileSync(path.join(dir, VECTORS_FILE));
    const stored = new Float32Array(bytes.buffer.slice(bytes.byteOffset + 256, bytes.byteOffset + bytes.length));
    const again = await ProofBank.open(dir, builtin, { durable: false });
    for (let row = 0; row < again.size; row += 7) {
      const own = await builtin.embed([embeddingText(again.read(row))]);
      for (let j = 0; j < builtin.dim; j++) assert.ok(Math.abs(stored[row * builtin.dim + j]! - own[j]!) < 1e-6, `row ${row}`);
    }
    await again.close();
  });

  it('detects a torn last record, truncates it and reports the loss', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add([proof(1), proof(2), proof(3)]);
    await bank.close();
    const logPath = path.join(dir, RECORDS_FILE);
    const full = fs.statSync(logPath).size;
    fs.truncateSync(logPath, full - 10); // the last record loses its end
    const messages: string[] = [];
    const again = await ProofBank.open(dir, builtin, { durable: false, log: (m) => messages.push(m) });
    assert.equal(again.size, 2);
    assert.equal(again.report.lostRecords, 1);
    assert.match(again.report.message ?? '', /lost 1 partial record/);
    assert.ok(messages.some((m) => m.includes('lost 1 partial record')));
    // The vector of the lost record is cut too, and new records append cleanly after the repair.
    assert.equal(fs.statSync(path.join(dir, VECTORS_FILE)).size, 256 + 2 * builtin.dim * 4);
    await again.add([proof(4)]);
    await again.close();
    const third = await ProofBank.open(dir, builtin, { durable: false });
    assert.equal(third.size, 3);
    assert.equal(third.report.lostRecords, 0);
    assert.deepEqual([0, 1, 2].map((r) => third.read(r).name), ['Demo.t1', 'Demo.t2', 'Demo.t4']);
    await third.close();
  });

  it('detects a last record whose checksum fails (torn inside the payload)', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add([proof(1), proof(2)]);
    await bank.close();
    const logPath = path.join(dir, RECORDS_FILE);
    const bytes = fs.readFileSync(logPath);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    fs.writeFileSync(logPath, bytes);
    const again = await ProofBank.open(dir, builtin, { durable: false });
    assert.equal(again.size, 1);
    assert.match(again.report.message ?? '', /lost 1 partial record/);
    await again.close();
  });

  it('embeds missing vectors and rebuilds them all for another embedder', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add([proof(1), proof(2), proof(3)]);
    await bank.close();
    // Vectors lost after the records were written: only the missing rows are embedded again.
    fs.truncateSync(path.join(dir, VECTORS_FILE), 256 + builtin.dim * 4 + 7);
    const counting = new CountingEmbedder(builtin);
    const again = await ProofBank.open(dir, counting, { durable: false });
    assert.equal(counting.texts, 2);
    assert.equal(again.report.reembedded, 2);
    await again.close();
    const other = new CountingEmbedder(builtin, 'another-model');
    const rebuilt = await ProofBank.open(dir, other, { durable: false });
    assert.equal(other.texts, 3);
    assert.equal(rebuilt.size, 3);
    await rebuilt.close();
  });

  it('excludes the target by name and, when asked, its whole file', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add([proof(1, 'A.lean'), proof(2, 'A.lean'), proof(3, 'B.lean'), proof(4, 'B.lean')]);
    const q = await builtin.embed([proof(2).statement]);
    const names = async (exclude: { name?: string; file?: string }) => (await bank.search(q, 4, exclude)).map((r) => bank.read(r.row).name);
    assert.equal((await names({}))[0], 'Demo.t2');
    const withoutSelf = await names({ name: 'Demo.t2' });
    assert.equal(withoutSelf.length, 3);
    assert.ok(!withoutSelf.includes('Demo.t2'));
    assert.deepEqual((await names({ file: 'A.lean' })).sort(), ['Demo.t3', 'Demo.t4']);
    await bank.close();
  });

  it('removes records with a tombstone that survives reopening, and can store them again', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add([proof(1), proof(2), proof(3)]);
    const id2 = bank.read(1).id;
    assert.equal(await bank.forget([id2, 'no-such-id']), 1);
    assert.equal(bank.liveCount, 2);
    assert.ok(!bank.has(proof(2)));
    const q = await builtin.embed([proof(2).statement]);
    assert.ok(!(await bank.search(q, 3)).some((r) => r.row === 1), 'a removed record is never returned');
    await bank.close();
    const again = await ProofBank.open(dir, builtin, { durable: false });
    assert.equal(again.liveCount, 2);
    assert.equal(again.report.records, 2);
    assert.deepEqual((await again.search(q, 3)).map((r) => again.read(r.row).name).sort(), ['Demo.t1', 'Demo.t3']);
    assert.deepEqual(await again.add([proof(2)]), { added: 1, duplicates: 0 });
    assert.equal(again.read((await again.search(q, 1))[0]!.row).name, 'Demo.t2');
    await again.close();
  });

  it('replaces a workspace file: unchanged kept, changed and deleted removed, other sources untouched', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    const accepted = { ...proof(9, 'A.lean'), source: { kind: 'accepted' as const, file: 'A.lean' } };
    await bank.add([proof(1, 'A.lean'), proof(2, 'A.lean'), proof(3, 'B.lean'), accepted]);
    const changed = { ...proof(2, 'A.lean'), proof: `${proof(2).statement} := by simp [Nat.add_comm]` };
    const result = await bank.replaceFile('A.lean', [proof(1, 'A.lean'), changed, proof(4, 'A.lean')]);
    assert.deepEqual(result, { added: 2, duplicates: 1, removed: 1 });
    assert.equal(bank.liveCount, 5); // 4 stored + 2 added - 1 removed
    assert.ok(bank.has(accepted) && bank.has(proof(3, 'B.lean')) && bank.has(changed) && !bank.has(proof(2, 'A.lean')));
    assert.deepEqual(await bank.replaceFile('A.lean', []), { added: 0, duplicates: 0, removed: 3 });
    assert.equal(bank.liveCount, 2);
    await bank.close();
  });

  it('refuses a file that is not a bank log, and a newer format', async () => {
    fs.writeFileSync(path.join(dir, RECORDS_FILE), 'something else entirely');
    await assert.rejects(ProofBank.open(dir, builtin), /not a proof bank log/);
    const header = Buffer.alloc(16);
    Buffer.from('OPRVLOG\0', 'latin1').copy(header);
    header.writeUInt32LE(99, 8);
    fs.writeFileSync(path.join(dir, RECORDS_FILE), header);
    await assert.rejects(ProofBank.open(dir, builtin), /newer version/);
  });

  it('keeps its row table beside the log: reopened, it reads only the records appended since and is the same bank', async () => {
    const logs: string[] = [];
    const open = () => ProofBank.open(dir, builtin, { durable: false, rowTableMinRows: 50, log: (m) => logs.push(m) });
    const state = async (bank: ProofBank) => {
      const rows = Array.from({ length: bank.size }, (_, r) => [bank.isDeleted(r), bank.read(r).id, bank.exclusion({ file: 'B.lean' })?.test(r) ?? false, bank.exclusion({ name: 'Demo.t7' })?.test(r) ?? false]);
      const q = await builtin.embed([proof(33).statement]);
      return { size: bank.size, live: bank.liveCount, files: bank.workspaceFiles().sort(), rows, top: (await bank.search(q, 5, { file: 'A.lean' })).map((x) => x.row) };
    };
    const first = await open();
    await first.add(Array.from({ length: 60 }, (_, i) => proof(i, i % 3 ? 'A.lean' : 'B.lean')));
    await first.add([{ ...proof(500), source: { kind: 'corpus', file: 'corpus.jsonl', line: 1 } }]);
    await first.forget([first.read(4).id, first.read(10).id]);
    await first.replaceFile('B.lean', [proof(0, 'B.lean'), proof(700, 'B.lean')]);
    const expected = await state(first);
    await first.close();
    const file = path.join(dir, 'rows.bin');
    assert.ok(fs.existsSync(file), 'the row table was saved on closing');

    // The same bank, with the table.
    logs.length = 0;
    const second = await open();
    assert.ok(logs.includes(`proof bank: ${expected.size} records taken from rows.bin`), logs.join('\n'));
    assert.deepEqual(await state(second), expected);
    // It works on from there: removals by id and file, additions, duplicates.
    assert.equal(await second.forget([second.read(20).id]), 1);
    assert.deepEqual(await second.add([proof(1, 'A.lean'), proof(800, 'C.lean')]), { added: 1, duplicates: 1 });
    const grown = await state(second);
    await second.close(); // 2 rows since: the table stays as it was, the log holds the rest

    logs.length = 0;
    const third = await open();
    assert.ok(logs.includes(`proof bank: ${expected.size} records taken from rows.bin`), logs.join('\n'));
    assert.deepEqual(await state(third), grown, 'frames after the table (records and removals) are taken in');
    await third.close();

    // The reference: the same log read record by record.
    fs.renameSync(file, `${file}.kept`);
    const reference = await open();
    assert.deepEqual(await state(reference), grown);
    await reference.close();
    fs.rmSync(file, { force: true }); // the reference read 63 records and saved its own table
    fs.renameSync(`${file}.kept`, file);

    // A damaged table is said and not used.
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 7] ^= 0xff;
    fs.writeFileSync(file, bytes);
    logs.length = 0;
    const damaged = await open();
    assert.deepEqual(await state(damaged), grown);
    assert.ok(logs.some((m) => m.includes('rows.bin is damaged (checksum); reading every record')), logs.join('\n'));
    await damaged.close();

    // Another bank's table is refused: its last record is not in this log.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bank-other-'));
    const other = await ProofBank.open(otherDir, builtin, { durable: false, rowTableMinRows: 50 });
    await other.add(Array.from({ length: 70 }, (_, i) => proof(1000 + i)));
    await other.close();
    fs.copyFileSync(path.join(otherDir, 'rows.bin'), file);
    fs.rmSync(otherDir, { recursive: true, force: true });
    logs.length = 0;
    const foreign = await open();
    assert.deepEqual(await state(foreign), grown);
    assert.ok(logs.some((m) => /rows\.bin (belongs to another log|does not fit the log); reading every record/.test(m)), logs.join('\n'));
    await foreign.close();
  });

  it('reads its log a chunk at a time: records longer than a chunk, a torn tail and a damaged record come out as in one read', async () => {
    const long = (i: number): VerifiedProof => ({ ...proof(i), proof: `${proof(i).statement} := by\n  -- ${'x'.repeat(300 + 97 * i)}\n  omega` });
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add(Array.from({ length: 12 }, (_, i) => (i % 3 ? proof(i) : long(i))));
    await bank.forget([bank.read(5).id]);
    await bank.close();
    const logPath = path.join(dir, RECORDS_FILE);
    const state = (b: ProofBank) => ({ size: b.size, live: b.liveCount, report: b.report, rows: Array.from({ length: b.size }, (_, r) => [b.isDeleted(r), b.read(r).id]) });
    const openWith = async (logChunkBytes?: number) => {
      const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bank-chunks-'));
      for (const f of fs.readdirSync(dir)) fs.copyFileSync(path.join(dir, f), path.join(copy, f));
      const b = await ProofBank.open(copy, builtin, { durable: false, ...(logChunkBytes ? { logChunkBytes } : {}) });
      const seen = state(b);
      await b.close();
      fs.rmSync(copy, { recursive: true, force: true });
      return seen;
    };
    const whole = await openWith();
    assert.equal(whole.size, 12);
    for (const chunk of [16, 100, 700]) assert.deepEqual(await openWith(chunk), whole, `chunks of ${chunk} bytes`);

    // A torn tail (the last record loses its end).
    fs.truncateSync(logPath, fs.statSync(logPath).size - 10);
    const torn = await openWith();
    assert.equal(torn.report.lostRecords, 1);
    for (const chunk of [16, 100, 700]) assert.deepEqual(await openWith(chunk), torn, `torn, chunks of ${chunk} bytes`);

    // A damaged record in the middle: everything from it on is dropped, whatever the chunk.
    const bytes = fs.readFileSync(logPath);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(logPath, bytes);
    const damaged = await openWith();
    assert.ok(damaged.size < torn.size && /damaged record at byte/.test(damaged.report.message ?? ''), JSON.stringify(damaged.report));
    for (const chunk of [16, 100, 700]) assert.deepEqual(await openWith(chunk), damaged, `damaged, chunks of ${chunk} bytes`);
  });

  it('leaves the vectors of a bank too large to hold in the file (at opening without an index, and once additions pass the limit), and searches it the same', async () => {
    const bank = await ProofBank.open(dir, builtin, { durable: false });
    await bank.add(Array.from({ length: 300 }, (_, i) => proof(i, `F${i % 4}.lean`)));
    await bank.close();
    const inMemory = await ProofBank.open(dir, builtin, { durable: false, annMinRows: 1e9 });
    const large = await ProofBank.open(dir, builtin, { durable: false, annMinRows: 100, vectorsInMemoryMaxRows: 200 });
    assert.equal(inMemory.vectorRowsInMemory, 300);
    assert.equal(large.vectorRowsInMemory, 0, 'no vector read into memory at opening');
    const q = await builtin.embed([proof(123).statement]);
    // No index yet: the search reads the file in steps (and starts building the index).
    assert.deepEqual(await large.search(q, 5, { file: 'F1.lean' }), await inMemory.search(q, 5, { file: 'F1.lean' }));
    assert.ok(await large.approximateReady(), 'the approximate index was built from the file');
    assert.equal(large.vectorRowsInMemory, 0);
    await large.add([proof(1000)]);
    assert.equal(large.vectorRowsInMemory, 1, 'a new row is kept in memory');
    // Past the limit by its own additions, it leaves every row in the file again.
    await large.add(Array.from({ length: 250 }, (_, i) => proof(2000 + i, 'G.lean')));
    assert.equal(large.vectorRowsInMemory, 0);
    const again = await builtin.embed([proof(2100).statement]);
    // (The large bank now re-ranks through its approximate index's kernels: the same rows, scores equal to float rounding.)
    const [fromFile, fromMemory] = [await large.search(again, 5), await inMemory.search(again, 5)];
    assert.deepEqual(fromFile.map((r) => r.row), fromMemory.map((r) => r.row), 'the same answers, the new rows read from the file');
    fromFile.forEach((r, i) => assert.ok(Math.abs(r.score - fromMemory[i]!.score) < 1e-6));
    await large.close();
    await inMemory.close();
  });
});
