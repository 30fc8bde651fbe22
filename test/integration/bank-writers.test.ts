// Two processes writing one memory bank at once (a window and the CLI on the same project): no
// record is overwritten or torn, a proof both store is stored once, every record keeps its own
// vector, and a process that only reads sees what the writers stored.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { embeddingText, LOCK_FILE, ProofBank } from '../../src/retrieval/bank';
import { BuiltinEmbedder } from '../../src/retrieval/embedder';

const root = path.resolve(__dirname, '..', '..');
const writerScript = path.join(root, 'test', 'fixtures', 'retrieval', 'concurrent-writer.ts');

interface Writer {
  ready: Promise<void>;
  go(): void;
  done: Promise<number>;
}

function writer(dir: string, prefix: string, count: number, batch: number): Writer {
  const proc = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, prefix, String(count), String(batch)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  proc.stdout.on('data', (d) => {
    out += d;
    if (out.includes('ready\n')) markReady();
  });
  proc.stderr.on('data', (d) => (err += d));
  const done = new Promise<number>((resolve, reject) => {
    proc.on('exit', (code) => {
      const m = /done (\d+)/.exec(out);
      if (code === 0 && m) resolve(Number(m[1]));
      else reject(new Error(`writer ${prefix} ended with ${code}: ${err}`));
    });
  });
  return { ready, go: () => proc.stdin.write('go\n'), done };
}

describe('memory bank: two processes writing at once', function () {
  this.timeout(120_000);

  it('keeps every record of both, stores a shared proof once, and keeps each vector with its record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bank-writers-'));
    const embedder = await BuiltinEmbedder.load();
    try {
      // A reader that opened the bank before either writer started.
      const reader = await ProofBank.open(dir, embedder, { durable: false });
      assert.equal(reader.size, 0);
      const count = 300;
      const batch = 3;
      const writers = [writer(dir, 'left', count, batch), writer(dir, 'right', count, batch)];
      await Promise.all(writers.map((w) => w.ready));
      for (const w of writers) w.go();
      await Promise.all(writers.map((w) => w.done));
      const shared = Math.ceil(count / batch);
      const expected = 2 * count + shared;

      // The reader takes in what the writers stored on its next search.
      const probe = (await embedder.embed(['theorem left.t7 (n : Nat) : n + 7 = 7 + n']));
      await reader.search(probe, 1);
      assert.equal(reader.size, expected, 'the reader sees every record the writers stored');

      const reopened = await ProofBank.open(dir, embedder, { durable: false });
      assert.equal(reopened.report.lostRecords, 0, reopened.report.message);
      assert.equal(reopened.report.reembedded, 0, 'every record had its vector on disk');
      assert.equal(reopened.size, expected, 'no record was overwritten by the other writer');
      const names = new Set(Array.from({ length: reopened.size }, (_, r) => reopened.read(r).name));
      for (let i = 0; i < count; i++) {
        assert.ok(names.has(`left.t${i}`) && names.has(`right.t${i}`), `both writers' proof ${i} are stored`);
      }
      assert.equal([...names].filter((n) => n?.startsWith('shared.')).length, shared, 'a proof both stored is there once');
      // Each row's vector is its own record's: searching with the record's embedding finds that row.
      for (let r = 0; r < reopened.size; r += 7) {
        const [vector] = [await embedder.embed([embeddingText(reopened.read(r))])];
        const [top] = await reopened.search(vector!, 1);
        assert.ok(top && top.score > 0.999, `row ${r}'s vector matches its record (score ${top?.score})`);
        assert.equal(reopened.read(top.row).id, reopened.read(r).id);
      }
      assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false, 'no lock is left behind');
      await reader.close();
      await reopened.close();
    } finally {
      await embedder.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
